"""The dashboard's figures: one read-only function per figure, returning plain dicts and numbers
so the PDF reports print exactly the same figures.

Each figure is read from the summary counts (`registry.summary`: one small statement whatever
the data size), or with `direct=True` counted from the records themselves by GROUP BY
statements; the two always agree (a test compares them after random changes).

Breakdowns are lists of rows `{"key": ..., "label": ..., "count": n}`, largest first; `key` is
the enum name or key outcome id a link filters on (None when the value is not set).
Signatories and commitments count only accepted signatures (DESIGN §2: only they make a
signatory). `pledge=None` means every pledge.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import and_, case, func, select

from registry import summary
from registry.extensions import db
from registry.models import (
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    KeyOutcome,
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
from registry.policies import current_scope, in_scope, scope_criteria

# Engagements that are still going on: a converted target lives on as its partnership, and
# closed targets and completed or ended partnerships are history.
CURRENT_STAGES = {
    EngagementKind.advocacy_target: (
        EngagementStage.identified,
        EngagementStage.engaged,
        EngagementStage.committed,
    ),
    EngagementKind.partnership: (EngagementStage.proposed, EngagementStage.active),
}


def _accepted(pledge: Pledge | None) -> list:
    """Criteria: accepted signatures (of `pledge`, when given)."""
    criteria = [Signature.status == SignatureStatus.accepted]
    if pledge is not None:
        criteria.append(Signature.pledge_id == pledge.id)
    criteria += scope_criteria(
        pledge_id=Signature.pledge_id, organisation_id=Signature.organisation_id
    )
    return criteria


def _enum_rows(rows, enum_cls, unset_label: str) -> list[dict]:
    """(member or None, count) pairs as breakdown rows, largest first, unset last."""
    result = [
        {
            "key": value.name if value is not None else None,
            "label": value.label if value is not None else unset_label,
            "count": count,
        }
        for value, count in rows
    ]
    order = {member.name: i for i, member in enumerate(enum_cls)}
    return sorted(result, key=lambda r: (r["key"] is None, -r["count"], order.get(r["key"], 0)))


def _signatories_by(pledge: Pledge | None, column) -> list[tuple]:
    return db.session.execute(
        select(column, func.count(func.distinct(Organisation.id)))
        .join(Signature, Signature.organisation_id == Organisation.id)
        .where(*_accepted(pledge))
        .group_by(column)
    ).all()


def _summed(pledge: Pledge | None, figure: str, per_pledge: bool = True) -> dict[str, int]:
    """A figure's counts by key from the summary: of one pledge, or of every pledge (summed
    over pledges, or the every-pledge row 0 when the figure counts organisations once)."""
    if pledge is not None:
        return dict(summary.read([pledge.id], [figure]).get((pledge.id, figure), {}))
    if not per_pledge:
        return dict(summary.read([0], [figure]).get((0, figure), {}))
    total: Counter = Counter()
    for (pledge_id, _figure), counts in summary.read(None, [figure]).items():
        if pledge_id:
            total.update(counts)
    return dict(total)


def _members(counts: dict[str, int], enum_cls) -> list[tuple]:
    return [(enum_cls[key] if key else None, n) for key, n in counts.items()]


def signatories_by_stakeholder_type(pledge: Pledge | None = None, direct=False) -> list[dict]:
    """Signatories (organisations with an accepted signature) by stakeholder type."""
    if direct:
        rows = _signatories_by(pledge, Organisation.stakeholder_type)
    else:
        rows = _members(_summed(pledge, "signatories_type", False), StakeholderType)
    return _enum_rows(rows, StakeholderType, gettext("Not set"))


def signatories_by_region(pledge: Pledge | None = None, direct=False) -> list[dict]:
    """Signatories (organisations with an accepted signature) by UNHCR region."""
    if direct:
        rows = _signatories_by(pledge, Organisation.region)
    else:
        rows = _members(_summed(pledge, "signatories_region", False), Region)
    return _enum_rows(rows, Region, gettext("Region not set"))


def commitments_by_status(pledge: Pledge | None = None, direct=False) -> list[dict]:
    """Commitments of accepted signatures by status, in the order of the GRF vocabulary."""
    if direct:
        counts = dict(
            db.session.execute(
                select(Commitment.status, func.count(Commitment.id))
                .join(Signature, Commitment.signature_id == Signature.id)
                .where(*_accepted(pledge))
                .group_by(Commitment.status)
            ).all()
        )
    else:
        counts = dict(_members(_summed(pledge, "commitments_status"), CommitmentStatus))
    return [
        {"key": status.name, "label": status.label, "count": counts[status]}
        for status in CommitmentStatus
        if counts.get(status)
    ]


def commitments_by_key_outcome(pledge: Pledge | None = None, direct=False) -> list[dict]:
    """Commitments of accepted signatures by key outcome, in the pledge's order."""
    if not direct:
        counts = _summed(pledge, "commitments_key_outcome")
        outcomes = {
            o.id: o
            for o in db.session.scalars(
                select(KeyOutcome).where(KeyOutcome.id.in_([int(k) for k in counts if k]))
            )
        }
        rows = [
            (int(k) if k else None, *_outcome_columns(outcomes.get(int(k)) if k else None), n)
            for k, n in counts.items()
        ]
    else:
        rows = _direct_key_outcome_rows(pledge)
    rows = sorted(rows, key=lambda r: (r[0] is None, r[2] or 0, r[3] or 0, r[0] or 0))
    return [
        {"key": ko_id, "label": title if ko_id else gettext("No key outcome"), "count": count}
        for ko_id, title, _pledge_id, _position, count in rows
    ]


def _outcome_columns(outcome: KeyOutcome | None) -> tuple:
    if outcome is None:
        return (None, None, None)
    return (outcome.title, outcome.pledge_id, outcome.position)


def _direct_key_outcome_rows(pledge: Pledge | None) -> list:
    return db.session.execute(
        select(
            Commitment.key_outcome_id,
            KeyOutcome.title,
            KeyOutcome.pledge_id,
            KeyOutcome.position,
            func.count(Commitment.id),
        )
        .join(Signature, Commitment.signature_id == Signature.id)
        .outerjoin(KeyOutcome, Commitment.key_outcome_id == KeyOutcome.id)
        .where(*_accepted(pledge))
        .group_by(
            Commitment.key_outcome_id, KeyOutcome.title, KeyOutcome.pledge_id, KeyOutcome.position
        )
    ).all()


def _progress_windows(pledge: Pledge | None) -> dict[int, list[SubmissionWindow]]:
    """Progress windows by pledge id (one statement)."""
    query = in_scope(
        select(SubmissionWindow).where(SubmissionWindow.kind == WindowKind.progress),
        pledge_id=SubmissionWindow.pledge_id,
    )
    if pledge is not None:
        query = query.where(SubmissionWindow.pledge_id == pledge.id)
    windows: dict[int, list[SubmissionWindow]] = {}
    for window in db.session.scalars(query.order_by(SubmissionWindow.id)):
        windows.setdefault(window.pledge_id, []).append(window)
    return windows


def closed_window(windows: list[SubmissionWindow], now: datetime) -> SubmissionWindow | None:
    """The latest window that has opened and is closed now (by date or by hand)."""
    closed = [w for w in windows if w.has_opened(now) and not w.is_open(now)]
    return max(
        closed, key=lambda w: (w.closes_at or w.opens_at or w.created_at, w.id), default=None
    )


def _reporting_counts(
    chosen: dict[int, SubmissionWindow], direct: bool = False
) -> dict[int, tuple[int, int]]:
    """(commitments, reported) of accepted signatures per pledge in its chosen window."""
    if not chosen:
        return {}
    if not direct:
        found = summary.read(list(chosen), ["commitments_status", "reported"])
        return {
            pledge_id: (
                sum(found.get((pledge_id, "commitments_status"), {}).values()),
                found.get((pledge_id, "reported"), {}).get(str(window.id), 0),
            )
            for pledge_id, window in chosen.items()
        }
    window_of_pledge = case(
        {pledge_id: window.id for pledge_id, window in chosen.items()},
        value=Signature.pledge_id,
    )
    rows = db.session.execute(
        select(
            Signature.pledge_id,
            func.count(func.distinct(Commitment.id)),
            func.count(func.distinct(ProgressUpdate.commitment_id)),
        )
        .join(Signature, Commitment.signature_id == Signature.id)
        .outerjoin(
            ProgressUpdate,
            and_(
                ProgressUpdate.commitment_id == Commitment.id,
                ProgressUpdate.window_id == window_of_pledge,
                ProgressUpdate.review_state != ReviewState.draft,
            ),
        )
        .where(*_accepted(None), Signature.pledge_id.in_(list(chosen)))
        .group_by(Signature.pledge_id)
    ).all()
    return {pledge_id: (total, reported) for pledge_id, total, reported in rows}


def _window_rows(chosen: dict[int, SubmissionWindow], now: datetime, direct=False) -> list[dict]:
    counts = _reporting_counts(chosen, direct)
    rows = []
    for pledge_id, window in sorted(chosen.items()):
        total, reported = counts.get(pledge_id, (0, 0))
        rows.append(
            {
                "pledge_id": pledge_id,
                "window_id": window.id,
                "window_label": window.label,
                "is_open": window.is_open(now),
                "missing_status": window.missing_report_status(now),
                "total": total,
                "reported": reported,
                "missing": total - reported,
            }
        )
    return rows


def _summary(rows: list[dict], part: str) -> dict:
    total = sum(r["total"] for r in rows)
    count = sum(r[part] for r in rows)
    return {
        "windows": rows,
        "total": total,
        part: count,
        "share": round(100 * count / total, 1) if total else None,
    }


def reporting_share(
    pledge: Pledge | None = None, now: datetime | None = None, direct=False
) -> dict:
    """Share of commitments of accepted signatures reported (a non-draft update) in each
    pledge's reporting cycle (`SubmissionWindow.reporting_cycle`: the open window, else the
    latest that has opened, else the next to open), the same window as the roll-up per key
    outcome and the GRF report.

    Returns {"windows": [per pledge: window_id, window_label, is_open, missing_status ("due" or
    "overdue"), total, reported, missing], "total", "reported", "share" (percent, None without
    commitments)}."""
    now = now or utcnow()
    chosen = {
        pledge_id: window
        for pledge_id, windows in _progress_windows(pledge).items()
        if (window := SubmissionWindow.reporting_cycle(windows, now)) is not None
    }
    return _summary(_window_rows(chosen, now, direct), "reported")


def overdue_commitments(
    pledge: Pledge | None = None, now: datetime | None = None, direct=False
) -> dict:
    """Commitments of accepted signatures with no (non-draft) update in each pledge's latest
    closed progress window.

    Returns {"windows": [per pledge: window_id, window_label, total, reported, missing],
    "total", "overdue", "share"}."""
    now = now or utcnow()
    chosen = {
        pledge_id: window
        for pledge_id, windows in _progress_windows(pledge).items()
        if (window := closed_window(windows, now)) is not None
    }
    rows = _window_rows(chosen, now, direct)
    for row in rows:
        row["overdue"] = row["missing"]
    return _summary(rows, "overdue")


def engagements_by_kind() -> list[dict]:
    """Partnerships and advocacy targets: current ones (see CURRENT_STAGES) and all records."""
    counts = db.session.execute(
        in_scope(
            select(
                EngagementRecord.kind, EngagementRecord.stage, func.count(EngagementRecord.id)
            ).group_by(EngagementRecord.kind, EngagementRecord.stage),
            organisation_id=EngagementRecord.organisation_id,
        )
    ).all()
    return [
        {
            "key": kind.name,
            "label": kind.label,
            "count": sum(n for k, s, n in counts if k is kind and s in CURRENT_STAGES[kind]),
            "all": sum(n for k, _s, n in counts if k is kind),
        }
        for kind in (EngagementKind.partnership, EngagementKind.advocacy_target)
    ]


def conversions(now: datetime | None = None) -> dict:
    """Advocacy targets converted to partnerships: how many in the current UTC year, and the
    median days from identifying the target (`identified_at`) to converting it (over all
    conversions; never negative: a conversion cannot come before the identification).

    Returns {"year", "this_year", "all_time", "median_days" (None when there is none)}."""
    now = (now or utcnow()).astimezone(UTC)
    start = datetime(now.year, 1, 1, tzinfo=UTC)
    end = datetime(now.year + 1, 1, 1, tzinfo=UTC)
    converted = (
        EngagementRecord.kind == EngagementKind.advocacy_target,
        EngagementRecord.converted_at.is_not(None),
        *scope_criteria(organisation_id=EngagementRecord.organisation_id),
    )
    this_year = db.session.scalar(
        select(func.count(EngagementRecord.id)).where(
            *converted, EngagementRecord.converted_at >= start, EngagementRecord.converted_at < end
        )
    )
    # The median needs the durations themselves; dates only, one statement.
    durations = [
        (converted_at - identified_at).total_seconds() / 86400
        for converted_at, identified_at in db.session.execute(
            select(EngagementRecord.converted_at, EngagementRecord.identified_at).where(*converted)
        )
    ]
    return {
        "year": now.year,
        "this_year": this_year,
        "all_time": len(durations),
        "median_days": round(statistics.median(durations), 1) if durations else None,
    }


def dashboard_figures(
    pledge: Pledge | None = None, now: datetime | None = None, direct: bool = False
) -> dict:
    """Every dashboard figure by name (what the dashboard page and the reports print), from
    the summary counts or (`direct`) from the records."""
    now = now or utcnow()
    # The summary counts are of every region: a scoped coordinator's figures are counted from
    # the records of the scope.
    direct = direct or current_scope().is_scoped
    return {
        "signatories_by_stakeholder_type": signatories_by_stakeholder_type(pledge, direct),
        "signatories_by_region": signatories_by_region(pledge, direct),
        "commitments_by_status": commitments_by_status(pledge, direct),
        "commitments_by_key_outcome": commitments_by_key_outcome(pledge, direct),
        "reporting_share": reporting_share(pledge, now, direct),
        "overdue_commitments": overdue_commitments(pledge, now, direct),
        "engagements_by_kind": engagements_by_kind(),
        "conversions": conversions(now),
    }
