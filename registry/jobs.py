"""Background jobs: an in-process worker thread by default, RQ workers when REDIS_URL is set.

A job is named by its dotted path ("registry.mail:deliver_outbox") and takes plain arguments,
so that an RQ worker, which builds its own app (`app:run_job`, the worker entry), can run it.
Nothing here builds an app. `JOBS_MODE` = "thread" (default), "rq", or "sync" (run at once in
a fresh app context, used by tests that need determinism).

Jobs that need the current transaction's rows are enqueued with `enqueue_after_commit`: a worker
never looks for a row that is not saved yet, and a rolled-back change starts no job.
"""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: The RQ worker's entry point: builds the app once per worker process (see app.py).
WORKER_ENTRY = "app.run_job"
PENDING = "jobs_pending"


def resolve(path: str):
    """The function named by a job path such as "registry.mail:deliver_outbox"."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def run(app: Flask, path: str, args: tuple) -> None:
    """Run job `path` with `args` inside an app context of `app` (the traceback is logged)."""
    with app.app_context():
        try:
            resolve(path)(*args)
        except Exception:
            log.exception("job %s failed", path)
            raise


def init_app(app: Flask) -> None:
    """Prepare the worker for the configured mode."""
    if app.config["JOBS_MODE"] == "thread":
        app.extensions["jobs"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")


def queue(name: str = "default"):
    """The RQ queue (only with REDIS_URL)."""
    from redis import Redis
    from rq import Queue

    return Queue(name, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue(path: str, *args) -> Future | object | None:
    """Run job `path` with `args` outside the current request."""
    app = current_app._get_current_object()
    mode = app.config["JOBS_MODE"]
    if mode == "rq":
        return queue().enqueue(WORKER_ENTRY, path, *args, job_timeout=1800)
    if mode == "thread":
        return app.extensions["jobs"].submit(run, app, path, args)
    run(app, path, args)
    return None


def enqueue_after_commit(session: Session, path: str, *args, on_failure: str | None = None):
    """Enqueue job `path` once `session` commits (the same job and arguments once per commit);
    dropped on rollback. If it cannot be enqueued (Redis down), the change stays saved, the
    error is logged and the job named by `on_failure` runs here with the same arguments."""
    session.info.setdefault(PENDING, {})[(path, args)] = on_failure


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session):
    for (path, args), on_failure in session.info.pop(PENDING, {}).items():
        try:
            enqueue(path, *args)
        except Exception:
            log.exception("could not start job %s%r", path, args)
            if on_failure:
                resolve(on_failure)(*args)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop(PENDING, None)
