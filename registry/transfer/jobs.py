"""Import runs: the checked file and its plan kept for the confirmation (`check_upload`), and
the job that writes it (`run_import`), on the in-process worker or an RQ worker like reports.

The plan made for the dry run is applied as it is while the data it looked at is unchanged
(`operations.plan_version`); otherwise the stored file is planned again first, and refused if a
row now needs fixing. Progress goes through `jobs.set_progress` (Redis when configured), since
the import's own transaction holds its rows until the end.
"""

from __future__ import annotations

import logging
import zlib
from datetime import timedelta
from pathlib import PurePath

from flask_babel import gettext
from sqlalchemy import delete
from sqlalchemy.orm import Session

from registry import jobs
from registry.audit import acting_as
from registry.errors import OperationError
from registry.extensions import db
from registry.models import ImportRun, ImportStatus, User, utcnow
from registry.transfer import operations
from registry.transfer.importing.base import Plan, RowOutcome
from registry.transfer.importing.files import load_import

log = logging.getLogger(__name__)
JOB = "registry.transfer.jobs:run_import"
UNCONFIRMED_LIFETIME = timedelta(hours=24)


def _outcome_row(outcome: RowOutcome) -> dict:
    return {
        "row": outcome.row,
        "external_ref": outcome.external_ref,
        "action": outcome.action,
        "details": outcome.details,
    }


def check_upload(kind: str | None, filename: str, data: bytes, by: User | None):
    """Dry run of an upload: plan every row and keep the plan with the file; returns (run,
    table, plan). Raises `OperationError` for a file that cannot be read. The caller commits."""
    # Checked files not confirmed within a day are forgotten (their plan and file with them).
    db.session.execute(
        delete(ImportRun).where(
            ImportRun.status == ImportStatus.checked,
            ImportRun.created_at < utcnow() - UNCONFIRMED_LIFETIME,
        )
    )
    table = load_import(kind, filename, data)
    version = operations.plan_version(table.kind)
    plan = operations.plan_import(table.kind, table.rows)
    run = ImportRun(
        kind=table.kind,
        filename=PurePath(filename).name[:200],
        status=ImportStatus.checked,
        counts=dict(plan.counts),
        preview=[_outcome_row(o) for o in plan.shown()],
        ignored_columns=table.ignored,
        data_version=version,
        plan=plan.dump(),
        upload=zlib.compress(data, 1),
        total_rows=plan.writes,
        requested_by_id=by.id if by is not None else None,
    )
    db.session.add(run)
    db.session.flush()
    return run, table, plan


def run_progress(run: ImportRun) -> int:
    """Rows written so far by a running import."""
    if run.status is ImportStatus.done:
        return run.total_rows
    return jobs.get_progress(f"import:{run.id}") or 0


def _plan_for(run: ImportRun) -> Plan:
    """The dry run's plan if the data is unchanged, else the stored file planned again."""
    if operations.plan_version(run.kind) == run.data_version:
        return Plan.load(run.kind, run.counts, run.plan)
    table = load_import(run.kind, run.filename, zlib.decompress(run.upload))
    return operations.plan_import(run.kind, table.rows)


def run_import(run_id: int) -> None:
    """The job: write the checked file in one transaction; the run records the outcome."""
    run = db.session.get(ImportRun, run_id)
    if run is None or run.status is not ImportStatus.queued:
        return
    run.status, run.started_at = ImportStatus.importing, utcnow()
    db.session.commit()
    by = db.session.get(User, run.requested_by_id) if run.requested_by_id else None
    written = 0

    def progress(rows: int) -> None:
        nonlocal written
        written += rows
        jobs.set_progress(f"import:{run_id}", written)

    try:
        with acting_as(by, label=None if by else "import"):
            counts = operations.apply_import(
                run.kind,
                by=by,
                allow_duplicates=run.allow_duplicates,
                plan=_plan_for(run),
                progress=progress,
            )
    except OperationError as exc:
        db.session.rollback()
        _finish(run_id, ImportStatus.failed, error=str(exc))
        return
    except Exception as exc:
        log.exception("import run %s failed", run_id)
        db.session.rollback()
        _finish(
            run_id,
            ImportStatus.failed,
            error=gettext(
                "The import failed (%(reason)s); nothing was imported.", reason=type(exc).__name__
            ),
        )
        return
    run.status, run.finished_at, run.counts = ImportStatus.done, utcnow(), counts
    run.written_rows, run.plan, run.upload = run.total_rows, None, None
    db.session.commit()


def _finish(run_id: int, status: ImportStatus, error: str | None = None) -> None:
    """Record the end of a run in a session of its own (the import's was rolled back)."""
    with Session(db.engine) as session:
        run = session.get(ImportRun, run_id)
        if run is not None:
            run.status, run.error, run.finished_at = status, (error or "")[:4000], utcnow()
            run.plan = run.upload = None  # a failed run is asked for again with a new upload
            session.commit()
    db.session.expire_all()
