"""Read-only queries of the report pages: the latest runs and the windows a report can cover."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.extensions import db
from registry.models import ReportRun, SubmissionWindow, WindowKind


def recent_runs(limit: int) -> list[ReportRun]:
    """The `limit` latest report runs, newest first (their PDFs stay unloaded)."""
    return list(db.session.scalars(select(ReportRun).order_by(ReportRun.id.desc()).limit(limit)))


def progress_windows() -> list[SubmissionWindow]:
    """Every progress window, newest first, with its pledge (the report form's window list)."""
    return list(
        db.session.scalars(
            select(SubmissionWindow)
            .options(joinedload(SubmissionWindow.pledge))
            .where(SubmissionWindow.kind == WindowKind.progress)
            .order_by(SubmissionWindow.id.desc())
        )
    )
