"""Row 4: no lost writes. Concurrent requests on two gunicorn workers: every write is stored
or refused with a conflict message (never silently lost, never a 500), a review happens once,
and a locked SQLite database answers a friendly 503 after waiting, not a traceback."""

from __future__ import annotations

import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    ProgressUpdate,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    WindowKind,
)
from registry.pledges import operations as pledge_ops

REPORT = "/report/digital-protection"
CONFLICT = "Someone else saved a report on this commitment after you opened it"
N = 20
#: Two gunicorn workers and twenty clients at once: run by .ci/run as a step of its own.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(
        workers=2, SQLITE_BUSY_SECONDS="2", RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES="1"
    )


@pytest.fixture
def commitment(db, pledge, make_org, make_user):
    with acting_as(label="test"):
        pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM 2025 review")
        db.session.commit()
    organisation = make_org(name="Tech Co")
    reporter = make_user(role=Role.stakeholder, organisation=organisation, email="rep@techco.org")
    with acting_as(label="test"):
        signature = Signature(pledge=pledge, organisation=organisation)
        db.session.add(signature)
        signature.commitments = [
            Commitment(title="Moderation", description="d", key_outcome=pledge.key_outcomes[0])
        ]
        signature.status = SignatureStatus.accepted
        db.session.commit()
    return reporter, signature.commitments[0]


def _at_once(calls: list) -> list:
    """Run every call at the same moment (a barrier), each on its own thread."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _opened_forms(server, user, path: str, n: int) -> list:
    """`n` browsers logged in as `user`, each with the form at `path` open (token, version)."""
    opened = []
    for _ in range(n):
        browser = server.client()
        assert browser.login(user.email).status_code == 302
        page = browser.get(path).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        version = re.search(r'name="version"[^>]*value="([^"]*)"', page).group(1)
        opened.append((browser, token, version))
    return opened


def _save_all_at_once(opened, path: str) -> list:
    def save(i, browser, token, version):
        data = {
            "csrf_token": token,
            "version": version,
            "status": "in_progress",
            "progress_percent": str(i),
            "achievements": f"Report number {i}",
            "save_draft": "y",
        }
        return lambda: browser.post(path, data=data)

    return _at_once([save(i, *form) for i, form in enumerate(opened)])


@pytest.mark.parametrize("existing", [False, True], ids=["first report", "changed report"])
def test_concurrent_reports_one_stored_the_rest_refused(server, db, commitment, existing):
    reporter, target = commitment
    path = f"{REPORT}/commitments/{target.id}"
    if existing:
        browser, token, version = _opened_forms(server, reporter, path, 1)[0]
        browser.post(
            path,
            data={"csrf_token": token, "version": version, "status": "planning", "save_draft": "y"},
        )
    responses = _save_all_at_once(_opened_forms(server, reporter, path, N), path)

    codes = [r.status_code for r in responses]
    assert all(code in (200, 302) for code in codes), codes  # no 500, no 503
    stored = [i for i, r in enumerate(responses) if r.status_code == 302]
    refused = [r for r in responses if r.status_code == 200]
    assert len(stored) == 1 and len(refused) == N - 1
    assert all(CONFLICT in r.text for r in refused)
    # The one stored is the one that said so; nothing else was written over it.
    db.session.expire_all()
    update = db.session.scalar(
        select(ProgressUpdate).where(ProgressUpdate.commitment_id == target.id)
    )
    assert update.achievements == f"Report number {stored[0]}"
    assert update.version == (2 if existing else 1)


def test_a_review_happens_once(server, db, commitment, make_user):
    reporter, target = commitment
    path = f"{REPORT}/commitments/{target.id}"
    browser, token, version = _opened_forms(server, reporter, path, 1)[0]
    browser.post(
        path,
        data={
            "csrf_token": token,
            "version": version,
            "status": "in_progress",
            "achievements": "Trained 40",
            "submit_update": "y",
        },
    )
    update = db.session.scalar(
        select(ProgressUpdate).where(ProgressUpdate.commitment_id == target.id)
    )
    assert update.review_state is ReviewState.submitted
    coordinators = [make_user(role=Role.coordinator, email=f"c{i}@agency.org") for i in range(8)]
    opened = []
    for coordinator in coordinators:
        staff = server.client()
        assert staff.login(coordinator.email).status_code == 302
        page = staff.get("/coordinate/progress").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        opened.append((staff, token, str(update.version)))
    verify = f"/coordinate/progress/{update.id}/verify"
    responses = _at_once(
        [
            lambda s=s, t=t, v=v: s.post(verify, data={"csrf_token": t, "version": v})
            for s, t, v in opened
        ]
    )
    assert [r.status_code for r in responses] == [302] * len(opened)
    flashes = [s.get("/coordinate/progress").text for s, _t, _v in opened]
    assert sum("Verified: “Moderation”." in page for page in flashes) == 1
    db.session.expire_all()
    verifications = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "ProgressUpdate",
            AuditEvent.entity_id == update.id,
            AuditEvent.after["review_state"].as_string().in_(["verified", "Verified"]),
        )
    )
    assert verifications == 1


def test_a_locked_sqlite_database_answers_503_then_works(server, db, database_url, commitment):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, not the database")
    reporter, target = commitment
    path = f"{REPORT}/commitments/{target.id}"
    browser, token, version = _opened_forms(server, reporter, path, 1)[0]
    data = {"csrf_token": token, "version": version, "status": "planning", "save_draft": "y"}
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=5)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock (a long import …)
    try:
        response = browser.post(path, data=data)
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The registry is busy. Nothing was saved" in response.text
    assert "Traceback" not in response.text
    assert browser.post(path, data=data).status_code == 302  # the lock is gone: saved
