"""Read-only queries of progress reporting: what is due, reporting status, roll-up per outcome."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import summary
from registry.disclosure import View
from registry.disclosure.review import wording_review
from registry.extensions import db
from registry.lists import ListFilters, Page, contains_text, page_of, url_int, url_text
from registry.models import (
    Commitment,
    CommitmentStatus,
    EvidenceFile,
    Organisation,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.policies import current_scope, in_scope, scope_criteria

#: Commitments that are still expected to report.
ACTIVE = (CommitmentStatus.planning, CommitmentStatus.in_progress)


@dataclass
class ReportingRow:
    """A commitment, its update in the window (if any) and its reporting status."""

    commitment: Commitment
    update: ProgressUpdate | None
    status: str  # reported | due | overdue

    @property
    def returned(self) -> bool:
        """A coordinator returned the update with a comment: the reporter should fix it."""
        return self.update is not None and self.update.review_state is ReviewState.returned


def progress_windows(pledge: Pledge) -> list[SubmissionWindow]:
    """The pledge's progress windows, newest first."""
    windows = [w for w in pledge.windows if w.kind is WindowKind.progress]
    return sorted(windows, key=lambda w: (w.opens_at or w.created_at, w.id), reverse=True)


def open_progress_windows() -> list[SubmissionWindow]:
    """Every progress window open now, by pledge title, with its pledge."""
    now = utcnow()
    statement = (
        select(SubmissionWindow)
        .join(SubmissionWindow.pledge)
        .where(SubmissionWindow.kind == WindowKind.progress)
        .options(selectinload(SubmissionWindow.pledge))
        .order_by(Pledge.title, SubmissionWindow.id)
    )
    windows = db.session.scalars(in_scope(statement, pledge_id=SubmissionWindow.pledge_id))
    return [window for window in windows if window.is_open(now)]


@dataclass
class VerificationFilters(ListFilters):
    """The verification queue's URL parameters: which updates, and which page of them."""

    pledge: str | None = None
    window: int | None = None
    organisation: int | None = None
    status: str = ReviewState.submitted.name
    q: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> VerificationFilters:
        """Read the filters (from a query string, or the fields a queue action posts)."""
        status = args.get("status")
        return cls(
            pledge=url_text(args.get("pledge"), 200),
            window=url_int(args.get("window")),
            organisation=url_int(args.get("organisation")),
            status=status if status in VERIFICATION_STATES else ReviewState.submitted.name,
            q=url_text(args.get("q")),
            page=url_int(args.get("page"), 1),
        )


#: The review states the queue can show (a draft is the reporter's own business).
VERIFICATION_STATES = ("submitted", "returned", "verified")
QUEUE_PAGE_SIZE = 20


def verification_page(filters: VerificationFilters, per_page: int = QUEUE_PAGE_SIZE) -> Page:
    """One page of progress updates in a review state (waiting: oldest first, so nothing
    waits for ever; returned or verified: latest review first), with what the cards show."""
    state = ReviewState[filters.status]
    statement = (
        select(ProgressUpdate)
        .join(ProgressUpdate.commitment)
        .join(Commitment.signature)
        .join(ProgressUpdate.window)
        .where(ProgressUpdate.review_state == state)
        .options(
            selectinload(ProgressUpdate.commitment)
            .selectinload(Commitment.signature)
            .selectinload(Signature.organisation),
            selectinload(ProgressUpdate.window).selectinload(SubmissionWindow.pledge),
        )
    )
    statement = in_scope(
        statement, pledge_id=Signature.pledge_id, organisation_id=Signature.organisation_id
    )
    if filters.pledge:
        statement = statement.join(Signature.pledge).where(Pledge.slug == filters.pledge)
    if filters.window:
        statement = statement.where(ProgressUpdate.window_id == filters.window)
    if filters.organisation:
        statement = statement.where(Signature.organisation_id == filters.organisation)
    if filters.q:
        statement = statement.where(
            contains_text(filters.q, Commitment.title, ProgressUpdate.achievements)
        )
    if state is ReviewState.submitted:
        order = [ProgressUpdate.submitted_at, ProgressUpdate.id]
    else:
        order = [ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc()]
    return page_of(statement, filters.page, per_page, order)


def verification_counts() -> dict[str, int]:
    """How many updates are in each review state the queue shows (for its tabs)."""
    statement = (
        select(ProgressUpdate.review_state, sa.func.count(ProgressUpdate.id))
        .join(ProgressUpdate.commitment)
        .join(Commitment.signature)
        .group_by(ProgressUpdate.review_state)
    )
    rows = db.session.execute(
        in_scope(
            statement, pledge_id=Signature.pledge_id, organisation_id=Signature.organisation_id
        )
    )
    counts = {state.name: n for state, n in rows}
    return {name: counts.get(name, 0) for name in VERIFICATION_STATES}


def queue_choices() -> dict[str, list[tuple]]:
    """The filter menus of the queue: pledges, progress windows and organisations that have
    progress updates, by name."""
    pledges = db.session.execute(
        in_scope(
            select(Pledge.slug, Pledge.title)
            .where(Pledge.windows.any(SubmissionWindow.kind == WindowKind.progress))
            .order_by(Pledge.title),
            pledge_id=Pledge.id,
        )
    ).all()
    windows = db.session.execute(
        in_scope(
            select(SubmissionWindow.id, Pledge.title, SubmissionWindow.label)
            .join(SubmissionWindow.pledge)
            .where(SubmissionWindow.kind == WindowKind.progress)
            .order_by(Pledge.title, SubmissionWindow.opens_at.desc(), SubmissionWindow.id.desc()),
            pledge_id=SubmissionWindow.pledge_id,
        )
    ).all()
    reporting = in_scope(
        select(Signature.organisation_id)
        .join(Commitment, Commitment.signature_id == Signature.id)
        .join(ProgressUpdate, ProgressUpdate.commitment_id == Commitment.id)
        .distinct(),
        pledge_id=Signature.pledge_id,
        organisation_id=Signature.organisation_id,
    )
    organisations = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(reporting))
        .order_by(Organisation.name)
    ).all()
    return {
        "pledge": [(slug, title) for slug, title in pledges],
        "window": [(wid, f"{title} — {label}") for wid, title, label in windows],
        "organisation": [(oid, name) for oid, name in organisations],
    }


def update_wording(updates: list[ProgressUpdate]) -> dict:
    """Per update id, its free text as a coordinator checks it before verifying: identifiers
    of protected organisations marked, the public reading, the approval (staff pages)."""
    view = View()
    reviews = {}
    for update in updates:
        owner = update.commitment.signature.organisation
        reviews[update.id] = wording_review(view, update, owner)
    return reviews


def _tracked(pledge: Pledge):
    """Criteria: commitments of the pledge's accepted signatures (of the regions of a scoped
    coordinator's scope)."""
    return (
        Signature.pledge_id == pledge.id,
        Signature.status == SignatureStatus.accepted,
        *scope_criteria(organisation_id=Signature.organisation_id),
    )


def reporting_rows(
    pledge: Pledge, window: SubmissionWindow, organisation: Organisation | None = None
) -> list[ReportingRow]:
    """Every tracked commitment (of one organisation, or all) with its update and status."""
    query = (
        select(Commitment)
        .join(Commitment.signature)
        .where(*_tracked(pledge))
        .options(selectinload(Commitment.signature).selectinload(Signature.organisation))
        .order_by(Signature.organisation_id, Commitment.id)
    )
    if organisation is not None:
        query = query.where(Signature.organisation_id == organisation.id)
    commitments = db.session.scalars(query).all()
    updates = {
        u.commitment_id: u
        for u in db.session.scalars(
            select(ProgressUpdate).where(
                ProgressUpdate.window_id == window.id,
                ProgressUpdate.commitment_id.in_([c.id for c in commitments] or [0]),
            )
        )
    }
    missing = window.missing_report_status(utcnow())
    rows = []
    for commitment in commitments:
        update = updates.get(commitment.id)
        reported = update is not None and update.review_state is not ReviewState.draft
        rows.append(ReportingRow(commitment, update, "reported" if reported else missing))
    return rows


def organisation_status(rows: list[ReportingRow]) -> str:
    """An organisation's status in a window: reported only when every commitment reported."""
    statuses = {row.status for row in rows}
    for status in ("overdue", "due"):
        if status in statuses:
            return status
    return "reported"


def due_by_organisation(pledge: Pledge, window: SubmissionWindow) -> dict:
    """Organisations with active commitments not yet reported in an open window, and those."""
    due: dict[Organisation, list[Commitment]] = defaultdict(list)
    if not window.is_open(utcnow()):
        return due
    scope = current_scope()
    for row in reporting_rows(pledge, window):
        if not scope.allows_organisation(row.commitment.signature.organisation):
            continue
        if row.status == "due" and row.commitment.status in ACTIVE:
            due[row.commitment.signature.organisation].append(row.commitment)
    return dict(due)


def _highlights_by_outcome(pledge: Pledge, limit: int) -> dict[int, list[ProgressUpdate]]:
    """The `limit` most recently verified updates with achievements per key outcome, in one
    statement: per key outcome, a walk down the (reviewed_at, id) index that stops after
    `limit` rows, so the cost does not grow with the number of updates."""
    # The filters on the commitment sit in EXISTS, and the review state is compared through
    # coalesce(), so that the planner walks the (reviewed_at, id) index rather than another.
    verified = sa.func.coalesce(ProgressUpdate.review_state, ReviewState.draft.name)
    ranked = [
        select(ProgressUpdate.id)
        .where(
            verified == ReviewState.verified.name,
            ProgressUpdate.achievements.is_not(None),
            ProgressUpdate.reviewed_at.is_not(None),
            sa.exists()
            .where(Commitment.id == ProgressUpdate.commitment_id)
            .where(Signature.id == Commitment.signature_id)
            .where(*_tracked(pledge), Commitment.key_outcome_id == outcome.id),
        )
        .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
        .limit(limit)
        .subquery()
        for outcome in pledge.key_outcomes
    ]
    if not ranked:
        return {}
    ids = sa.union_all(*(select(subquery.c.id) for subquery in ranked)).subquery()
    updates = db.session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.id.in_(select(ids.c.id)))
        .options(
            selectinload(ProgressUpdate.commitment)
            .selectinload(Commitment.signature)
            .selectinload(Signature.organisation)
        )
        .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
    ).all()
    by_outcome: dict[int, list[ProgressUpdate]] = defaultdict(list)
    for update in updates:
        by_outcome[update.commitment.key_outcome_id].append(update)
    return by_outcome


def rollup_by_key_outcome(
    pledge: Pledge, window: SubmissionWindow | None, highlights: int = 3, direct: bool = False
) -> list[dict]:
    """Per key outcome: commitments, status mix, share reported in the window, latest highlights
    from verified updates. The figures the pledge lead used to compile by hand.

    The counts come from the summary counts (`registry.summary`), or with `direct` from two
    GROUP BY statements; the highlights from one statement. The dashboard and the GRF report of
    a large pledge call it."""
    # The summary counts are of the whole pledge: a scoped coordinator's are counted directly.
    direct = direct or current_scope().is_scoped
    mix, reported = (_direct_counts if direct else _summary_counts)(pledge, window)
    latest = _highlights_by_outcome(pledge, highlights)
    result = []
    for outcome in pledge.key_outcomes:
        total = sum(mix[outcome.id].values())
        done = reported.get(outcome.id, 0)
        result.append(
            {
                "key_outcome": outcome,
                "commitments": total,
                "status_mix": {s.name: n for s, n in mix[outcome.id].items()},
                "reported": done,
                "share_reported": (done / total) if total and window is not None else None,
                "highlights": latest.get(outcome.id, []),
            }
        )
    return result


def _summary_counts(pledge: Pledge, window: SubmissionWindow | None):
    """(status mix per key outcome id, reported per key outcome id) from the summary."""
    found = summary.read([pledge.id], ["key_outcome_status", "key_outcome_reported"])
    mix: dict[int | None, Counter] = defaultdict(Counter)
    for key, n in found.get((pledge.id, "key_outcome_status"), {}).items():
        outcome, status = key.split(":")
        mix[int(outcome) if outcome else None][CommitmentStatus[status]] += n
    reported: dict[int | None, int] = {}
    if window is not None:
        for key, n in found.get((pledge.id, "key_outcome_reported"), {}).items():
            window_id, outcome = key.split(":")
            if window_id == str(window.id):
                reported[int(outcome) if outcome else None] = n
    return mix, reported


def _direct_counts(pledge: Pledge, window: SubmissionWindow | None):
    """(status mix per key outcome id, reported per key outcome id) from the records."""
    mix: dict[int, Counter] = defaultdict(Counter)
    for outcome_id, status, n in db.session.execute(
        select(Commitment.key_outcome_id, Commitment.status, sa.func.count())
        .join(Commitment.signature)
        .where(*_tracked(pledge))
        .group_by(Commitment.key_outcome_id, Commitment.status)
    ):
        mix[outcome_id][status] += n
    reported: dict[int, int] = {}
    if window is not None:
        # Reported: an update in the window that is not a draft (as in `reporting_rows`).
        reported = dict(
            db.session.execute(
                select(Commitment.key_outcome_id, sa.func.count())
                .join(Commitment.signature)
                .join(
                    ProgressUpdate,
                    sa.and_(
                        ProgressUpdate.commitment_id == Commitment.id,
                        ProgressUpdate.window_id == window.id,
                        ProgressUpdate.review_state != ReviewState.draft,
                    ),
                )
                .where(*_tracked(pledge))
                .group_by(Commitment.key_outcome_id)
            ).all()
        )
    return mix, reported


def evidence_of(update_ids: list[int]) -> dict[int, list[EvidenceFile]]:
    """Per progress update id, its evidence files in upload order (one statement)."""
    found: dict[int, list[EvidenceFile]] = defaultdict(list)
    if not update_ids:
        return found
    for kept in db.session.scalars(
        select(EvidenceFile)
        .where(EvidenceFile.progress_update_id.in_(update_ids))
        .order_by(EvidenceFile.id)
    ):
        found[kept.progress_update_id].append(kept)
    return found
