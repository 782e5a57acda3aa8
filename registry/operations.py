"""State changes used by views, CLI, importers and jobs alike.

Each operation flushes and returns the object; the caller commits. Audit events are written by
the flush itself (registry.audit). A problem the user can fix raises `OperationError` with a
message fit to show them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import gettext
from flask_security import hash_password
from sqlalchemy import func, select

from registry.extensions import db, security
from registry.models import (
    DEFAULT_CLOSED_MESSAGE,
    Organisation,
    Pledge,
    Role,
    StakeholderType,
    SubmissionWindow,
    User,
    Visibility,
    WindowKind,
    utcnow,
)


class OperationError(Exception):
    """A refusal the user can act on; the message is shown as it is, `field` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_password(password: str, **context) -> str:
    """Return the normalised password or raise with why it is too weak."""
    problems, normalised = security.password_util.validate(password, True, **context)
    if problems:
        raise OperationError(" ".join(str(p) for p in problems), field="password")
    return normalised


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail (case-insensitive), if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().casefold()))


def create_user(
    email: str,
    name: str,
    password: str,
    role: Role = Role.stakeholder,
    organisation: Organisation | None = None,
) -> User:
    """Create a login; refuses an e-mail already in use and a weak password."""
    if find_user_by_email(email):
        raise OperationError(
            gettext("An account with this e-mail address already exists."), field="email"
        )
    normalised = check_password(password, email=email, name=name)
    user = security.datastore.create_user(
        email=email,
        name=name,
        password=hash_password(normalised),
        organisation=organisation,
    )
    user.role = role
    db.session.flush()
    return user


def create_organisation(
    *,
    name: str,
    stakeholder_type: StakeholderType,
    country: str | None = None,
    visibility: Visibility | None = None,
    is_refugee_led: bool = False,
    **fields,
) -> Organisation:
    """Create an organisation; refugee-led ones are anonymised unless told otherwise."""
    organisation = Organisation(
        name=name.strip(),
        stakeholder_type=stakeholder_type,
        is_refugee_led=is_refugee_led,
        country=country,
        **fields,
    )
    if visibility is None:
        visibility = Visibility.anonymised if organisation.is_refugee_led else Visibility.public
    organisation.visibility = visibility
    db.session.add(organisation)
    db.session.flush()
    return organisation


def register_organisation(org_fields: dict, user_fields: dict) -> User:
    """Register a new organisation with its first (stakeholder) user."""
    if find_user_by_email(user_fields["email"]):
        raise OperationError(
            gettext("An account with this e-mail address already exists."), field="email"
        )
    check_password(user_fields["password"], email=user_fields["email"], name=user_fields["name"])
    organisation = create_organisation(**org_fields)
    return create_user(organisation=organisation, role=Role.stakeholder, **user_fields)


def change_role(user: User, role: Role, by: User | None = None) -> User:
    """Give a user another role; an admin cannot demote themselves (someone must stay admin)."""
    if by is not None and by.id == user.id and role is not Role.admin:
        raise OperationError(gettext("You cannot remove your own administrator role."))
    user.role = role
    db.session.flush()
    return user


def set_active(user: User, active: bool, by: User | None = None) -> User:
    """Deactivate (ending every session of the user) or reactivate a login."""
    if by is not None and by.id == user.id and not active:
        raise OperationError(gettext("You cannot deactivate your own account."))
    user.active = active
    if not active:
        security.datastore.set_uniquifier(user)
    db.session.flush()
    return user


# --- Submission windows ------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """The end of `day` in UTC: a form open "until 31 March" takes input all that day."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC)


def find_window(pledge: Pledge, kind: WindowKind, now: datetime | None = None):
    """The pledge's window of `kind` that matters now: an open one, else the latest scheduled."""
    now = now or utcnow()
    windows = [w for w in pledge.windows if w.kind is kind]
    if not windows:
        return None
    earliest = datetime.min.replace(tzinfo=UTC)
    windows.sort(key=lambda w: (w.is_open(now), w.opens_at or earliest, w.id or 0))
    return windows[-1]


def open_window(
    pledge: Pledge,
    kind: WindowKind,
    until: date | datetime | None = None,
    label: str | None = None,
    now: datetime | None = None,
    *,
    window: SubmissionWindow | None = None,
) -> SubmissionWindow:
    """Open the pledge's window of `kind` (or `window`) now, until `until`; creates one if none."""
    now = now or utcnow()
    closes_at = until
    if isinstance(until, date) and not isinstance(until, datetime):
        closes_at = end_of_day(until)
    if closes_at is not None and closes_at <= now:
        raise OperationError(gettext("The closing date must be in the future."), field="closes_at")
    window = window or find_window(pledge, kind, now)
    if window is None:
        window = SubmissionWindow(pledge=pledge, kind=kind, label=label or kind.value)
        db.session.add(window)
    elif label:
        window.label = label
    window.is_manually_closed = False
    if window.opens_at is None or window.opens_at > now:
        window.opens_at = now
    if closes_at is None and window.closes_at is not None and window.closes_at > now:
        closes_at = window.closes_at  # opening never drops a closing date still ahead
    window.closes_at = closes_at
    db.session.flush()
    return window


def close_window(
    pledge: Pledge,
    kind: WindowKind,
    message: str | None = None,
    now: datetime | None = None,
    *,
    window: SubmissionWindow | None = None,
) -> SubmissionWindow:
    """Close the pledge's window of `kind` (or `window`) by hand, with an optional message."""
    window = window or find_window(pledge, kind, now)
    if window is None:
        raise OperationError(
            gettext("This pledge has no %(kind)s window to close.", kind=kind.name)
        )
    window.is_manually_closed = True
    if message and message.strip():
        window.closed_message = message.strip()
    db.session.flush()
    return window


def schedule_window(
    window: SubmissionWindow,
    opens_at: datetime | None,
    closes_at: datetime | None,
    label: str,
    closed_message: str | None = None,
) -> SubmissionWindow:
    """Set when a window opens and closes (either may be empty) and what it says when closed."""
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise OperationError(
            gettext("The closing time must be after the opening time."), field="closes_at"
        )
    if not (label or "").strip():
        raise OperationError(gettext("Give the window a name."), field="label")
    window.opens_at, window.closes_at = opens_at, closes_at
    window.label = label.strip()
    window.closed_message = (closed_message or "").strip() or DEFAULT_CLOSED_MESSAGE
    # A schedule replaces a manual close: the dates alone now say when the form takes input.
    window.is_manually_closed = False
    db.session.flush()
    return window
