"""GRF progress report: one pledge (or all) as of a date or a reporting window, for the public
or for internal use (DESIGN §5).

Every summary figure comes from the registry's own queries (`registry.queries.dashboard` and
`rollup_by_key_outcome`). Those queries have no stakeholder type or region filter, so with a
filter the same definitions are counted here from the rows the report gathers anyway; the tests
check both ways agree. Everything is loaded with a fixed number of statements, whatever the
number of commitments (the annex of a large pledge runs to hundreds of pages).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

from flask import render_template
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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
    Visibility,
    WindowKind,
    utcnow,
)
from registry.queries import dashboard
from registry.queries.progress import progress_windows, reporting_rows, rollup_by_key_outcome
from registry.reports import charts
from registry.reports.common import (
    ReportParameterError,
    audience_of,
    base_context,
    check_keys,
    date_param,
    enum_param,
    integer_param,
    organisation_label,
    percent_text,
)

__all__ = ["INTERNAL_ONLY", "KIND", "gather", "parse_params", "render_html", "title"]

KIND = "grf"
INTERNAL_ONLY = False
PARAMETERS = frozenset({"pledge", "as_of", "window", "stakeholder_type", "region", "audience"})
ALL = "all"
#: Highlights printed per key outcome (as on the dashboard's roll-up).
HIGHLIGHTS_PER_OUTCOME = 3


# -- parameters ---------------------------------------------------------------------------


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
    }


# -- gathering ----------------------------------------------------------------------------


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
    """The pledge's reporting cycle: the chosen window (or the one the dashboard uses at `now`)
    and the progress window before it."""
    windows = progress_windows(pledge)  # newest first
    if params.get("window"):
        window = next((w for w in windows if w.id == params["window"]), None)
    else:
        window = dashboard.reporting_window(sorted(windows, key=lambda w: w.id), now)
    previous = None
    if window is not None:
        previous = next(iter(windows[windows.index(window) + 1 :]), None)
    return {"pledge": pledge, "window": window, "previous": previous}


def _since(window: SubmissionWindow) -> datetime:
    """When a cycle ended, for "new since the last cycle": its close, else its opening."""
    return window.closes_at or window.opens_at or window.created_at


def _commitments(pledge: Pledge | None, params: dict) -> list[Commitment]:
    query = (
        select(Commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_scope(pledge, params))
        .options(
            selectinload(Commitment.signature).selectinload(Signature.organisation),
            selectinload(Commitment.key_outcome),
        )
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
    query = (
        select(Organisation)
        .join(Signature, Signature.organisation_id == Organisation.id)
        .where(*_scope(pledge, params))
        .distinct()
    )
    return list(db.session.scalars(query))


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


def _reported_ids(cycles: list[dict], updates: list[ProgressUpdate]) -> set[int]:
    """Commitments with a (non-draft) update in their pledge's cycle window."""
    windows = {c["window"].id for c in cycles if c["window"] is not None}
    return {u.commitment_id for u in updates if u.window_id in windows}


def _counted_figures(pledge: Pledge | None, params: dict, commitments, updates, cycles) -> dict:
    """The dashboard's figures counted from the gathered rows (used when a filter applies)."""
    signatories = _signatories(pledge, params)
    reported = _reported_ids(cycles, updates)
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


def _registry_figures(pledge: Pledge | None, params: dict, cycles, now: datetime) -> dict:
    """The figures straight from the registry's queries (no filter)."""
    figures = {
        "signatories_by_stakeholder_type": dashboard.signatories_by_stakeholder_type(pledge),
        "signatories_by_region": dashboard.signatories_by_region(pledge),
        "commitments_by_status": dashboard.commitments_by_status(pledge),
        "commitments_by_key_outcome": dashboard.commitments_by_key_outcome(pledge),
    }
    if params.get("window"):
        rows = reporting_rows(cycles[0]["pledge"], cycles[0]["window"])
        figures["reporting"] = _share(len(rows), sum(r.status == "reported" for r in rows))
    else:
        share = dashboard.reporting_share(pledge, now)
        figures["reporting"] = _share(share["total"], share["reported"])
    return figures


def _new_since_last_cycle(cycles: list[dict], commitments, now: datetime) -> int | None:
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


def _rollup_rows(pledge: Pledge, window, commitments, reported: set[int]) -> list[dict]:
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


def _highlights(pledges, updates, audience: str) -> list[dict]:
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


def _annex(pledges, commitments, updates, audience: str) -> list[dict]:
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


def gather(params: dict) -> dict:
    """Every figure, roll-up, highlight and annex entry the report prints."""
    audience = params["audience"]
    pledges = _pledges(params)
    pledge = pledges[0] if params["pledge"] != ALL else None
    now = _reference_time(params)
    cycles = [_cycle(p, params, now) for p in pledges]
    # Updates are loaded with their commitments in the session already (identity map).
    commitments = _commitments(pledge, params)
    updates = _updates(pledge, params)
    if _is_filtered(params):
        figures = _counted_figures(pledge, params, commitments, updates, cycles)
        reported = _reported_ids(cycles, updates)
        rollups = [
            (
                c["pledge"],
                c["window"],
                _rollup_rows(
                    c["pledge"],
                    c["window"],
                    [x for x in commitments if x.signature.pledge_id == c["pledge"].id],
                    reported,
                ),
            )
            for c in cycles
        ]
    else:
        figures = _registry_figures(pledge, params, cycles, now)
        rollups = [
            (c["pledge"], c["window"], rollup_by_key_outcome(c["pledge"], c["window"]))
            for c in cycles
        ]
    figures["signatories"] = sum(r["count"] for r in figures["signatories_by_stakeholder_type"])
    figures["commitments"] = sum(r["count"] for r in figures["commitments_by_status"])
    figures["fulfilled"] = next(
        (r["count"] for r in figures["commitments_by_status"] if r["key"] == "fulfilled"), 0
    )
    figures["new_since_last_cycle"] = _new_since_last_cycle(cycles, commitments, now)
    return {
        "pledges": pledges,
        "pledge": pledge,
        "now": now,
        "cycles": cycles,
        "figures": figures,
        "rollups": rollups,
        "highlights": _highlights(pledges, updates, audience),
        "annex": _annex(pledges, commitments, updates, audience),
    }


# -- rendering ----------------------------------------------------------------------------


def _chart_data(rows: list[dict]) -> dict[str, int]:
    """Breakdown rows as chart data; repeated labels (outcomes of two pledges) get a suffix."""
    data: dict[str, int] = {}
    for row in rows:
        label, n = row["label"], 2
        while label in data:
            label, n = f"{row['label']} ({n})", n + 1
        data[label] = row["count"]
    return data


def _charts(figures: dict) -> list[str]:
    return [
        charts.bar_chart(
            gettext("Signatories by stakeholder type"),
            _chart_data(figures["signatories_by_stakeholder_type"]),
        ),
        charts.bar_chart(
            gettext("Signatories by region"), _chart_data(figures["signatories_by_region"])
        ),
        charts.pie_chart(
            gettext("Commitments by status"), _chart_data(figures["commitments_by_status"])
        ),
        charts.bar_chart(
            gettext("Commitments by key outcome"),
            _chart_data(figures["commitments_by_key_outcome"]),
        ),
    ]


def title(params: dict, data: dict) -> str:
    """ "GRF progress report: <pledge title>" (or "all pledges")."""
    scope = data["pledge"].title if data.get("pledge") else gettext("all pledges")
    return gettext("GRF progress report: %(scope)s", scope=scope)


def render_html(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> str:
    """The report's HTML, ready for `render_pdf`."""
    context = base_context(
        title=title(params, data),
        subject=gettext(
            "Progress of the commitments made under a Global Refugee Forum pledge: figures, "
            "roll-up per key outcome, highlights and every commitment"
        ),
        audience=params["audience"],
        generated_at=generated_at,
        fingerprint=fingerprint,
    )
    filters = {
        "stakeholder_type": StakeholderType[params["stakeholder_type"]].label
        if params.get("stakeholder_type")
        else None,
        "region": Region[params["region"]].label if params.get("region") else None,
    }
    return render_template(
        "reports/grf.html",
        **context,
        params=params,
        filters=filters,
        charts=_charts(data["figures"]),
        statuses=list(CommitmentStatus),
        **data,
    )
