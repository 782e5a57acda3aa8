"""E-mail: every message goes through `OutboxMessage`, then out over SMTP or into the log.

Delivery is a job started after the transaction that queued the message commits. Flask-Security's
own messages (password reset …) come through `OutboxMailUtil`, so they take the same road.
"""

from __future__ import annotations

import logging
import smtplib
import unicodedata
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_security import MailUtil
from sqlalchemy import func, or_, select, update

from registry import jobs
from registry.disclosure import View
from registry.extensions import db
from registry.i18n import current_language, language_or_default
from registry.models import Organisation, OutboxMessage, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)
DELIVER = "registry.mail:deliver_outbox"
#: Seconds to wait for the mail server at each step (connect, each command).
SMTP_TIMEOUT = 10


def queue_email(to: str, subject: str, body: str) -> OutboxMessage:
    """Put a message in the outbox; it is delivered after the transaction commits."""
    message = OutboxMessage(to=to.strip(), subject=safe_header(subject), body=body)
    db.session.add(message)
    db.session.flush()
    jobs.enqueue_after_commit(db.session, DELIVER)
    return message


def queue_template(
    to: str,
    subject: str,
    template: str,
    *,
    seen_by: Organisation | None = None,
    view: View | None = None,
    language: str | None = None,
    **context,
) -> OutboxMessage:
    """Queue a message whose body is rendered from `templates/email/<template>.txt`.

    Subject and body are in the recipient's language: `language`, else the preferred language
    of the account with that address, else the language of the current request (someone
    registering reads the language they registered in). Pass the subject as a lazy string
    (`lazy_gettext`) so that it is translated here, not in the sender's language.

    The message reaches people of `seen_by` (or of no organisation): free text in it goes
    through the public view, which hides every protected organisation but theirs. Templates
    print such text with `shown(text)`; the subject is shown the same way. Outside a request
    (the shell, a job) links are built against BASE_URL.
    """
    view = (view or View()).seen_by(seen_by)
    context["shown"] = view.text
    language = language_or_default(language or recipient_language(to))
    name = f"email/{template}.txt"
    if has_request_context():
        with force_locale(language):
            subject = view.text(str(subject))
            body = render_template(name, **context)
        return queue_email(to, subject, body)
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(language):
        subject = view.text(str(subject))
        body = render_template(name, **context)
    return queue_email(to, subject, body)


def recipient_language(address: str) -> str:
    """The preferred language of the account with this address, else the current language."""
    preferred = db.session.scalar(
        select(User.preferred_language).where(func.lower(User.email) == address.strip().casefold())
    )
    return preferred or current_language()


def queue_to_users(
    users: list[User], subject: str, template: str, *, view: View | None = None, **context
) -> list:
    """One message to each of `users`, rendered with `user=` that user: never one message to
    several addresses, which would show every recipient to every other. Each is seen by the
    user's organisation (see `queue_template`)."""
    view = view or View()
    return [
        queue_template(
            user.email,
            subject,
            template,
            seen_by=user.organisation,
            view=view,
            language=user.preferred_language,
            user=user,
            **context,
        )
        for user in users
    ]


class OutboxMailUtil(MailUtil):
    """Flask-Security's mail hook: its messages (password reset …) go through the outbox too."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs):
        """Queue the rendered text body and commit so that delivery starts."""
        to = recipient[1] if isinstance(recipient, tuple) else recipient
        queue_email(to, subject, body or "")
        db.session.commit()


def safe_header(text: str, limit: int = 300) -> str:
    """`text` fit for one e-mail header: control characters (CR and LF above all, which would
    start a new header such as `Bcc:`) become spaces, runs of spaces one, and it is cut."""
    cleaned = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text))
    return " ".join(cleaned.split())[:limit]


def _email(message: OutboxMessage) -> EmailMessage:
    """The message as it goes out; raises ValueError if it cannot be written (never sent)."""
    to = message.to.strip()
    if not to or any(c in to for c in ",;\r\n") or "@" not in to:
        raise ValueError(f"not one e-mail address: {to!r}")
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = to
    email["Subject"] = safe_header(message.subject)
    email.set_content(message.body)
    return email


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    if cfg["MAIL_USE_TLS"]:
        smtp.starttls()
    if cfg["MAIL_USERNAME"]:
        smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return smtp


def _failed_attempt(message: OutboxMessage, exc: Exception, now: datetime) -> float | None:
    """Count a failed attempt: retried later (returns the seconds to wait) until attempts run
    out, then failed; the row keeps the reason."""
    cfg = current_app.config
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    log.warning("e-mail %s attempt %s failed: %s", message.id, message.attempts, exc)
    if message.attempts >= cfg["MAIL_MAX_ATTEMPTS"]:
        message.status, message.next_attempt_at = OutboxStatus.failed, None
        return None
    wait = cfg["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1)
    message.next_attempt_at = now + timedelta(seconds=wait)
    return wait


def _claim(message_id: int, wanted: list) -> OutboxMessage | None:
    # Claim the row so that two workers never send the same message (PostgreSQL).
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(wanted))
        .with_for_update(skip_locked=True)
    ).first()


def _due(wanted: list, now: datetime) -> list[int]:
    return db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_(wanted),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
    ).all()


def _log_only(message: OutboxMessage) -> None:
    # The body may hold a password-reset link: it stays in the outbox, and in DEBUG logs.
    log.info("e-mail %s to %s: %s (no MAIL_SERVER)", message.id, message.to, message.subject)
    log.debug("e-mail %s body:\n%s", message.id, message.body)
    message.status, message.sent_at = OutboxStatus.logged, utcnow()


def _permanent(exc: Exception) -> bool:
    """A failure that trying again cannot mend: the message itself is wrong or refused."""
    if isinstance(exc, (ValueError, smtplib.SMTPRecipientsRefused)):
        return True
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def _send(message: OutboxMessage, smtp):
    """Send one message (connecting first if needed); returns the connection."""
    email = _email(message)
    smtp = smtp or _connect()
    smtp.send_message(email)
    message.attempts += 1
    message.status, message.sent_at, message.next_attempt_at = OutboxStatus.sent, utcnow(), None
    return smtp


def deliver_outbox(retry_failed: bool = False) -> int:
    """Deliver every message that is due (and failed ones when asked), one attempt each, over
    one SMTP connection; returns how many went out.

    A message that cannot be written or is refused is marked failed with its reason and the
    others go on. If the server cannot be reached, the run stops after that one attempt (every
    other message would wait for the same time-out) and a retry is scheduled with backoff.
    """
    now = utcnow()
    wanted = [OutboxStatus.pending] + ([OutboxStatus.failed] if retry_failed else [])
    delivered, smtp, retry_in = 0, None, None
    try:
        for message_id in _due(wanted, now):
            message = _claim(message_id, wanted)
            if message is None:
                continue
            if message.status is OutboxStatus.failed:
                message.status, message.attempts = OutboxStatus.pending, 0
            try:
                if current_app.config["MAIL_SERVER"]:
                    smtp = _send(message, smtp)
                else:
                    _log_only(message)
                delivered += 1
            except (ValueError, OSError, smtplib.SMTPException) as exc:
                if not _permanent(exc):
                    retry_in = _failed_attempt(message, exc, now) or _retry_seconds()
                    db.session.commit()
                    _postpone_the_rest(now, retry_in)
                    break
                message.attempts += 1
                message.status = OutboxStatus.failed
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                log.warning("e-mail %s cannot be sent: %s", message.id, exc)
            db.session.commit()
    finally:
        _quit(smtp)
    if retry_in is not None:
        jobs.enqueue_in(retry_in, DELIVER)
    return delivered


def _retry_seconds() -> float:
    return current_app.config["MAIL_RETRY_SECONDS"]


def _postpone_the_rest(now: datetime, wait: float) -> None:
    """The server is unreachable: the other due messages wait for the same retry (their own
    attempts are not spent on an outage)."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.pending,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + timedelta(seconds=wait))
    )
    db.session.commit()


def _quit(smtp) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None
