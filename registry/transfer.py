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
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook

from registry import exporting, operations
from registry.audit import record
from registry.extensions import db
from registry.forms.transfer import ImportConfirmForm, ImportUploadForm
from registry.models import utcnow
from registry.operations.transfer import (
    IMPORT_COLUMNS,
    IMPORT_KINDS,
    ONE_OF_COLUMNS,
    REQUIRED_COLUMNS,
)
from registry.policies import STAFF, role_required

bp = Blueprint("transfer", __name__)

SESSION_KEY = "transfer_import"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_LIFETIME = 24 * 3600  # seconds an unconfirmed upload is kept
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {
    "organisations": _l("Organisations"),
    "commitments": _l("Commitments"),
    "progress": _l("Progress reports"),
}

#: What each import column holds; the template page and the XLSX templates show this.
COLUMN_HELP = {
    "organisations": {
        "external_ref": _l(
            "Your unique key for the organisation (required); rows are matched on it."
        ),
        "name": _l("Full name (required)."),
        "acronym": _l("Short name, up to 40 characters."),
        "stakeholder_type": _l("Type code (required), e.g. national_ngo, technology_company."),
        "country": _l("ISO 3166 alpha-3 code, e.g. KEN; the UNHCR region follows from it."),
        "website": _l("Address starting with http:// or https://."),
        "is_refugee_led": _l("yes or no (refugee-led organisation types are always yes)."),
        "visibility": _l(
            "public, anonymised or hidden; blank: refugee-led ones anonymised, others public "
            "(an existing organisation keeps its visibility)."
        ),
        "description": _l("Free text."),
    },
    "commitments": {
        "external_ref": _l(
            "Your unique key for the commitment (required); rows are matched on it."
        ),
        "organisation_external_ref": _l(
            "external_ref of an organisation already in the registry (required)."
        ),
        "pledge": _l("The pledge's slug (required), e.g. digital-protection."),
        "title": _l("Up to 300 characters (required)."),
        "description": _l("Free text."),
        "key_outcome": _l("Number of the pledge's key outcome, 1 to n."),
        "status": _l("planning, in_progress, fulfilled or discontinued (blank: planning)."),
        "geographic_level": _l("global, regional, national or local."),
        "countries": _l("ISO alpha-3 codes separated by ;"),
        "risks": _l("Risk codes separated by ;, e.g. hate_speech; misinformation"),
        "action_areas": _l("Action area codes separated by ;"),
        "target_populations": _l("Target population codes separated by ;"),
        "languages": _l("Languages separated by ;"),
        "start_date": _l("YYYY-MM-DD"),
        "target_date": _l("YYYY-MM-DD, not before the start date."),
        "indicator_text": _l("What is measured."),
        "indicator_unit": _l("Unit of the indicator."),
        "indicator_baseline": _l("A number."),
        "indicator_target": _l("A number."),
        "signature_status": _l(
            "Status of the organisation's signature when the import creates it: draft "
            "(blank), submitted or accepted. An existing signature is never changed."
        ),
    },
    "progress": {
        "commitment_external_ref": _l(
            "external_ref of the commitment reported on (this or commitment_id is required)."
        ),
        "commitment_id": _l("The commitment's id in the registry, instead of its external_ref."),
        "window": _l(
            "Label or id of a progress window of the commitment's pledge (required), "
            "e.g. HLOM 2025 review."
        ),
        "status": _l("planning, in_progress, fulfilled or discontinued (required)."),
        "progress_percent": _l(
            "Whole number from 0 to 100; blank means not reported (which is not 0 %). "
            "fulfilled needs 100 or blank."
        ),
        "actual_value": _l("The indicator's value reached, a number."),
        "achievements": _l("Free text, up to 5000 characters."),
        "challenges": _l("Free text, up to 5000 characters."),
        "next_steps": _l("Free text, up to 5000 characters."),
        "evidence_links": _l(
            "Up to 10 addresses starting with http:// or https://, separated by ;"
        ),
        "review_state": _l(
            "submitted (blank) or verified; verified updates set the commitment's status and "
            "progress, and can no longer be changed."
        ),
    },
}


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
            kinds=exporting.KINDS,
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
            raise operations.OperationError(
                _("The file is larger than %(mb)g MB; split it.", mb=limit / 1024 / 1024),
                field="file",
            )
        table = operations.load_import(form.kind.data, upload.filename, data)
        outcomes = operations.plan_import(table.kind, table.rows)
    except operations.OperationError as exc:
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
        flash(
            _("That upload has expired or was already imported; upload the file again."), "warning"
        )
        return redirect(url_for("transfer.import_page"))
    try:
        table = operations.load_import(pending["kind"], path.name, path.read_bytes())
        counts = operations.apply_import(
            table.kind, table.rows, current_user._get_current_object(), form.allow_duplicates.data
        )
    except operations.ImportRefused as exc:
        db.session.rollback()
        return _preview(pending, table, exc.outcomes, str(exc), 400)
    except operations.OperationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("transfer.import_page"))
    db.session.commit()
    path.unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)
    message = _(
        "Imported %(kind)s: %(create)d created, %(update)d updated, %(skip)d unchanged.",
        kind=table.kind,
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
    if kind not in exporting.KINDS or fmt not in exporting.FORMATS:
        abort(404)
    contacts = request.args.get("include_contacts") in ("1", "true", "yes", "on")
    spec = exporting.build_export(kind, request.args, contacts)
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
