"""Report pages for coordinators: ask for a PDF report, follow its run, download it."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.extensions import db
from registry.geo import Region
from registry.models import Audience, EngagementKind, ReportStatus, StakeholderType
from registry.pledges import queries as pledge_queries
from registry.policies import STAFF, get_run_or_404, role_required
from registry.reports import queries
from registry.reports.common import ReportParameterError
from registry.reports.jobs import FINISHED, KINDS, fail_lost_runs, request_report

bp = Blueprint("reports", __name__, url_prefix="/coordinate/reports")

#: Form field -> report parameter; only the fields filled in are passed to the report. The
#: report kind is the field "report" because the engagement report has a parameter "kind".
PARAMETERS = {
    "pledge": "pledge",
    "as_of": "as_of",
    "window": "window",
    "stakeholder_type": "stakeholder_type",
    "region": "region",
    "audience": "audience",
    "organisation": "organisation",
    "engagement_kind": "kind",
}
KIND_LABELS = {
    "grf": _l("GRF progress report"),
    "signatory": _l("Signatory report (one organisation)"),
    "engagement": _l("Engagement report (internal)"),
}
RECENT = 20


def _index_page(error: str | None = None, values: dict | None = None, status: int = 200):
    """The request form (kept input and an error, if any) and the recent runs."""
    choices = {
        "report": [(kind, str(KIND_LABELS.get(kind, kind))) for kind in KINDS],
        "pledge": [("all", _("All pledges"))]
        + [(p.slug, p.title) for p in pledge_queries.all_pledges()],
        "window": [
            (str(w.id), f"{w.pledge.title} — {w.label}") for w in queries.progress_windows()
        ],
        "stakeholder_type": StakeholderType.choices(),
        "region": Region.choices(),
        "audience": Audience.choices(),
        "engagement_kind": [
            (k.name, k.label) for k in (EngagementKind.partnership, EngagementKind.advocacy_target)
        ],
    }
    return render_template(
        "reports/index.html",
        choices=choices,
        kind_labels=KIND_LABELS,
        values=values or {},
        error=error,
        runs=queries.recent_runs(RECENT),
        finished=FINISHED,
    ), status


@bp.get("")
@role_required(*STAFF)
def index():
    """The report request form and the latest runs (a run whose worker died shows as failed)."""
    if fail_lost_runs():
        db.session.commit()
    return _index_page()


@bp.post("")
@role_required(*STAFF)
def create():
    """Start a report run, or return the stored one for the same parameters on unchanged data."""
    kind = request.form.get("report", "").strip()
    raw = {key: request.form.get(field, "").strip() for field, key in PARAMETERS.items()}
    try:
        run = request_report(kind, {k: v for k, v in raw.items() if v}, current_user)
    except ReportParameterError as exc:
        db.session.rollback()
        return _index_page(str(exc), request.form.to_dict(), status=400)
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
        label=KIND_LABELS.get(run.kind, run.kind),
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
