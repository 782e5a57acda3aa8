"""Progress reporting: updates per commitment and window, verification, reminders."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func as sa_func
from sqlalchemy import select

from registry import evidence
from registry.audit import record
from registry.disclosure import View, approve_public_wording
from registry.errors import OperationError
from registry.extensions import db
from registry.mail import queue_template, queue_to_users
from registry.models import (
    Commitment,
    EvidenceFile,
    InvalidTransition,
    Invitation,
    Organisation,
    ProgressUpdate,
    Reminder,
    ReviewState,
    SubmissionWindow,
    User,
    utcnow,
)
from registry.pledges import operations as pledge_operations

PROGRESS_FIELDS = (
    "status",
    "progress_percent",
    "actual_value",
    "achievements",
    "challenges",
    "next_steps",
    "evidence_links",
)


def _update_of(commitment: Commitment, window: SubmissionWindow) -> ProgressUpdate | None:
    return db.session.scalar(
        select(ProgressUpdate).where(
            ProgressUpdate.commitment_id == commitment.id, ProgressUpdate.window_id == window.id
        )
    )


def conflict_message() -> str:
    """Why a save is refused when someone else saved the same report first."""
    return gettext(
        "Someone else saved a report on this commitment after you opened it. Your text is "
        "below and was not saved: compare it with the saved report, then save again."
    )


def save_progress_update(
    commitment: Commitment,
    window: SubmissionWindow,
    data: dict,
    by: User,
    submit: bool = False,
    now: datetime | None = None,
    seen_version: str | None = None,
) -> ProgressUpdate:
    """Save the commitment's update for the window as a draft, or submit it for verification.

    `seen_version` is the version the person read ("new": no update yet); a save over another
    one is refused. The write itself is `UPDATE … WHERE version = …` (or an INSERT that the
    unique constraint lets happen once), so two saves at the same moment cannot both land.
    """
    now = now or utcnow()
    update = _update_of(commitment, window)
    current = "new" if update is None else str(update.version)
    if seen_version and seen_version != current:
        raise OperationError(conflict_message())
    if update is None:
        update = ProgressUpdate(commitment=commitment, window=window)
        db.session.add(update)
    elif not update.is_editable:
        raise OperationError(gettext("This update is verified and can no longer be changed."))
    for field in PROGRESS_FIELDS:
        setattr(update, field, data[field])
    if submit and update.review_state is not ReviewState.submitted:
        try:
            update.submit(by, now)
        except InvalidTransition as exc:
            raise OperationError(gettext("This update cannot be submitted now.")) from exc
    db.session.flush()
    return update


MAX_EVIDENCE_FILES = 10


def attach_evidence(update: ProgressUpdate, checked, by: User) -> EvidenceFile:
    """Keep an evidence file (`registry.evidence.CheckedFile`) with a progress update: its bytes
    are stored now and deleted again if the transaction rolls back."""
    if not update.is_editable:
        raise OperationError(gettext("This update is verified and can no longer be changed."))
    count = db.session.scalar(
        select(sa_func.count(EvidenceFile.id)).where(EvidenceFile.progress_update_id == update.id)
    )
    if (count or 0) >= MAX_EVIDENCE_FILES:
        raise OperationError(
            gettext("An update keeps at most %(num)d files.", num=MAX_EVIDENCE_FILES),
            field="evidence_file",
        )
    key = evidence.stage(db.session, checked.data, checked.content_type)
    kept = EvidenceFile(
        progress_update=update,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=hashlib.sha256(checked.data).hexdigest(),
        storage_key=key,
        uploaded_by_id=by.id if by is not None else None,
    )
    db.session.add(kept)
    db.session.flush()
    return kept


def remove_evidence(evidence_file: EvidenceFile) -> None:
    """Remove an evidence file from an update its reporter can still change (its bytes go when
    the transaction commits)."""
    if not evidence_file.progress_update.is_editable:
        raise OperationError(gettext("This update is verified and can no longer be changed."))
    evidence.delete_after_commit(db.session, evidence_file.storage_key)
    db.session.delete(evidence_file)
    db.session.flush()


def set_evidence_public(evidence_file: EvidenceFile, public: bool) -> EvidenceFile:
    """A coordinator's decision that an evidence file may be published (the public view still
    withholds it for an organisation that is not public)."""
    evidence_file.is_public = public
    db.session.flush()
    return evidence_file


def spend_invitation_when_reported(
    invitation: Invitation | None, rows: list, now: datetime | None = None
) -> None:
    """A late reporter's invitation is spent once every one of its commitments is reported."""
    if invitation is not None and all(row.status == "reported" for row in rows):
        pledge_operations.use_invitation(invitation, now)


def refresh_commitment_progress(commitment: Commitment, flush: bool = True) -> Commitment:
    """Take the commitment's status and progress from its latest verified update.

    The status is derived, not moved through the transition rules: a verified report that a
    commitment went from planning straight to fulfilled is the fact to show. An import of many
    updates passes `flush=False` and flushes once.
    """
    verified = [u for u in commitment.progress_updates if u.review_state is ReviewState.verified]
    if verified:
        latest = max(
            verified,
            key=lambda u: (
                u.window.opens_at or u.window.created_at,
                u.reviewed_at or u.updated_at,
                u.id,
            ),
        )
        if commitment.status is not latest.status:
            # The fact dates from the verification (back-dated by an import).
            commitment.status_changed_at = latest.reviewed_at or utcnow()
        commitment.status = latest.status
        commitment.progress_percent = latest.progress_percent
    if flush:
        db.session.flush()
    return commitment


def verify_progress_update(
    update: ProgressUpdate, by: User, now: datetime | None = None
) -> ProgressUpdate:
    """Verify an update; the commitment's status and progress now follow it if it is latest."""
    try:
        update.verify(by, now or utcnow())
    except InvalidTransition as exc:
        raise OperationError(gettext("Only a submitted update can be verified.")) from exc
    db.session.flush()
    refresh_commitment_progress(update.commitment)
    return update


def approve_update_wording(update: ProgressUpdate, by: User, view: View | None = None) -> list:
    """Approve the public (redacted) wording of an update as it reads now (the caller checked
    it is the text the coordinator read)."""
    view = view or View()
    return approve_public_wording([update], by, view.full_redactor)


def return_progress_update(
    update: ProgressUpdate, by: User, comment: str, now: datetime | None = None
) -> ProgressUpdate:
    """Return an update to the reporter with a comment, by e-mail."""
    try:
        update.return_(by, now or utcnow(), comment)
    except InvalidTransition as exc:
        raise OperationError(
            gettext("Only a submitted update can be returned, and it needs a comment.")
        ) from exc
    db.session.flush()
    reporter = db.session.get(User, update.submitted_by_id) if update.submitted_by_id else None
    if reporter is not None:
        queue_template(
            reporter.email,
            _l("Your progress report was returned: %(title)s", title=update.commitment.title),
            "progress_returned",
            seen_by=update.commitment.signature.organisation,
            update=update,
            user=reporter,
        )
    return update


def send_reminders(
    window: SubmissionWindow, due: dict[Organisation, list[Commitment]], today: date | None = None
) -> list[tuple[Organisation, int]]:
    """E-mail each organisation its due commitments, at most once a day per window."""
    today = today or utcnow().date()
    already = set(
        db.session.scalars(
            select(Reminder.organisation_id).where(
                Reminder.window_id == window.id, Reminder.sent_on == today
            )
        )
    )
    sent = []
    for organisation, commitments in due.items():
        recipients = [user for user in organisation.users if user.active]
        if organisation.id in already or not recipients or not commitments:
            continue
        queue_to_users(
            recipients,
            _l("Progress report due: %(window)s", window=window.label),
            "progress_reminder",
            organisation=organisation,
            window=window,
            commitments=commitments,
        )
        db.session.add(
            Reminder(
                window_id=window.id,
                organisation_id=organisation.id,
                sent_on=today,
                commitment_count=len(commitments),
            )
        )
        record(
            db.session,
            "reminder.sent",
            organisation,
            {"window": window.id, "commitments": [c.id for c in commitments]},
        )
        sent.append((organisation, len(commitments)))
    db.session.flush()
    return sent
