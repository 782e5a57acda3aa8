"""The outbox: every message is a row; SMTP when configured, retried, errors kept; else logged."""

import socket
import time

from sqlalchemy import select

from registry.mail import deliver_outbox, queue_email
from registry.models import OutboxMessage, OutboxStatus
from tests.conftest import body_of


def _outbox(db):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_message_goes_over_smtp_after_commit(db, smtp):
    queue_email("focal.point@example.org", "Reminder", "Please report progress.")
    assert smtp.messages == []  # nothing leaves before the transaction commits
    db.session.commit()
    [message] = smtp.wait_for(1)
    assert message["To"] == "focal.point@example.org" and message["Subject"] == "Reminder"
    assert "Please report progress." in body_of(message)
    [row] = _outbox(db)
    assert row.status is OutboxStatus.sent and row.attempts == 1 and row.sent_at


def test_rolled_back_message_is_never_sent(db, smtp):
    queue_email("x@example.org", "Draft", "never")
    db.session.rollback()
    assert _outbox(db) == []
    assert smtp.wait_for(1, timeout=0.3) == []


def test_without_mail_server_messages_are_logged(db, caplog):
    with caplog.at_level("INFO", logger="registry.mail"):
        queue_email("x@example.org", "Hello", "Secret reset link")
        db.session.commit()
    [row] = _outbox(db)
    assert row.status is OutboxStatus.logged and row.body == "Secret reset link"
    assert "x@example.org" in caplog.text and "Hello" in caplog.text
    assert "Secret reset link" not in caplog.text  # bodies only at DEBUG


def test_failures_are_retried_and_the_error_kept(app, db, monkeypatch, smtp):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_PORT", dead_port)
    queue_email("x@example.org", "Lost", "body")
    db.session.commit()
    [row] = _outbox(db)
    # One attempt, then it waits for the retry (with backoff) instead of holding the worker.
    assert (row.status, row.attempts) == (OutboxStatus.pending, 1)
    assert "ConnectionRefusedError" in row.last_error and row.next_attempt_at > row.created_at
    assert deliver_outbox() == 0  # not due yet: nothing is tried
    assert _outbox(db)[0].attempts == 1
    # Once the server is back and the retry is due, it is delivered.
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    row.next_attempt_at = None
    db.session.commit()
    assert deliver_outbox() == 1
    assert smtp.wait_for(1)[0]["Subject"] == "Lost"
    assert _outbox(db)[0].status is OutboxStatus.sent


def test_in_process_worker_thread_delivers(app, db, monkeypatch, smtp):
    monkeypatch.setitem(app.config, "JOBS_MODE", "thread")
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setitem(app.extensions, "jobs", ThreadPoolExecutor(max_workers=1))
    queue_email("thread@example.org", "From the worker", "body")
    db.session.commit()
    assert smtp.wait_for(1)[0]["To"] == "thread@example.org"
    deadline = time.monotonic() + 5
    while _outbox(db)[0].status is OutboxStatus.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _outbox(db)[0].status is OutboxStatus.sent
