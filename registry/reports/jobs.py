"""Report runs: ask for a report (or get the stored one), and the job that renders it.

`request_report` is an operation: it flushes, and the report job is enqueued only after the
caller commits, so a worker never looks for a run that is not saved yet. `run_report` is the job:
on the in-process worker thread by default, on RQ workers with REDIS_URL (registry/jobs.py).
"""

from __future__ import annotations

import importlib
import logging
import time
from datetime import timedelta
from types import ModuleType

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry import jobs
from registry.extensions import db
from registry.models import Audience, ReportRun, ReportStatus, User, utcnow
from registry.reports import chunks
from registry.reports.common import ReportParameterError
from registry.reports.fingerprint import normalise_params, report_fingerprint
from registry.reports.render import render_pdf

log = logging.getLogger(__name__)

#: Every report kind, in the order forms list them; each is the module registry.reports.<kind>.
KINDS = ("grf", "signatory", "engagement")
JOB = "registry.reports.jobs:run_report"
ON_ENQUEUE_FAILURE = "registry.reports.jobs:mark_unreachable"
CHUNK_JOB = "registry.reports.jobs:render_chunk"
FINISH_JOB = "registry.reports.jobs:finish_report"
FINISHED = (ReportStatus.done, ReportStatus.failed)
IN_FLIGHT_FOR = timedelta(seconds=1800)  # registry/jobs.py gives RQ jobs 1800 s
LOST = (
    "The report worker stopped before finishing (no result after 30 minutes, for example after "
    "a restart). Ask for the report again."
)


def report_module(kind: str) -> ModuleType:
    """The report module for `kind`, imported on first use; ReportParameterError if unknown."""
    if kind not in KINDS:
        raise ReportParameterError(
            gettext(
                "Unknown report %(kind)s; choose %(kinds)s.",
                kind=repr(kind),
                kinds=", ".join(KINDS),
            )
        )
    try:
        return importlib.import_module(f"registry.reports.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"registry.reports.{kind}":
            raise
        raise ReportParameterError(
            gettext("The %(kind)s report is not available yet.", kind=kind)
        ) from None


def _audience(module: ModuleType, params: dict) -> Audience:
    value = params.get("audience")
    if value is None:
        return Audience.internal if module.INTERNAL_ONLY else Audience.public
    return Audience[getattr(value, "name", value)]


def fail_lost_runs() -> int:
    """Mark failed every unfinished run with no result 30 minutes after it started (or was
    queued): its worker died (a restart, a crash) and nothing else will finish it, so its page
    would otherwise say "rendering" for ever. A report takes seconds to minutes; 30 minutes is
    also RQ's job timeout. One conditional UPDATE, so a run that a worker finishes meanwhile
    stays done. An operation: the caller commits. Returns how many."""
    result = db.session.execute(
        update(ReportRun)
        .where(
            ReportRun.status.not_in(FINISHED),
            func.coalesce(ReportRun.started_at, ReportRun.created_at) < utcnow() - IN_FLIGHT_FOR,
        )
        .values(status=ReportStatus.failed, error=LOST, finished_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def request_report(
    kind: str, raw_params: dict, by: User | None, *, enqueue: bool = True
) -> ReportRun:
    """The done run for these parameters on unchanged data, or a new queued run.

    Raises ReportParameterError (one line for the user) on bad parameters. A new run is
    enqueued when the caller commits (unless `enqueue` is false: the CLI runs it in-process).
    """
    module = report_module(kind)
    params = normalise_params(module.parse_params(dict(raw_params or {})))
    fingerprint = report_fingerprint(kind, params)
    same = select(ReportRun).where(ReportRun.kind == kind, ReportRun.fingerprint == fingerprint)
    latest = ReportRun.id.desc()
    cached = db.session.scalars(same.where(ReportRun.status == ReportStatus.done).order_by(latest))
    if (run := cached.first()) is not None:
        return run
    if enqueue:
        # A second click while the first run is still working: follow that run (lost runs
        # are failed first, so a run whose worker died is not followed).
        fail_lost_runs()
        in_flight = db.session.scalars(
            same.where(ReportRun.status.not_in(FINISHED)).order_by(latest)
        )
        if (run := in_flight.first()) is not None:
            return run
    run = ReportRun(
        kind=kind,
        parameters=params,
        audience=_audience(module, params),
        status=ReportStatus.queued,
        fingerprint=fingerprint,
        requested_by_id=by.id if by is not None else None,
    )
    db.session.add(run)
    db.session.flush()
    if enqueue:
        jobs.enqueue_after_commit(db.session, JOB, run.id, on_failure=ON_ENQUEUE_FAILURE)
    return run


def mark_unreachable(run_id: int) -> None:
    """A run saved but never started (Redis down): say so on the run."""
    _mark_failed(run_id, "the report worker could not be reached; try again later")


def _mark_failed(run_id: int, reason: str) -> None:
    """Record a failure in a session of its own (the caller's may be mid-commit or broken)."""
    with Session(db.engine) as session:
        run = session.get(ReportRun, run_id)
        if run is not None and run.status not in FINISHED:
            run.status, run.error, run.finished_at = ReportStatus.failed, reason[:2000], utcnow()
            session.commit()


def _set_status(run: ReportRun, status: ReportStatus) -> None:
    run.status = status
    db.session.commit()


def _chunked(module: ModuleType) -> bool:
    """Whether this report renders in cached chunks (registry/reports/chunks.py)."""
    return hasattr(module, "render_chunks") and current_app.config.get("REPORT_CHUNKS", True)


def run_report(run_id: int, in_process: bool = False) -> None:
    """The job: gather the data, render the HTML and the PDF, and store it on the run.

    A report that can be chunked (the GRF report) renders only the chunks the cache lacks: on
    the embedded default with a pool of processes, then merges them here; with RQ, one job per
    missing chunk and a final job (`finish_report`) that merges them and stores the PDF
    (unless `in_process`: the CLI makes the report in its own process, whatever the mode).
    Any exception marks the run failed with its type and message (the traceback goes to the
    log only); the job itself never raises, so the worker carries on.
    """
    run = db.session.get(ReportRun, run_id)
    if run is None or run.status in FINISHED:
        return
    try:
        module = report_module(run.kind)
        params = module.parse_params(dict(run.parameters))
        run.started_at = utcnow()
        _set_status(run, ReportStatus.gathering)
        # The fingerprint of the data actually gathered, which may be newer than the request's.
        run.fingerprint = report_fingerprint(run.kind, run.parameters)
        started_gather = time.perf_counter()
        language = params.get("language") or "en"
        chunked = _chunked(module)
        # The report's language (a parameter, so part of its cache key), whoever asked for it.
        with force_locale(language):
            data = module.gather(params)
            gathered = time.perf_counter()
            _set_status(run, ReportStatus.rendering)
            started = time.perf_counter()
            render = module.render_chunks if chunked else module.render_html
            made = render(params, data, fingerprint=run.fingerprint, generated_at=run.started_at)
        timings = {
            "gather": round(gathered - started_gather, 3),
            "template": round(time.perf_counter() - started, 3),
        }
        if not chunked:
            rendered = render_pdf(made)
            _store(run, rendered, timings)
        elif in_process or not _fan_out(run, made, language, timings):
            with force_locale(language):
                stats = chunks.Stats()
                rendered = chunks.assemble(made, lang=language, stats=stats)
            _store(run, rendered, timings, stats)
    except Exception as exc:
        log.exception("report run %s (%s) failed", run_id, getattr(run, "kind", "?"))
        db.session.rollback()
        _mark_failed(run_id, f"{type(exc).__name__}: {exc}")
        db.session.expire_all()


def _store(run: ReportRun, rendered, timings: dict, stats: chunks.Stats | None = None) -> None:
    run.timings = timings | {
        "layout": round(rendered.layout_seconds, 3),
        "write": round(rendered.write_seconds, 3),
    }
    if stats is not None:
        run.timings |= {
            "merge": round(stats.merge, 3),
            "chunks_rendered": len(stats.rendered),
            "chunks_reused": stats.reused,
        }
    run.pdf, run.page_count = rendered.pdf, rendered.pages
    run.status, run.error, run.finished_at = ReportStatus.done, None, utcnow()
    db.session.commit()


def _fan_out(run: ReportRun, made: list, language: str, timings: dict) -> bool:
    """With RQ, enqueue one job per chunk the cache lacks and a final `finish_report` job
    that runs when they are done; False (nothing enqueued) without RQ or with at most one
    chunk to render (then this job renders it)."""
    if current_app.config["JOBS_MODE"] != "rq":
        return False
    cache = chunks.ChunkCache.from_config()
    missing = {c.key: c for c in made if not c.is_contents and cache.get(c.key) is None}
    if len(missing) < 2:
        return False
    queue = jobs.queue()
    rendering = [
        queue.enqueue(jobs.WORKER_ENTRY, CHUNK_JOB, c.html, c.tagged, job_timeout=1800)
        for c in missing.values()
    ]
    payload = {
        "chunks": [{"name": c.name, "html": c.html, "level": c.level} for c in made],
        "language": language,
        "timings": timings,
    }
    queue.enqueue(
        jobs.WORKER_ENTRY, FINISH_JOB, run.id, payload, job_timeout=1800, depends_on=rendering
    )
    run.timings = timings | {"chunk_jobs": len(rendering)}
    db.session.commit()
    return True


def render_chunk(html: str, tagged: bool = True) -> None:
    """RQ job: render one chunk into the chunk cache (shared through Redis). A failure is only
    logged: `finish_report` renders a chunk it does not find."""
    try:
        cache = chunks.ChunkCache.from_config()
        chunk = chunks.Chunk("chunk", html, tagged=tagged)
        chunks.render_missing([chunk], cache, chunks.Stats(), processes=0)
    except Exception:
        log.exception("rendering a report chunk failed")


def finish_report(run_id: int, payload: dict) -> None:
    """RQ job, after the chunk jobs: the contents and page numbers, the merge, the stored PDF
    (any chunk still missing is rendered here, in this process: the RQ workers are the
    parallelism)."""
    run = db.session.get(ReportRun, run_id)
    if run is None or run.status in FINISHED:
        return
    try:
        made = [chunks.Chunk(c["name"], c["html"], c["level"]) for c in payload["chunks"]]
        language = payload["language"]
        with force_locale(language):
            stats = chunks.Stats()
            rendered = chunks.assemble(made, lang=language, stats=stats, processes=0)
        _store(run, rendered, payload["timings"] | (run.timings or {}), stats)
    except Exception as exc:
        log.exception("report run %s: merging its chunks failed", run_id)
        db.session.rollback()
        _mark_failed(run_id, f"{type(exc).__name__}: {exc}")
        db.session.expire_all()
