"""What the GRF progress report prints, from the rows `grf.gather` loaded: the summary figures
(from the registry's own queries, or counted from the rows when a filter applies), the roll-up
per key outcome, the highlights and the annex of every commitment."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask_babel import gettext

from registry.dashboard import queries as dashboard_queries
from registry.models import (
    Commitment,
    CommitmentStatus,
    Organisation,
    Pledge,
    ProgressUpdate,
    Region,
    ReviewState,
    StakeholderType,
    SubmissionWindow,
    Visibility,
)
from registry.progress import queries as progress_queries
from registry.reports.common import organisation_label, percent_text

#: Highlights printed per key outcome (as on the dashboard's roll-up).
HIGHLIGHTS_PER_OUTCOME = 3


def _since(window: SubmissionWindow) -> datetime:
    """When a cycle ended, for "new since the last cycle": its close, else its opening."""
    return window.closes_at or window.opens_at or window.created_at


def _breakdown(values, enum_cls, unset_label: str) -> list[dict]:
    """Counts of enum members (or None) as the dashboard's breakdown rows, in its order."""
    order = {member.name: i for i, member in enumerate(enum_cls)}
    rows = [
        {
            "key": value.name if value is not None else None,
            "label": value.label if value is not None else unset_label,
            "count": count,
        }
        for value, count in Counter(values).items()
    ]
    return sorted(rows, key=lambda r: (r["key"] is None, -r["count"], order.get(r["key"], 0)))


def _by_key_outcome(commitments: list[Commitment]) -> list[dict]:
    counts = Counter(c.key_outcome_id for c in commitments)
    outcomes = {c.key_outcome_id: c.key_outcome for c in commitments if c.key_outcome}
    ids = sorted(
        counts,
        key=lambda i: (i is None, *((outcomes[i].pledge_id, outcomes[i].position) if i else ()), i),
    )
    return [
        {
            "key": i,
            "label": outcomes[i].title if i else gettext("No key outcome"),
            "count": counts[i],
        }
        for i in ids
    ]


def reported_ids(cycles: list[dict], updates: list[ProgressUpdate]) -> set[int]:
    """Commitments with a (non-draft) update in their pledge's cycle window."""
    windows = {c["window"].id for c in cycles if c["window"] is not None}
    return {u.commitment_id for u in updates if u.window_id in windows}


def counted_figures(signatories, commitments, updates, cycles) -> dict:
    """The dashboard's figures counted from the gathered rows (used when a filter applies)."""
    reported = reported_ids(cycles, updates)
    cycle_pledges = {c["pledge"].id for c in cycles if c["window"] is not None}
    in_cycle = [c for c in commitments if c.signature.pledge_id in cycle_pledges]
    statuses = Counter(c.status for c in commitments)
    return {
        "signatories_by_stakeholder_type": _breakdown(
            [o.stakeholder_type for o in signatories], StakeholderType, gettext("Not set")
        ),
        "signatories_by_region": _breakdown(
            [o.region for o in signatories], Region, gettext("Region not set")
        ),
        "commitments_by_status": [
            {"key": s.name, "label": s.label, "count": statuses[s]}
            for s in CommitmentStatus
            if statuses.get(s)
        ],
        "commitments_by_key_outcome": _by_key_outcome(commitments),
        "reporting": _share(len(in_cycle), sum(1 for c in in_cycle if c.id in reported)),
    }


def _share(total: int, reported: int) -> dict:
    return {
        "total": total,
        "reported": reported,
        "share": round(100 * reported / total, 1) if total else None,
    }


def registry_figures(pledge: Pledge | None, params: dict, cycles, now: datetime) -> dict:
    """The figures straight from the registry's queries (no filter)."""
    figures = {
        "signatories_by_stakeholder_type": dashboard_queries.signatories_by_stakeholder_type(
            pledge
        ),
        "signatories_by_region": dashboard_queries.signatories_by_region(pledge),
        "commitments_by_status": dashboard_queries.commitments_by_status(pledge),
        "commitments_by_key_outcome": dashboard_queries.commitments_by_key_outcome(pledge),
    }
    if params.get("window"):
        rows = progress_queries.reporting_rows(cycles[0]["pledge"], cycles[0]["window"])
        figures["reporting"] = _share(len(rows), sum(r.status == "reported" for r in rows))
    else:
        share = dashboard_queries.reporting_share(pledge, now)
        figures["reporting"] = _share(share["total"], share["reported"])
    return figures


def new_since_last_cycle(cycles: list[dict], commitments, now: datetime) -> int | None:
    """Commitments created after the close of their pledge's previous progress window (and by
    the as-of moment); None when no pledge has a previous cycle."""
    since = {c["pledge"].id: _since(c["previous"]) for c in cycles if c["previous"] is not None}
    if not since:
        return None
    return sum(
        1
        for c in commitments
        if c.signature.pledge_id in since and since[c.signature.pledge_id] < c.created_at <= now
    )


def rollup_rows(pledge: Pledge, window, commitments, reported: set[int]) -> list[dict]:
    """`rollup_by_key_outcome`'s figures counted from the gathered rows (with a filter)."""
    rows = []
    for outcome in pledge.key_outcomes:
        mine = [c for c in commitments if c.key_outcome_id == outcome.id]
        done = sum(1 for c in mine if c.id in reported)
        rows.append(
            {
                "key_outcome": outcome,
                "commitments": len(mine),
                "status_mix": {s.name: n for s, n in Counter(c.status for c in mine).items()},
                "reported": done,
                "share_reported": done / len(mine) if mine and window is not None else None,
            }
        )
    return rows


def _display_name(organisation: Organisation, audience: str) -> str:
    """The organisation as the audience may see it; a hidden one is never named in public."""
    label = organisation_label(organisation, audience)
    if label is None:
        return gettext("An organisation that asked not to be listed")
    if audience == "internal" and organisation.visibility is not Visibility.public:
        note = (
            gettext("anonymised in public reports")
            if organisation.visibility is Visibility.anonymised
            else gettext("hidden in public reports")
        )
        return f"{label} ({note})"
    return label


def highlights(pledges, updates, audience: str) -> list[dict]:
    """Per key outcome, the latest verified updates with achievements (hidden organisations
    are left out of public reports)."""
    verified = [
        u
        for u in updates
        if u.review_state is ReviewState.verified
        and u.achievements
        and u.commitment.key_outcome_id is not None
        and not (
            audience == "public"
            and u.commitment.signature.organisation.visibility is Visibility.hidden
        )
    ]
    groups = []
    for pledge in pledges:
        for outcome in pledge.key_outcomes:
            mine = [u for u in verified if u.commitment.key_outcome_id == outcome.id]
            if mine:
                items = [
                    {
                        "report": u,
                        "commitment": u.commitment,
                        "organisation": _display_name(
                            u.commitment.signature.organisation, audience
                        ),
                    }
                    for u in mine[:HIGHLIGHTS_PER_OUTCOME]
                ]
                groups.append({"pledge": pledge, "key_outcome": outcome, "items": items})
    return groups


def annex(pledges, commitments, updates, audience: str) -> list[dict]:
    """The commitments grouped by pledge and key outcome (in the pledge's order, those without
    a key outcome last), each with its latest verified progress (updates come most recently
    verified first). Grouping prints the outcome once per group instead of once per entry: half
    the pages of a long annex (bench/README.md)."""
    latest: dict[int, ProgressUpdate] = {}
    for update in updates:
        if update.review_state is ReviewState.verified:
            latest.setdefault(update.commitment_id, update)
    pledge_order = {p.id: i for i, p in enumerate(pledges)}
    pledge_by_id = {p.id: p for p in pledges}
    ordered = sorted(
        commitments,
        key=lambda c: (
            pledge_order.get(c.signature.pledge_id, 0),
            c.key_outcome is None,
            c.key_outcome.position if c.key_outcome else 0,
            c.id,
        ),
    )
    groups: dict[tuple, dict] = {}
    for commitment in ordered:
        outcome = commitment.key_outcome
        key = (commitment.signature.pledge_id, outcome.id if outcome else None)
        if key not in groups:
            groups[key] = {
                "pledge": pledge_by_id.get(commitment.signature.pledge_id),
                "key_outcome": outcome.title if outcome else gettext("No key outcome"),
                "items": [],
            }
        update = latest.get(commitment.id)
        groups[key]["items"].append(
            {
                "title": commitment.title,
                "organisation": _display_name(commitment.signature.organisation, audience),
                "status": commitment.status.label,
                "target_date": commitment.target_date,
                "progress": percent_text(update.progress_percent if update else None),
                "progress_window": update.window.label
                if update and update.progress_percent is not None
                else None,
            }
        )
    return list(groups.values())
