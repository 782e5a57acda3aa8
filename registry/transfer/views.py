"""Moving data in and out: exports of every list (CSV/XLSX) and imports of organisations,
commitments and progress reports (upload → dry run → confirm → one transaction)."""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from itertools import chain
from pathlib import Path, PurePath

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

from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.models import utcnow
from registry.policies import STAFF, role_required
from registry.transfer import exporting, operations, queries
from registry.transfer.columns import COLUMN_HELP, KIND_LABELS
from registry.transfer.forms import ImportConfirmForm, ImportUploadForm
from registry.transfer.importing.base import ImportRefused
from registry.transfer.importing.files import (
    IMPORT_COLUMNS,
    IMPORT_KINDS,
    ONE_OF_COLUMNS,
    REQUIRED_COLUMNS,
    load_import,
)

bp = Blueprint("transfer", __name__)

SESSION_KEY = "transfer_import"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_LIFETIME = 24 * 3600  # seconds an unconfirmed upload is kept
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _max_bytes() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep_upload(data: bytes, suffix: str) -> str:
    """Store an upload until it is confirmed; returns its random key (old ones are removed)."""
    folder = _upload_folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - UPLOAD_LIFETIME:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (folder / f"{token}{suffix}").write_bytes(data)
    return token


def _kept_upload(pending: dict) -> Path | None:
    token, suffix = pending.get("token", ""), pending.get("suffix", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token) or suffix not in (".csv", ".xlsx"):
        return None
    path = _upload_folder() / f"{token}{suffix}"
    return path if path.is_file() else None


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


def _preview(pending: dict, table, outcomes, error: str | None = None, status: int = 200):
    blocking = [o for o in outcomes if o.action == "error"]
    return (
        render_template(
            "transfer/preview.html",
            pending=pending,
            table=table,
            outcomes=outcomes,
            counts={a: sum(o.action == a for o in outcomes) for a in OUTCOME_ACTIONS},
            blocking=blocking,
            form=ImportConfirmForm(formdata=None, token=pending["token"]),
            error=error,
        ),
        status,
    )


OUTCOME_ACTIONS = ("create", "update", "skip", "duplicate", "error")


@bp.get("/coordinate/import")
@role_required(*STAFF)
def import_page():
    """The import form, the templates and their columns, and the export links."""
    return _import_page()


@bp.post("/coordinate/import")
@role_required(*STAFF)
def check_import():
    """Dry run: read the upload, show what importing each row would do; writes nothing."""
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
        table = load_import(form.kind.data, upload.filename, data)
        outcomes = operations.plan_import(table.kind, table.rows)
    except OperationError as exc:
        form.add_error(exc)
        return _import_page(form, 400)
    suffix = PurePath(upload.filename).suffix.lower()
    pending = {"token": _keep_upload(data, suffix), "suffix": suffix, "kind": table.kind}
    pending["filename"] = PurePath(upload.filename).name[:200]
    session[SESSION_KEY] = pending
    return _preview(pending, table, outcomes)


@bp.post("/coordinate/import/confirm")
@role_required(*STAFF)
def confirm_import():
    """Import the checked file: every row in one transaction, or nothing."""
    form, pending = ImportConfirmForm(), session.get(SESSION_KEY) or {}
    path = _kept_upload(pending) if form.validate_on_submit() else None
    if path is None or pending.get("token") != form.token.data:
        message = _("That upload has expired or was already imported; upload the file again.")
        flash(message, "warning")
        return redirect(url_for("transfer.import_page"))
    try:
        table = load_import(pending["kind"], path.name, path.read_bytes())
        counts = operations.apply_import(
            table.kind, table.rows, current_user._get_current_object(), form.allow_duplicates.data
        )
    except ImportRefused as exc:
        db.session.rollback()
        return _preview(pending, table, exc.outcomes, str(exc), 400)
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("transfer.import_page"))
    db.session.commit()
    return _imported(path, table.kind, counts)


def _imported(path: Path, kind: str, counts: dict):
    """After a confirmed import: forget the upload, say what was done, back to the page."""
    path.unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)
    message = _(
        "Imported %(kind)s: %(create)d created, %(update)d updated, %(skip)d unchanged.",
        kind=kind,
        **counts,
    )
    flash(message, "success")
    return redirect(url_for("transfer.import_page"))


@bp.get("/coordinate/import/template/<kind>.<fmt>")
@role_required(*STAFF)
def template(kind: str, fmt: str):
    """An empty import file: the header row with every column, the row's key first."""
    if kind not in IMPORT_KINDS or fmt not in exporting.FORMATS:
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
    """A list as CSV (streamed) or XLSX, with the list page's filters; every export is logged."""
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
