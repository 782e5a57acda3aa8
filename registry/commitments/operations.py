"""Commitments tracker: saved filters and bulk actions (status change, reminders)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.mail import queue_to_users
from registry.models import (
    Commitment,
    CommitmentStatus,
    InvalidTransition,
    Organisation,
    OutboxMessage,
    SavedFilter,
    SubmissionWindow,
    User,
)

TRACKER_AREA = "commitments"


def save_filter(user: User, name: str, query: dict, area: str = TRACKER_AREA) -> SavedFilter:
    """Keep `query` (URL parameters, without the page) under `name` for `user`; a name already
    used by this user is replaced."""
    name = (name or "").strip()
    if not name:
        raise OperationError(gettext("Give the filter a name."), field="name")
    query = {key: value for key, value in query.items() if key != "page"}
    existing = db.session.scalar(
        select(SavedFilter).where(
            SavedFilter.user_id == user.id, SavedFilter.area == area, SavedFilter.name == name
        )
    )
    if existing is not None:
        existing.query = query
        db.session.flush()
        return existing
    saved = SavedFilter(user_id=user.id, area=area, name=name, query=query)
    db.session.add(saved)
    db.session.flush()
    return saved


def delete_saved_filter(saved: SavedFilter) -> None:
    """Forget a saved filter."""
    db.session.delete(saved)
    db.session.flush()


@dataclass
class BulkStatusResult:
    """What a bulk status change did, row by row."""

    changed: list[Commitment] = field(default_factory=list)
    unchanged: list[Commitment] = field(default_factory=list)
    skipped: list[tuple[Commitment, str]] = field(default_factory=list)


def change_commitment_statuses(
    commitments: list[Commitment], status: CommitmentStatus, comment: str
) -> BulkStatusResult:
    """Move each commitment to `status` where its state machine allows, recording the comment;
    the others are skipped with the reason, never an error."""
    comment = (comment or "").strip()
    if not comment:
        raise OperationError(gettext("Say why the status changes."), field="comment")
    result = BulkStatusResult()
    for commitment in commitments:
        before = commitment.status
        if before is status:
            result.unchanged.append(commitment)
            continue
        try:
            commitment.set_status(status)
        except InvalidTransition:
            result.skipped.append(
                (
                    commitment,
                    gettext(
                        "%(before)s cannot become %(after)s",
                        before=before.label,
                        after=status.label,
                    ),
                )
            )
            continue
        record(
            db.session,
            "commitment.bulk_status",
            commitment,
            {"comment": comment, "before": before.name, "after": status.name},
        )
        result.changed.append(commitment)
    db.session.flush()
    return result


@dataclass
class ReminderResult:
    """What a reminder run sent: messages, and organisations nobody could be told."""

    messages: list[OutboxMessage] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    without_users: list[Organisation] = field(default_factory=list)


def send_commitment_reminders(
    commitments: list[Commitment],
    window: SubmissionWindow | None = None,
) -> ReminderResult:
    """E-mail each organisation's active users once, listing that organisation's commitments
    among `commitments` (and the reporting window, when given)."""
    by_org: dict[int, list[Commitment]] = {}
    organisations: dict[int, Organisation] = {}
    for commitment in commitments:
        organisation = commitment.signature.organisation
        organisations[organisation.id] = organisation
        by_org.setdefault(organisation.id, []).append(commitment)
    users = db.session.scalars(
        select(User)
        .where(User.organisation_id.in_(list(by_org)), User.active.is_(True))
        .order_by(User.id)
    ).all()
    users_by_org: dict[int, list[User]] = {}
    for user in users:
        users_by_org.setdefault(user.organisation_id, []).append(user)
    result = ReminderResult()
    for org_id, org_commitments in by_org.items():
        organisation = organisations[org_id]
        if not users_by_org.get(org_id):
            result.without_users.append(organisation)
            continue
        result.organisations.append(organisation)
        result.messages += queue_to_users(
            users_by_org[org_id],
            _l("Reminder: your commitments in the pledge registry"),
            "reminder",
            organisation=organisation,
            commitments=org_commitments,
            window=window,
        )
        record(
            db.session,
            "commitment.reminder",
            organisation,
            {
                "commitments": [c.id for c in org_commitments],
                "recipients": len(users_by_org[org_id]),
                "window": window.id if window else None,
            },
        )
    db.session.flush()
    return result
