"""State changes of pledge forms: submission windows (open, close, schedule) and invitations
(single-use links to submit while a window is closed)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.errors import OperationError
from registry.extensions import db
from registry.i18n import utc_datetime
from registry.mail import queue_template
from registry.models import (
    DEFAULT_CLOSED_MESSAGE,
    InvalidTransition,
    Invitation,
    Organisation,
    Pledge,
    SubmissionWindow,
    User,
    WindowKind,
    utcnow,
)


def end_of_day(day: date) -> datetime:
    """The end of `day` in UTC: a form open "until 31 March" takes input all that day."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC)


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
    window = window or pledge.current_window(kind, now or utcnow())
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
    window = window or pledge.current_window(kind, now or utcnow())
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


def invitation_link(token: str) -> str:
    """The absolute address of an invitation; from BASE_URL when there is no request (CLI)."""
    if has_request_context():
        return url_for("invitations.accept", token=token, _external=True)
    base = urlsplit(current_app.config["BASE_URL"])
    urls = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return urls.build("invitations.accept", {"token": token}, force_external=True)


def _recipients(organisation: Organisation | None, email: str | None) -> list[str]:
    """Who receives the invitation: the address, or every active user of the organisation."""
    if email:
        return [email]
    addresses = db.session.scalars(
        select(User.email)
        .where(User.organisation_id == organisation.id, User.active.is_(True))
        .order_by(User.id)
    ).all()
    if not addresses:
        raise OperationError(
            gettext(
                "This organisation has no user to send the invitation to; "
                "invite an e-mail address instead."
            ),
            field="organisation",
        )
    return list(addresses)


def _subject(window: SubmissionWindow):
    if window.kind is WindowKind.progress:
        return _l("Invitation to report progress on “%(pledge)s”", pledge=window.pledge.title)
    return _l("Invitation to sign “%(pledge)s”", pledge=window.pledge.title)


def create_invitation(
    window: SubmissionWindow,
    *,
    organisation: Organisation | None = None,
    email: str | None = None,
    by: User | None = None,
    days: int = 14,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite one organisation or address into `window` and e-mail the link; returns the
    invitation and its token, which is never stored (only its hash is)."""
    # Stored case-folded, as user e-mails are, so the invitee's login matches it.
    email = (email or "").strip().casefold() or None
    if organisation is None and email is None:
        raise OperationError(
            gettext("Choose an organisation or enter an e-mail address to invite."),
            field="email",
        )
    if organisation is not None and email is not None:
        raise OperationError(
            gettext("Invite an organisation or an e-mail address, not both."), field="email"
        )
    if days < 1:
        raise OperationError(
            gettext("An invitation must be valid for at least one day."), field="days"
        )
    recipients = _recipients(organisation, email)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        window=window,
        organisation=organisation,
        email=email,
        token_hash=Invitation.hash_token(token),
        expires_at=now + timedelta(days=days),
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(invitation)
    db.session.flush()
    link = invitation_link(token)
    for to in recipients:
        queue_template(
            to,
            _subject(window),
            "invitation",
            seen_by=organisation,
            invitation=invitation,
            window=window,
            pledge=window.pledge,
            inviter=by,
            link=link,
        )
    return invitation, token


def invitation_refusal(invitation: Invitation, now: datetime | None = None) -> str | None:
    """Why an invitation can no longer be used, in words fit for its holder; None if usable."""
    now = now or utcnow()
    if invitation.used_at is not None:
        return gettext("This invitation has already been used.")
    if now >= invitation.expires_at:
        return gettext(
            "This invitation expired on %(date)s.", date=utc_datetime(invitation.expires_at)
        )
    return None


def use_invitation(invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Spend an invitation (when the invitee submits); refused once used or expired."""
    now = now or utcnow()
    try:
        invitation.use(now)
    except InvalidTransition as exc:
        raise OperationError(
            invitation_refusal(invitation, now) or gettext("This invitation cannot be used.")
        ) from exc
    db.session.flush()
    return invitation
