"""Moving data in and out: exports of every list (CSV/XLSX) and imports of organisations,
commitments and progress reports (upload → dry run → confirm → one transaction)."""

from __future__ import annotations

import tempfile
from itertools import chain

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from registry import jobs
from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.models import ImportRun, ImportStatus, utcnow
from registry.policies import STAFF, require_unscoped, role_required
from registry.transfer import exporting, queries
from registry.transfer import jobs as import_jobs
from registry.transfer.columns import COLUMN_HELP, KIND_LABELS
from registry.transfer.forms import ImportConfirmForm, ImportUploadForm
from registry.transfer.importing.base import ImportRefused, Plan
from registry.transfer.importing.files import (
    IMPORT_COLUMNS,
    IMPORT_KINDS,
    ONE_OF_COLUMNS,
    REQUIRED_COLUMNS,
)

bp = Blueprint("transfer", __name__)

SESSION_KEY = "transfer_import"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OUTCOME_ACTIONS = ("create", "update", "skip", "duplicate", "error")


def _max_bytes() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _upload_form() -> ImportUploadForm:
    """The upload form offering every import kind."""
    form = ImportUploadForm()
    # The choices follow IMPORT_KINDS, so a new kind of import needs no change to the form.
    form.kind.choices = [(kind, KIND_LABELS[kind]) for kind in IMPORT_KINDS]
    return form


def _import_page(form: ImportUploadForm | None = None, status: int = 200):
    return (
        render_template(
            "transfer/import.html",
            form=form or _upload_form(),
            import_kinds=IMPORT_KINDS,
            kind_labels=KIND_LABELS,
            columns=IMPORT_COLUMNS,
            required=REQUIRED_COLUMNS,
            one_of=ONE_OF_COLUMNS,
            help=COLUMN_HELP,
            kinds=queries.KINDS,
            max_mb=_max_bytes() / 1024 / 1024,
        ),
        status,
    )


def _preview(run: ImportRun, error: str | None = None, status: int = 200):
    counts = {action: run.counts.get(action, 0) for action in OUTCOME_ACTIONS}
    return (
        render_template(
            "transfer/preview.html",
            run=run,
            rows=sum(counts.values()),
            outcomes=run.preview,
            counts=counts,
            form=ImportConfirmForm(formdata=None, token=str(run.id)),
            error=error,
        ),
        status,
    )


@bp.get("/coordinate/import")
@role_required(*STAFF)
def import_page():
    """The import form, the templates and their columns, and the export links (not for a
    scoped coordinator: an import writes across every pledge and region)."""
    require_unscoped()
    return _import_page()


@bp.post("/coordinate/import")
@role_required(*STAFF)
def check_import():
    """Dry run: read the upload, show what importing each row would do; writes nothing but
    the checked file and its plan (for the confirmation)."""
    require_unscoped()
    form = _upload_form()
    if not form.validate_on_submit():
        return _import_page(form, 400)
    upload, limit = form.file.data, _max_bytes()
    data = upload.stream.read(limit + 1)
    try:
        if len(data) > limit:
            raise OperationError(
                _("The file is larger than %(mb)g MB; split it.", mb=limit / 1024 / 1024),
                field="file",
            )
        by = current_user._get_current_object()
        run, _table, _plan = import_jobs.check_upload(form.kind.data, upload.filename, data, by)
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return _import_page(form, 400)
    db.session.commit()
    session[SESSION_KEY] = run.id
    return _preview(run)


@bp.post("/coordinate/import/confirm")
@role_required(*STAFF)
def confirm_import():
    """Import the checked file as a job: every row in one transaction, or nothing."""
    require_unscoped()
    form, run_id = ImportConfirmForm(), session.get(SESSION_KEY)
    run = db.session.get(ImportRun, run_id) if isinstance(run_id, int) else None
    valid = form.validate_on_submit() and run is not None and form.token.data == str(run.id)
    if not valid or run.status is not ImportStatus.checked:
        message = _("That upload has expired or was already imported; upload the file again.")
        flash(message, "warning")
        return redirect(url_for("transfer.import_page"))
    plan = Plan.load(run.kind, run.counts, b"")
    if plan.blocking(form.allow_duplicates.data):
        refused = ImportRefused.from_preview(plan, run.preview, form.allow_duplicates.data)
        return _preview(run, str(refused), 400)
    run.status, run.allow_duplicates = ImportStatus.queued, bool(form.allow_duplicates.data)
    jobs.enqueue_after_commit(db.session, import_jobs.JOB, run.id)
    db.session.commit()
    session.pop(SESSION_KEY, None)
    return redirect(url_for("transfer.import_run", run_id=run.id))


@bp.get("/coordinate/import/<int:run_id>")
@role_required(*STAFF)
def import_run(run_id: int):
    """An import's progress (refreshing itself until it is done) and its outcome."""
    require_unscoped()
    run = db.session.get(ImportRun, run_id) or abort(404)
    return render_template(
        "transfer/run.html", run=run, written=import_jobs.run_progress(run), kind_labels=KIND_LABELS
    )


@bp.get("/coordinate/import/template/<kind>.<fmt>")
@role_required(*STAFF)
def template(kind: str, fmt: str):
    """An empty import file: the header row with every column, the row's key first."""
    if kind not in IMPORT_KINDS or fmt not in exporting.IMPORT_FORMATS:
        abort(404)
    columns = IMPORT_COLUMNS[kind]
    name = f"{kind}-import-template.{fmt}"
    if fmt == "csv":
        body = ",".join(columns) + "\r\n"
        return Response(body, mimetype="text/csv", headers=_attachment(name))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(columns)
    notes = workbook.create_sheet("Columns")
    notes.append(["column", "required", "meaning"])
    for column in columns:
        required = "yes" if column in REQUIRED_COLUMNS[kind] else ""
        if column in ONE_OF_COLUMNS.get(kind, ()):
            required = "one of " + " or ".join(ONE_OF_COLUMNS[kind])
        notes.append([column, required, str(COLUMN_HELP[kind][column])])
    return _send_workbook(workbook.save, name)


@bp.get("/coordinate/export/<kind>.<fmt>")
@role_required(*STAFF)
def export(kind: str, fmt: str):
    """A list as CSV or JSON (streamed) or XLSX, with the list page's filters; every export is
    logged."""
    if kind not in queries.KINDS or fmt not in exporting.FORMATS:
        abort(404)
    contacts = request.args.get("include_contacts") in ("1", "true", "yes", "on")
    spec = queries.build_export(kind, request.args, contacts)
    details = {"format": fmt, "filters": spec.filters, "contacts": spec.include_contacts}
    record(db.session, "export", kind, details | {"rows": spec.count()})
    db.session.commit()
    name = f"{kind}-{utcnow():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        # The header goes out at once, without the database; the rows follow in chunks.
        rows = stream_with_context(exporting.csv_row_chunks(spec))
        chunks = chain([exporting.csv_header(spec)], rows)
        return Response(chunks, mimetype="text/csv", headers=_attachment(name))
    if fmt == "json":
        rows = stream_with_context(exporting.json_row_chunks(spec))
        chunks = chain([exporting.json_head(spec)], rows)
        return Response(chunks, mimetype="application/json", headers=_attachment(name))
    return _send_workbook(lambda fh: exporting.write_xlsx(spec, fh), name)


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def _send_workbook(save, name: str):
    """Save a workbook to an anonymous temporary file and send it (the file goes when closed)."""
    fh = tempfile.TemporaryFile()
    save(fh)
    fh.seek(0)
    response = send_file(fh, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response
