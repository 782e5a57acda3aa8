"""Background jobs: an in-process worker thread by default, RQ workers when REDIS_URL is set.

A job is named by its dotted path ("registry.mail:deliver_outbox") so that RQ workers, which
build their own app, can run it. `JOBS_MODE` = "thread" (default), "rq", or "sync" (run at once in
a fresh app context, used by tests that need determinism).
"""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


def _resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _run(app: Flask, path: str, args: tuple) -> None:
    with app.app_context():
        try:
            _resolve(path)(*args)
        except Exception:
            log.exception("job %s failed", path)
            raise


def run_in_worker(path: str, *args) -> None:
    """RQ entry point: build the app once per worker process and run the job inside it."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    _run(_worker_app, path, args)


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
        return queue().enqueue(run_in_worker, path, *args, job_timeout=1800)
    if mode == "thread":
        return app.extensions["jobs"].submit(_run, app, path, args)
    _run(app, path, args)
    return None
