"""GRF progress report, what it counts and loads: the parameters, the rows in scope (accepted
signatures of the pledge, narrowed by stakeholder type and region), the reporting cycles, and
the summary figures and roll-up per key outcome.

Every summary figure comes from the registry's own queries (`registry.dashboard.queries` and
`rollup_by_key_outcome`). Those queries have no stakeholder type or region filter, so with a
filter the same definitions are counted here from the rows gathered anyway; the tests check
both ways agree.

A report as of a date is a snapshot: it is counted from the dated facts valid at the end of
that day (UTC), so it gives the same figures whenever it is run: signatures accepted by then
(their status history), commitments pledged by then (`pledged_at`) with the status they had
then (`status_changes`), updates submitted by then, counted as verified only if verified by
then. Descriptive attributes (an organisation's type and region, a commitment's key outcome)
are read as they are now.

Everything is loaded with a fixed number of statements, whatever the number of commitments.
What the report prints of each commitment and update is built from these rows by the public
view (`grf.py`, `grf_sections.py`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

from flask_babel import gettext
from sqlalchemy import func, select, type_coerce
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
    StatusChange,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.models.base import UTCDateTime
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
        raise ReportParameterError(
            gettext("The parameter 'pledge' is required (a pledge slug or 'all').")
        )
    pledge_id = None
    if slug != ALL:
        pledge_id = db.session.scalar(select(Pledge.id).where(Pledge.slug == slug))
        if pledge_id is None:
            raise ReportParameterError(gettext("There is no pledge %(slug)s.", slug=repr(slug)))
    as_of = date_param(raw, "as_of")
    window_id = integer_param(raw, "window")
    if as_of and window_id:
        raise ReportParameterError(gettext("Give either 'as_of' or 'window', not both."))
    if window_id is not None:
        if pledge_id is None:
            raise ReportParameterError(
                gettext("A reporting window belongs to one pledge: name the pledge.")
            )
        window = db.session.get(SubmissionWindow, window_id)
        if (
            window is None
            or window.kind is not WindowKind.progress
            or window.pledge_id != pledge_id
        ):
            raise ReportParameterError(
                gettext(
                    "There is no progress window %(id)d of the pledge %(slug)s.",
                    id=window_id,
                    slug=repr(slug),
                )
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


def _snapshot_moment(params: dict) -> datetime | None:
    """The end of the as-of day for a snapshot; None for a report of today's data."""
    return _reference_time(params) if params.get("as_of") else None


def _accepted_by(moment: datetime):
    """Criterion: the signature was accepted by `moment` (its history; else its decision)."""
    accepted_at = (
        select(func.min(StatusChange.at))
        .where(
            StatusChange.entity_type == "Signature",
            StatusChange.entity_id == Signature.id,
            StatusChange.to_status == SignatureStatus.accepted.name,
        )
        .scalar_subquery()
    )
    when = func.coalesce(accepted_at, Signature.decided_at, Signature.created_at)
    return type_coerce(when, UTCDateTime) <= moment


def _scope(pledge: Pledge | None, params: dict) -> list:
    """Criteria: accepted signatures (of the pledge) of organisations the filters keep; for a
    snapshot, accepted by its moment."""
    criteria = [Signature.status == SignatureStatus.accepted]
    if (moment := _snapshot_moment(params)) is not None:
        criteria.append(_accepted_by(moment))
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
        raise ReportParameterError(
            gettext("There is no pledge %(slug)s.", slug=repr(params["pledge"]))
        )
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


def _commitment_scope(pledge: Pledge | None, params: dict) -> list:
    """Criteria of the commitments in scope (for a snapshot: pledged by its moment)."""
    criteria = _scope(pledge, params)
    if (moment := _snapshot_moment(params)) is not None:
        criteria.append(Commitment.pledged_at <= moment)
    return criteria


def _commitments(pledge: Pledge | None, params: dict, loads) -> list[Commitment]:
    query = (
        select(Commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_commitment_scope(pledge, params))
        .options(*loads)
        .order_by(Commitment.id)
    )
    return list(db.session.scalars(query))


#: What the figures read of a progress update: plain rows, not ORM objects (a report reads
#: thousands of updates; the highlights load in full only the few they print: `updates_in_full`).
UPDATE_COLUMNS = (
    ProgressUpdate.id,
    ProgressUpdate.commitment_id,
    ProgressUpdate.window_id,
    ProgressUpdate.review_state,
    ProgressUpdate.reviewed_at,
    ProgressUpdate.submitted_at,
    ProgressUpdate.progress_percent,
    ProgressUpdate.actual_value,
    (func.coalesce(func.length(ProgressUpdate.achievements), 0) > 0).label("has_achievements"),
    SubmissionWindow.label.label("window_label"),
)


def _updates(pledge: Pledge | None, params: dict) -> list:
    """Every non-draft update of the commitments in scope (for a snapshot: submitted by its
    moment), most recently verified first, as rows of `UPDATE_COLUMNS`."""
    criteria = _commitment_scope(pledge, params)
    if (moment := _snapshot_moment(params)) is not None:
        criteria.append(ProgressUpdate.submitted_at <= moment)
    query = (
        select(*UPDATE_COLUMNS)
        .join(ProgressUpdate.window)
        .join(ProgressUpdate.commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*criteria, ProgressUpdate.review_state != ReviewState.draft)
        .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
    )
    return list(db.session.execute(query))


def updates_in_full(rows, batch: int = 100):
    """The progress updates of `rows` (rows of `_updates`, in their order) as ORM objects with
    their windows, read `batch` at a time as they are asked for."""
    rows = list(rows)
    for start in range(0, len(rows), batch):
        ids = [row.id for row in rows[start : start + batch]]
        loaded = {
            u.id: u
            for u in db.session.scalars(
                select(ProgressUpdate)
                .where(ProgressUpdate.id.in_(ids))
                .options(selectinload(ProgressUpdate.window))
            )
        }
        yield from (loaded[i] for i in ids if i in loaded)


def _signatories(pledge: Pledge | None, params: dict) -> list[Organisation]:
    """Each organisation in scope once (by id: PostgreSQL cannot compare JSON columns, so no
    DISTINCT over whole rows)."""
    in_scope = (
        select(Signature.organisation_id)
        .join(Organisation, Signature.organisation_id == Organisation.id)
        .where(*_scope(pledge, params))
    )
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(in_scope))))


def statuses_as_of(pledge: Pledge | None, params: dict, commitments, moment) -> dict:
    """Each commitment's status at `moment`, from its history (one statement): the last status
    reached by then; a commitment without history keeps its status."""
    in_scope = (
        select(Commitment.id)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_commitment_scope(pledge, params))
    )
    history: dict[int, list] = {}
    for entity_id, before, after, at in db.session.execute(
        select(
            StatusChange.entity_id,
            StatusChange.from_status,
            StatusChange.to_status,
            StatusChange.at,
        )
        .where(StatusChange.entity_type == "Commitment", StatusChange.entity_id.in_(in_scope))
        .order_by(StatusChange.entity_id, StatusChange.at, StatusChange.id)
    ):
        history.setdefault(entity_id, []).append((before, after, at))
    statuses = {}
    for commitment in commitments:
        rows = history.get(commitment.id)
        if not rows:
            statuses[commitment.id] = commitment.status
            continue
        reached = [after for _before, after, at in rows if at <= moment]
        name = reached[-1] if reached else (rows[0][0] or CommitmentStatus.planning.name)
        statuses[commitment.id] = CommitmentStatus[name]
    return statuses


def _snapshot(pledge, params, commitments, updates, moment) -> dict:
    """What a snapshot changes: each commitment's status then, the updates verified by then,
    and each commitment's progress from its latest of those."""
    statuses = statuses_as_of(pledge, params, commitments, moment)
    verified = {
        u.id
        for u in updates
        if u.review_state is ReviewState.verified and u.reviewed_at and u.reviewed_at <= moment
    }
    return {"statuses": statuses, "verified": verified}


def gather(params: dict, loads=COMMITMENT_LOADS) -> dict:
    """The rows in scope, the cycles, every figure and the roll-ups; the commitments read with
    the loader options `loads`."""
    pledges = _pledges(params)
    pledge = pledges[0] if params["pledge"] != ALL else None
    now = _reference_time(params)
    cycles = [_cycle(p, params, now) for p in pledges]
    commitments = _commitments(pledge, params, loads)
    updates = _updates(pledge, params)
    moment = _snapshot_moment(params)
    snapshot = _snapshot(pledge, params, commitments, updates, moment) if moment else None
    statuses = snapshot["statuses"] if snapshot else None
    verified = snapshot["verified"] if snapshot else None
    if _is_filtered(params) or snapshot:
        signatories = _signatories(pledge, params)
        figures = counted_figures(signatories, commitments, updates, cycles, statuses)
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
                    statuses,
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
    figures["active"] = _active(figures["commitments"], figures["commitments_by_status"])
    figures["previous"] = previous_cycle(pledge, params, cycles, commitments)
    figures["status_by_stakeholder_type"] = status_table(
        commitments, statuses, lambda c: c.signature.organisation.stakeholder_type
    )
    figures["status_by_region"] = status_table(
        commitments, statuses, lambda c: c.signature.organisation.region
    )
    figures["indicators"] = indicators(commitments, updates, verified)
    figures["status_across_cycles"] = status_across_cycles(
        pledge, params, pledges, commitments, now, statuses
    )
    return {
        "pledges": pledges,
        "pledge": pledge,
        "now": now,
        "cycles": cycles,
        "figures": figures,
        "rollups": rollups,
        "commitments": commitments,
        "updates": updates,
        "latest_progress": latest_progress(updates, verified),
        "filtered": _is_filtered(params),
        "snapshot": moment,
        "statuses": statuses,
        "verified": verified,
    }


def latest_progress(updates: list, verified: set[int] | None = None) -> dict:
    """Per commitment id, (percent, window label) of its latest verified update (updates come
    most recently verified first); for a snapshot, of those in `verified` (verified by then)."""
    latest: dict = {}
    for update in updates:
        if verified is None and update.review_state is ReviewState.verified:
            latest.setdefault(update.commitment_id, update)
        elif verified is not None and update.id in verified:
            latest.setdefault(update.commitment_id, update)
    return {cid: (u.progress_percent, u.window_label) for cid, u in latest.items()}


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


def reported_ids(cycles: list[dict], updates: list) -> set[int]:
    """Commitments with a (non-draft) update in their pledge's cycle window."""
    windows = {c["window"].id for c in cycles if c["window"] is not None}
    return {u.commitment_id for u in updates if u.window_id in windows}


def counted_figures(signatories, commitments, updates, cycles, statuses=None) -> dict:
    """The dashboard's figures counted from the gathered rows (used when a filter applies, and
    for a snapshot, with each commitment's status then: `statuses`)."""
    reported = reported_ids(cycles, updates)
    cycle_pledges = {c["pledge"].id for c in cycles if c["window"] is not None}
    in_cycle = [c for c in commitments if c.signature.pledge_id in cycle_pledges]
    statuses = Counter(_status(c, statuses) for c in commitments)
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


#: The statuses the summary calls "fulfilled or in progress".
ACTIVE = (CommitmentStatus.in_progress, CommitmentStatus.fulfilled)


def _active(total: int, by_status: list[dict]) -> dict:
    """How many commitments are fulfilled or in progress, and their share of all (one decimal)."""
    count = sum(r["count"] for r in by_status if r["key"] in {s.name for s in ACTIVE})
    return {
        "count": count,
        "total": total,
        "share": round(100 * count / total, 1) if total else None,
    }


def status_across_cycles(pledge, params, pledges, commitments, now, current=None) -> list[dict]:
    """Per pledge, the status mix of its commitments when each of its progress windows closed
    by `now` (oldest first), and at `now` (a snapshot's `current` statuses): snapshots from the
    same dated facts (one statement per window). [{pledge, cycles: [(label, {status name:
    n})]}] for the pledges with a closed window."""
    accepted = None
    found = []
    for one in pledges:
        windows = [
            w
            for w in reversed(progress_queries.progress_windows(one))
            if w.closes_at is not None and w.closes_at <= now
        ]
        if not windows:
            continue
        accepted = accepted if accepted is not None else _acceptance(pledge, params)
        mine = [c for c in commitments if c.signature.pledge_id == one.id]
        cycles = []
        for window in windows:
            moment = window.closes_at
            then = [
                c
                for c in mine
                if c.pledged_at <= moment and accepted.get(c.signature_id, moment) <= moment
            ]
            statuses = statuses_as_of(pledge, params, then, moment)
            cycles.append((window.label, dict(Counter(statuses[c.id].name for c in then))))
        label = gettext("As of %(day)s", day=params["as_of"]) if current else gettext("Now")
        cycles.append((label, dict(Counter(_status(c, current).name for c in mine))))
        found.append({"pledge": one.title, "cycles": cycles})
    return found


def status_table(commitments, statuses, key_of) -> list[dict]:
    """Commitments by status for each value of `key_of` (an enum member or None): rows of
    {label, counts: {status name: n}, total}, largest first, "not set" last."""
    counts: dict = {}
    for commitment in commitments:
        row = counts.setdefault(key_of(commitment), Counter())
        row[_status(commitment, statuses).name] += 1
    rows = [
        {
            "label": key.label if key is not None else gettext("Not set"),
            "counts": dict(row),
            "total": sum(row.values()),
            "unset": key is None,
        }
        for key, row in counts.items()
    ]
    return sorted(rows, key=lambda r: (r["unset"], -r["total"], r["label"]))


def indicators(commitments, updates, verified: set[int] | None) -> list[dict]:
    """Indicators added up per key outcome where their units agree (the same unit, compared
    case-blind): the commitments with a target, the sum of their targets, the sum of their
    latest verified actual values (for a snapshot: verified by then) and the share achieved."""
    latest: dict[int, float] = {}
    for update in updates:  # most recently verified first
        shown = (
            update.id in verified
            if verified is not None
            else (update.review_state is ReviewState.verified)
        )
        if shown and update.actual_value is not None:
            latest.setdefault(update.commitment_id, update.actual_value)
    groups: dict[tuple, dict] = {}
    for c in commitments:
        unit = (c.indicator_unit or "").strip()
        if not unit or c.indicator_target is None or c.key_outcome is None:
            continue
        group = groups.setdefault(
            (c.key_outcome.pledge_id, c.key_outcome.position, c.key_outcome_id, unit.casefold()),
            {
                "key_outcome": c.key_outcome.title,
                "unit": unit,
                "commitments": 0,
                "target": 0.0,
                "actual": 0.0,
                "reported": 0,
            },
        )
        group["commitments"] += 1
        group["target"] += c.indicator_target
        if c.id in latest:
            group["actual"] += latest[c.id]
            group["reported"] += 1
    rows = []
    for key in sorted(groups):
        group = groups[key]
        target = group["target"]
        group["share"] = round(100 * group["actual"] / target, 1) if target else None
        rows.append(group)
    return rows


def _acceptance(pledge: Pledge | None, params: dict) -> dict[int, datetime]:
    """When each signature in scope was accepted (its history; else its decision)."""
    accepted_at = (
        select(StatusChange.entity_id, func.min(StatusChange.at))
        .where(
            StatusChange.entity_type == "Signature",
            StatusChange.to_status == SignatureStatus.accepted.name,
        )
        .group_by(StatusChange.entity_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Signature.id, accepted_at.c[1], Signature.decided_at, Signature.created_at)
        .join(Signature.organisation)
        .outerjoin(accepted_at, accepted_at.c.entity_id == Signature.id)
        .where(*_scope(pledge, params))
    )
    return {
        id_: next(t for t in (at, decided, created) if t is not None)
        for id_, at, decided, created in rows
    }


def previous_cycle(pledge: Pledge | None, params: dict, cycles, commitments) -> dict | None:
    """The commitments as they stood when each pledge's previous cycle closed (a snapshot
    from the same dated facts): how many, how many fulfilled, and how many fulfilled or in
    progress; None when no
    pledge has a previous cycle."""
    moments = {c["pledge"].id: _since(c["previous"]) for c in cycles if c["previous"] is not None}
    if not moments:
        return None
    accepted = _acceptance(pledge, params)
    then = [
        c
        for c in commitments
        if (moment := moments.get(c.signature.pledge_id)) is not None
        and c.pledged_at <= moment
        and accepted.get(c.signature_id, moment) <= moment
    ]
    statuses = {}
    for moment in set(moments.values()):
        mine = [c for c in then if moments[c.signature.pledge_id] == moment]
        statuses |= statuses_as_of(pledge, params, mine, moment)
    count = sum(1 for c in then if statuses[c.id] in ACTIVE)
    labels = [c["previous"].label for c in cycles if c["previous"] is not None]
    return {
        "count": count,
        "fulfilled": sum(1 for c in then if statuses[c.id] is CommitmentStatus.fulfilled),
        "total": len(then),
        "share": round(100 * count / len(then), 1) if then else None,
        "label": "; ".join(labels),
    }


def new_since_last_cycle(cycles: list[dict], commitments, now: datetime) -> int | None:
    """Commitments pledged (`pledged_at`, a dated fact: back-filled data keeps its own dates)
    after the close of their pledge's previous progress window and by the as-of moment; None
    when no pledge has a previous cycle."""
    since = {c["pledge"].id: _since(c["previous"]) for c in cycles if c["previous"] is not None}
    if not since:
        return None
    return sum(
        1
        for c in commitments
        if c.signature.pledge_id in since and since[c.signature.pledge_id] < c.pledged_at <= now
    )


def _status(commitment: Commitment, statuses: dict | None) -> CommitmentStatus:
    """The commitment's status now, or in the snapshot's `statuses`."""
    return statuses[commitment.id] if statuses is not None else commitment.status


def rollup_rows(
    pledge: Pledge, window, commitments, reported: set[int], statuses=None
) -> list[dict]:
    """`rollup_by_key_outcome`'s figures counted from the gathered rows (with a filter, or for
    a snapshot with `statuses`)."""
    rows = []
    for outcome in pledge.key_outcomes:
        mine = [c for c in commitments if c.key_outcome_id == outcome.id]
        done = sum(1 for c in mine if c.id in reported)
        mix = Counter(_status(c, statuses) for c in mine)
        rows.append(
            {
                "key_outcome": outcome,
                "commitments": len(mine),
                "status_mix": {s.name: n for s, n in mix.items()},
                "reported": done,
                "share_reported": done / len(mine) if mine and window is not None else None,
            }
        )
    return rows
