"""Row 2: one e-mail cannot block all mail. Headers are built safely from user text; a message
that cannot be sent is marked failed with its reason while the others go on; failed deliveries
are retried automatically with backoff, on the mail thread, never holding up a report."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from registry import mail
from registry.audit import acting_as
from registry.mail import queue_email
from registry.models import OutboxMessage, OutboxStatus, ReportStatus
from registry.reports import jobs as report_jobs
from tests.conftest import Mailbox, free_port_for_tests

ATTACK = "x\r\nBcc: attacker@evil.example\r\nX-Injected: yes"


class Recorder(Mailbox):
    """A mailbox that keeps each envelope's recipients, refuses some addresses (550) and can
    answer "try later" (451) to the first `busy` messages."""

    def __init__(self, refuse=(), busy: int = 0):
        super().__init__()
        self.envelopes: list[list[str]] = []
        self.refuse, self.busy = set(refuse), busy

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.busy > 0:
            self.busy -= 1
            return "451 try again later"
        self.envelopes.append(list(envelope.rcpt_tos))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def recorder(app, monkeypatch):
    def start(**kwargs) -> Recorder:
        box = Recorder(**kwargs)
        controller = Controller(box, hostname="127.0.0.1", port=free_port_for_tests())
        controller.start()
        started.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        return box

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def _rows(db):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_title_cannot_add_headers_or_recipients(db, recorder):
    box = recorder()
    queue_email("reporter@example.org", f"Your progress report was returned: {ATTACK}", "body")
    db.session.commit()
    [message] = box.wait_for(1)
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert (
        message["Subject"]
        == "Your progress report was returned: x Bcc: attacker@evil.example X-Injected: yes"
    )
    assert box.envelopes == [["reporter@example.org"]]
    assert _rows(db)[0].status is OutboxStatus.sent


def test_a_message_that_cannot_go_is_failed_and_the_others_go_on(app, db, recorder):
    box = recorder(refuse={"gone@example.org"})
    with acting_as(label="test"):
        db.session.add_all(
            [
                OutboxMessage(to="first@example.org", subject="One", body="1"),
                OutboxMessage(
                    to="x@example.org\r\nBcc: attacker@evil.example", subject="Two", body="2"
                ),
                OutboxMessage(to="gone@example.org", subject="Three", body="3"),
                OutboxMessage(to="last@example.org", subject="Four", body="4"),
            ]
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["registry", "outbox"])
    assert result.exit_code == 0 and "Delivered 2 messages." in result.output
    first, injected, refused, last = _rows(db)
    assert (first.status, last.status) == (OutboxStatus.sent, OutboxStatus.sent)
    assert (
        injected.status is OutboxStatus.failed and "not one e-mail address" in injected.last_error
    )
    assert refused.status is OutboxStatus.failed and "550" in refused.last_error
    assert sorted(rcpt for env in box.envelopes for rcpt in env) == [
        "first@example.org",
        "last@example.org",
    ]


@pytest.fixture
def threads(app, monkeypatch):
    """The in-process workers of production: one thread for jobs, one for e-mail."""
    monkeypatch.setitem(app.config, "JOBS_MODE", "thread")
    monkeypatch.setitem(app.config, "MAIL_RETRY_SECONDS", 0.2)
    jobs, mails = ThreadPoolExecutor(1, "jobs-test"), ThreadPoolExecutor(1, "mail-test")
    monkeypatch.setitem(app.extensions, "jobs", jobs)
    monkeypatch.setitem(app.extensions, "jobs.mail", mails)
    yield
    for pool in (jobs, mails):
        pool.shutdown(wait=True, cancel_futures=True)


def _wait(condition, seconds=15.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_failed_deliveries_are_retried_automatically_with_backoff(db, recorder, threads):
    box = recorder(busy=2)  # the server says "try later" twice
    queue_email("patient@example.org", "Eventually", "body")
    db.session.commit()
    assert _wait(lambda: _rows(db)[0].status is OutboxStatus.sent)  # nobody retried by hand
    [row] = _rows(db)
    assert row.attempts == 3 and "451" in row.last_error
    assert box.envelopes == [["patient@example.org"]]


def test_an_smtp_outage_holds_neither_the_report_thread_nor_the_other_messages(
    db, recorder, threads, monkeypatch, make_org
):
    recorder()
    outage, entered = threading.Event(), threading.Event()
    real_connect = mail._connect

    def hanging_connect():
        entered.set()
        outage.wait(timeout=20)  # the mail server does not answer (until the test says so)
        raise TimeoutError("timed out")

    monkeypatch.setattr(mail, "_connect", hanging_connect)
    for n in range(12):
        queue_email(f"person{n}@example.org", f"Message {n}", "body")
    db.session.commit()
    assert entered.wait(timeout=10)  # delivery is stuck on the server
    organisation = make_org(name="Radio Dadaab")
    run = report_jobs.request_report("signatory", {"organisation": organisation.id}, None)
    db.session.commit()

    def report_done():
        db.session.expire_all()
        return db.session.get(type(run), run.id).status is ReportStatus.done

    assert _wait(report_done, 60)  # the report did not wait behind the mail
    outage.set()
    assert _wait(lambda: all(r.next_attempt_at for r in _rows(db)))
    rows = _rows(db)
    # One attempt spent on the outage; the other eleven wait for the retry untouched.
    assert [r.attempts for r in rows] == [1] + [0] * 11
    assert all(r.status is OutboxStatus.pending for r in rows)
    monkeypatch.setattr(mail, "_connect", real_connect)
    assert _wait(lambda: all(r.status is OutboxStatus.sent for r in _rows(db)))
