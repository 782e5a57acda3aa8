"""Throughput of two gunicorn workers serving reads (tracker, dashboard, public pledge page),
without and then with a writer changing commitments as fast as it can (each change its own
transaction, through the ORM, so the summary counts are kept up to date as in production).
The figure is requests per second with the writer against without it (the floor)."""

from __future__ import annotations

import os
import random
import threading
import time

from bench.hosts import Browser, Server
from bench.scenarios import EMAIL, PASSWORD

URLS = ("/coordinate/commitments", "/coordinate/dashboard", "/pledges/digital-protection")


def _readers(browser, base: str, seconds: float, clients: int) -> tuple[int, int]:
    """(successful requests, errors) of `clients` threads reading for `seconds` as the
    logged-in `browser`."""
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def read(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            status, _body, _ = browser.get(base + rng.choice(URLS))
            with lock:
                counts["ok" if status == 200 else "errors"] += 1

    threads = [threading.Thread(target=read, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["errors"]


def _writer(registry, stop: threading.Event, written: list) -> None:
    """Move random commitments between planning and in progress until `stop`."""
    os.environ.update(registry.env())
    from sqlalchemy import func, select

    from app import create_app
    from registry.audit import acting_as
    from registry.extensions import db
    from registry.models import Commitment, CommitmentStatus

    app = create_app({"JOBS_MODE": "sync"})
    rng = random.Random(7)
    with app.app_context(), acting_as(label="bench-writer"):
        top = db.session.scalar(select(func.max(Commitment.id)))
        while not stop.is_set():
            commitment = db.session.get(Commitment, rng.randint(1, top))
            if commitment is None:
                continue
            commitment.status = (
                CommitmentStatus.planning
                if commitment.status is CommitmentStatus.in_progress
                else CommitmentStatus.in_progress
            )
            try:
                db.session.commit()
                written.append(1)
            except Exception:  # a lock timeout under load: count it as not written
                db.session.rollback()


def throughput(registry, seconds: float = 8, clients: int = 4) -> dict:
    """Reads per second with and without a writer, and the writes it made."""
    # No rate limit while measuring (and no shared storage needed for it).
    limits = {"RATELIMIT_ENABLED": "0", "RATELIMIT_STORAGE_URI": "memory://"}
    server = Server(registry.env() | limits, workers=2)
    try:
        # One login: the first sets the coordinator's authenticator up (MFA), after which a
        # login would ask for a code.
        browser = Browser()
        browser.login(server.url, EMAIL, PASSWORD)
        _readers(browser, server.url, 1, 1)  # warm up both workers' caches
        alone, alone_errors = _readers(browser, server.url, seconds, clients)
        stop, written = threading.Event(), []
        writer = threading.Thread(target=_writer, args=(registry, stop, written))
        writer.start()
        time.sleep(0.5)
        together, together_errors = _readers(browser, server.url, seconds, clients)
        stop.set()
        writer.join()
    finally:
        server.stop()
    return {
        "ours": together / seconds,
        "floor": alone / seconds,
        "unit": "requests/s",
        "writes_per_s": round(len(written) / (seconds + 0.5), 1),
        "errors": alone_errors + together_errors,
        "requests": alone + together,
    }
