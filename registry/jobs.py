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
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

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
    """Prepare the workers for the configured mode: in-process, one thread for reports and
    other work, and one for e-mail, so that a slow mail server never delays a report."""
    if app.config["JOBS_MODE"] == "thread":
        app.extensions["jobs"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")
        app.extensions["jobs.mail"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")


def queue(name: str = "default"):
    """The RQ queue (only with REDIS_URL)."""
    from redis import Redis
    from rq import Queue

    return Queue(name, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def _executor(app: Flask, path: str) -> ThreadPoolExecutor:
    if path.startswith("registry.mail:") and "jobs.mail" in app.extensions:
        return app.extensions["jobs.mail"]
    return app.extensions["jobs"]


def enqueue(path: str, *args) -> Future | object | None:
    """Run job `path` with `args` outside the current request (e-mail on its own thread)."""
    app = current_app._get_current_object()
    mode = app.config["JOBS_MODE"]
    if mode == "rq":
        return queue().enqueue(WORKER_ENTRY, path, *args, job_timeout=1800)
    if mode == "thread":
        return _executor(app, path).submit(run, app, path, args)
    run(app, path, args)
    return None


def enqueue_in(seconds: float, path: str, *args) -> None:
    """Run job `path` with `args` in `seconds` (a retry). No thread waits meanwhile: a timer
    submits it when due (in-process), or RQ's scheduler does (`rq worker --with-scheduler`).
    With JOBS_MODE "sync" nothing is scheduled: the next delivery or `registry outbox` sends
    what is due."""
    app = current_app._get_current_object()
    mode = app.config["JOBS_MODE"]
    if mode == "rq":
        queue().enqueue_in(timedelta(seconds=seconds), WORKER_ENTRY, path, *args)
    elif mode == "thread":
        executor = _executor(app, path)

        def submit() -> None:
            try:
                executor.submit(run, app, path, args)
            except RuntimeError:  # the process is shutting down; the row waits for the next
                log.info("job %s not started: the worker is shutting down", path)

        timer = threading.Timer(seconds, submit)
        timer.daemon = True
        timer.start()


_progress: dict[str, int] = {}


def set_progress(key: str, value: int) -> None:
    """Record how far a job has got (shared through Redis when configured, so that any web
    host can show it; else kept in this process, which runs the jobs)."""
    if current_app.config.get("REDIS_URL"):
        from redis import Redis

        Redis.from_url(current_app.config["REDIS_URL"]).set(
            f"registry:progress:{key}", value, ex=86400
        )
    else:
        _progress[key] = value


def get_progress(key: str) -> int | None:
    """What `set_progress` last recorded for `key`, if anything."""
    if current_app.config.get("REDIS_URL"):
        from redis import Redis

        value = Redis.from_url(current_app.config["REDIS_URL"]).get(f"registry:progress:{key}")
        return int(value) if value is not None else None
    return _progress.get(key)


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


def redis_urls() -> dict[str, str]:
    """The Redis servers the registry is configured to use, by what it uses them for ("redis"
    for jobs and rate limits, "session_redis" for sessions when separate)."""
    cfg = current_app.config
    urls = {}
    limiter_url = cfg.get("RATELIMIT_STORAGE_URI") or ""
    if cfg.get("REDIS_URL") or limiter_url.startswith("redis"):
        urls["redis"] = cfg.get("REDIS_URL") or limiter_url
    if cfg.get("SESSION_TYPE") == "redis" and cfg["SESSION_REDIS_URL"] not in urls.values():
        urls["session_redis"] = cfg["SESSION_REDIS_URL"]
    return urls


def redis_answers(url: str) -> bool:
    """True when the Redis at `url` answers a PING within a second."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False
