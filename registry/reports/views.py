"""Report pages for coordinators: ask for a PDF report, follow its run, download it."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.extensions import db
from registry.models import ReportStatus
from registry.organisations import queries as organisation_queries
from registry.pledges import queries as pledge_queries
from registry.policies import STAFF, get_run_or_404, report_in_scope, role_required
from registry.reports import queries
from registry.reports.common import ReportParameterError
from registry.reports.forms import KINDS, ReportForm
from registry.reports.jobs import FINISHED, fail_lost_runs, request_report

bp = Blueprint("reports", __name__, url_prefix="/coordinate/reports")

RECENT = 20


def OUTSIDE_SCOPE() -> str:  # noqa: N802 - a message constant translated when used
    return _(
        "Your work is limited to some pledges and regions: choose a pledge (and a region) "
        "within them, and an organisation of those regions."
    )


def _form() -> ReportForm:
    form = ReportForm()
    form.set_choices(
        pledge_queries.all_pledges(),
        queries.progress_windows(),
        organisation_queries.organisation_choices(),
    )
    return form


def _index_page(form: ReportForm, error: str | None = None, status: int = 200):
    """The request form (kept input and an error, if any) and the recent runs."""
    runs = queries.recent_runs(RECENT)
    return render_template(
        "reports/index.html",
        form=form,
        error=error,
        kind_labels=KINDS,
        runs=runs,
        described=queries.describe_parameters(runs),
    ), status


@bp.get("")
@role_required(*STAFF)
def index():
    """The report request form and the latest runs (a run whose worker died shows as failed)."""
    if fail_lost_runs():
        db.session.commit()
    return _index_page(_form())


@bp.post("")
@role_required(*STAFF)
def create():
    """Start a report run, or return the stored one for the same parameters on unchanged data."""
    form = _form()
    if not form.validate_on_submit():
        return _index_page(form, status=400)
    if not report_in_scope(*form.parameters()):
        return _index_page(form, OUTSIDE_SCOPE(), status=400)
    try:
        run = request_report(*form.parameters(), current_user)
    except ReportParameterError as exc:
        db.session.rollback()
        return _index_page(form, str(exc), status=400)
    cached = run.status is ReportStatus.done  # a new run is always queued
    db.session.commit()
    if cached:
        flash(_("The data has not changed since this report was made: here it is."), "info")
    return redirect(url_for("reports.detail", run_id=run.id))


@bp.get("/<int:run_id>")
@role_required(*STAFF)
def detail(run_id: int):
    """A run's progress (refreshing itself until it ends), its PDF or why it failed."""
    run = get_run_or_404(run_id)
    if run.status not in FINISHED and fail_lost_runs():
        db.session.commit()
    finished = run.status in FINISHED
    page = render_template(
        "reports/detail.html",
        run=run,
        label=KINDS.get(run.kind, run.kind),
        described=queries.describe_parameters([run])[run.id],
        finished=finished,
        statuses=[s for s in ReportStatus if s is not ReportStatus.failed],
    )
    return page, 200, {} if finished else {"Refresh": "2"}


@bp.get("/<int:run_id>.pdf")
@role_required(*STAFF)
def download(run_id: int):
    """The PDF of a finished run (404 until it is done)."""
    run = get_run_or_404(run_id, with_pdf=True)
    if run.status is not ReportStatus.done or not run.pdf:
        abort(404)
    return send_file(
        BytesIO(run.pdf),
        mimetype="application/pdf",
        download_name=f"{run.kind}-report-{run.id}.pdf",
        as_attachment=False,
        max_age=0,
    )
