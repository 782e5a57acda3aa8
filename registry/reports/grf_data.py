"""GRF progress report, what it counts and loads: the parameters, the rows in scope (accepted
signatures of the pledge, narrowed by stakeholder type and region), the reporting cycles, and
the summary figures and roll-up per key outcome.

Every summary figure comes from the registry's own queries (`registry.dashboard.queries` and
`rollup_by_key_outcome`). Those queries have no stakeholder type or region filter, so with a
filter the same definitions are counted here from the rows gathered anyway; the tests check
both ways agree. Everything is loaded with a fixed number of statements, whatever the number of
commitments. What the report prints of each commitment and update is built from these rows by
the public view (`grf.py`, `grf_sections.py`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.dashboard import queries as dashboard_queries
from registry.disclosure.view import COMMITMENT_LOADS
from registry.extensions import db
from registry.models import (
    Commitment,
    CommitmentStatus,
    Organisation,
    Pledge,
    ProgressUpdate,
    Region,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.progress import queries as progress_queries
from registry.reports.common import (
    ReportParameterError,
    audience_of,
    check_keys,
    date_param,
    enum_param,
    integer_param,
    language_param,
)

STATUSES = tuple(CommitmentStatus)
PARAMETERS = frozenset(
    {"pledge", "as_of", "window", "stakeholder_type", "region", "audience", "language"}
)
ALL = "all"


def parse_params(raw: dict) -> dict:
    """Check the parameters: a pledge slug or "all", an as-of date or a progress window of that
    pledge (not both), optional stakeholder type and region (enum names), an audience."""
    raw = check_keys(raw, PARAMETERS)
    slug = str(raw.get("pledge") or "").strip()
    if not slug:
        raise ReportParameterError("The parameter 'pledge' is required (a pledge slug or 'all').")
    pledge_id = None
    if slug != ALL:
        pledge_id = db.session.scalar(select(Pledge.id).where(Pledge.slug == slug))
        if pledge_id is None:
            raise ReportParameterError(f"There is no pledge {slug!r}.")
    as_of = date_param(raw, "as_of")
    window_id = integer_param(raw, "window")
    if as_of and window_id:
        raise ReportParameterError("Give either 'as_of' or 'window', not both.")
    if window_id is not None:
        if pledge_id is None:
            raise ReportParameterError("A reporting window belongs to one pledge: name the pledge.")
        window = db.session.get(SubmissionWindow, window_id)
        if (
            window is None
            or window.kind is not WindowKind.progress
            or window.pledge_id != pledge_id
        ):
            raise ReportParameterError(
                f"There is no progress window {window_id} of the pledge {slug!r}."
            )
    return {
        "pledge": slug,
        "as_of": as_of,
        "window": window_id,
        "stakeholder_type": enum_param(raw, "stakeholder_type", StakeholderType),
        "region": enum_param(raw, "region", Region),
        "audience": audience_of(raw),
        "language": language_param(raw),
    }


def filter_labels(params: dict) -> dict:
    """The stakeholder type and region filters as the report names them (None when unset)."""
    kind, region = params.get("stakeholder_type"), params.get("region")
    return {
        "stakeholder_type": StakeholderType[kind].label if kind else None,
        "region": Region[region].label if region else None,
    }


def _is_filtered(params: dict) -> bool:
    return bool(params.get("stakeholder_type") or params.get("region"))


def _scope(pledge: Pledge | None, params: dict) -> list:
    """Criteria: accepted signatures (of the pledge) of organisations the filters keep."""
    criteria = [Signature.status == SignatureStatus.accepted]
    if pledge is not None:
        criteria.append(Signature.pledge_id == pledge.id)
    if params.get("stakeholder_type"):
        criteria.append(
            Organisation.stakeholder_type == StakeholderType[params["stakeholder_type"]]
        )
    if params.get("region"):
        criteria.append(Organisation.region == Region[params["region"]])
    return criteria


def _pledges(params: dict) -> list[Pledge]:
    query = select(Pledge).options(selectinload(Pledge.key_outcomes), selectinload(Pledge.windows))
    if params["pledge"] != ALL:
        query = query.where(Pledge.slug == params["pledge"])
    pledges = list(db.session.scalars(query.order_by(Pledge.title, Pledge.id)))
    if params["pledge"] != ALL and not pledges:
        raise ReportParameterError(f"There is no pledge {params['pledge']!r}.")
    return pledges


def _reference_time(params: dict) -> datetime:
    """The moment the report is "as of": the end of the as-of day (UTC), else now."""
    if params.get("as_of"):
        return datetime.combine(date.fromisoformat(params["as_of"]), time.max, tzinfo=UTC)
    return utcnow()


def _cycle(pledge: Pledge, params: dict, now: datetime) -> dict:
    """The pledge's reporting cycle: the chosen window (else `SubmissionWindow.reporting_cycle`
    at `now`, as on the dashboard) and the progress window before it."""
    windows = progress_queries.progress_windows(pledge)  # newest first
    if params.get("window"):
        window = next((w for w in windows if w.id == params["window"]), None)
    else:
        window = SubmissionWindow.reporting_cycle(windows, now)
    previous = None
    if window is not None:
        previous = next(iter(windows[windows.index(window) + 1 :]), None)
    return {"pledge": pledge, "window": window, "previous": previous}


def _commitments(pledge: Pledge | None, params: dict) -> list[Commitment]:
    query = (
        select(Commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_scope(pledge, params))
        .options(*COMMITMENT_LOADS)
        .order_by(Commitment.id)
    )
    return list(db.session.scalars(query))


def _updates(pledge: Pledge | None, params: dict) -> list[ProgressUpdate]:
    """Every non-draft update of the commitments in scope, most recently verified first."""
    query = (
        select(ProgressUpdate)
        .join(ProgressUpdate.commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_scope(pledge, params), ProgressUpdate.review_state != ReviewState.draft)
        .options(selectinload(ProgressUpdate.window))
        .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
    )
    return list(db.session.scalars(query))


def _signatories(pledge: Pledge | None, params: dict) -> list[Organisation]:
    """Each organisation in scope once (by id: PostgreSQL cannot compare JSON columns, so no
    DISTINCT over whole rows)."""
    in_scope = (
        select(Signature.organisation_id)
        .join(Organisation, Signature.organisation_id == Organisation.id)
        .where(*_scope(pledge, params))
    )
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(in_scope))))


def gather(params: dict) -> dict:
    """The rows in scope, the cycles, every figure and the roll-ups."""
    pledges = _pledges(params)
    pledge = pledges[0] if params["pledge"] != ALL else None
    now = _reference_time(params)
    cycles = [_cycle(p, params, now) for p in pledges]
    # Updates are loaded with their commitments in the session already (identity map).
    commitments = _commitments(pledge, params)
    updates = _updates(pledge, params)
    if _is_filtered(params):
        signatories = _signatories(pledge, params)
        figures = counted_figures(signatories, commitments, updates, cycles)
        reported = reported_ids(cycles, updates)
        rollups = [
            (
                c["pledge"],
                c["window"],
                rollup_rows(
                    c["pledge"],
                    c["window"],
                    [x for x in commitments if x.signature.pledge_id == c["pledge"].id],
                    reported,
                ),
            )
            for c in cycles
        ]
    else:
        figures = registry_figures(pledge, params, cycles, now)
        rollups = [
            (
                c["pledge"],
                c["window"],
                progress_queries.rollup_by_key_outcome(c["pledge"], c["window"]),
            )
            for c in cycles
        ]
    figures["signatories"] = sum(r["count"] for r in figures["signatories_by_stakeholder_type"])
    figures["commitments"] = sum(r["count"] for r in figures["commitments_by_status"])
    figures["fulfilled"] = next(
        (r["count"] for r in figures["commitments_by_status"] if r["key"] == "fulfilled"), 0
    )
    figures["new_since_last_cycle"] = new_since_last_cycle(cycles, commitments, now)
    return {
        "pledges": pledges,
        "pledge": pledge,
        "now": now,
        "cycles": cycles,
        "figures": figures,
        "rollups": rollups,
        "commitments": commitments,
        "updates": updates,
        "latest_progress": latest_progress(updates),
        "filtered": _is_filtered(params),
    }


def latest_progress(updates: list[ProgressUpdate]) -> dict[int, tuple[int | None, str]]:
    """Per commitment id, (percent, window label) of its latest verified update (updates come
    most recently verified first)."""
    latest: dict[int, ProgressUpdate] = {}
    for update in updates:
        if update.review_state is ReviewState.verified:
            latest.setdefault(update.commitment_id, update)
    return {cid: (u.progress_percent, u.window.label) for cid, u in latest.items()}


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
