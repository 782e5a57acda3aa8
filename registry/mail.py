"""E-mail: every message goes through `OutboxMessage`, then out over SMTP or into the log.

Delivery is a job started after the transaction that queued the message commits. Flask-Security's
own messages (password reset …) come through `OutboxMailUtil`, so they take the same road.
"""

from __future__ import annotations

import logging
import smtplib
import time
from email.message import EmailMessage

from flask import current_app, has_request_context, render_template
from flask_security import MailUtil
from sqlalchemy import select

from registry import jobs
from registry.disclosure import View
from registry.extensions import db
from registry.models import Organisation, OutboxMessage, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)
DELIVER = "registry.mail:deliver_outbox"


def queue_email(to: str, subject: str, body: str) -> OutboxMessage:
    """Put a message in the outbox; it is delivered after the transaction commits."""
    message = OutboxMessage(to=to, subject=str(subject), body=body)
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
    **context,
) -> OutboxMessage:
    """Queue a message whose body is rendered from `templates/email/<template>.txt`.

    The message reaches people of `seen_by` (or of no organisation): free text in it goes
    through the public view, which hides every protected organisation but theirs. Templates
    print such text with `shown(text)`; the subject is shown the same way. Outside a request
    (the shell, a job) links are built against BASE_URL.
    """
    view = (view or View()).seen_by(seen_by)
    context["shown"] = view.text
    subject = view.text(str(subject))
    name = f"email/{template}.txt"
    if has_request_context():
        return queue_email(to, subject, render_template(name, **context))
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        body = render_template(name, **context)
    return queue_email(to, subject, body)


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


def _send_smtp(message: OutboxMessage) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=15) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _deliver_one(message: OutboxMessage) -> None:
    """Try a message until it goes or attempts run out; the row keeps the last error."""
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        # The body may hold a password-reset link: it stays in the outbox, and in DEBUG logs.
        log.info("e-mail %s to %s: %s (no MAIL_SERVER)", message.id, message.to, message.subject)
        log.debug("e-mail %s body:\n%s", message.id, message.body)
        message.status, message.sent_at = OutboxStatus.logged, utcnow()
        return
    while message.attempts < cfg["MAIL_MAX_ATTEMPTS"]:
        message.attempts += 1
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("e-mail %s attempt %s failed: %s", message.id, message.attempts, exc)
            time.sleep(cfg["MAIL_RETRY_DELAY"] * message.attempts)
        else:
            message.status, message.sent_at = OutboxStatus.sent, utcnow()
            return
    message.status = OutboxStatus.failed


def deliver_outbox(retry_failed: bool = False) -> int:
    """Deliver every pending message (and failed ones when asked); returns how many went out."""
    wanted = [OutboxStatus.pending] + ([OutboxStatus.failed] if retry_failed else [])
    ids = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status.in_(wanted)).order_by(OutboxMessage.id)
    ).all()
    delivered = 0
    for message_id in ids:
        # Claim the row so that two workers never send the same message (PostgreSQL).
        message = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(wanted))
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            continue
        if message.status is OutboxStatus.failed:
            message.attempts = 0
        _deliver_one(message)
        delivered += message.status in (OutboxStatus.sent, OutboxStatus.logged)
        db.session.commit()
    return delivered
