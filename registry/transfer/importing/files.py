"""Import files: the columns of each kind, reading CSV/XLSX uploads, telling the kind apart."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import PurePath

from flask_babel import gettext

from registry.errors import OperationError

from .base import ImportRow, ImportTable

IMPORT_KINDS = ("organisations", "commitments", "progress")
IMPORT_COLUMNS = {
    "organisations": [
        "external_ref",
        "name",
        "acronym",
        "stakeholder_type",
        "country",
        "website",
        "is_refugee_led",
        "visibility",
        "description",
    ],
    "commitments": [
        "external_ref",
        "organisation_external_ref",
        "pledge",
        "title",
        "description",
        "key_outcome",
        "status",
        "geographic_level",
        "countries",
        "risks",
        "action_areas",
        "target_populations",
        "languages",
        "start_date",
        "target_date",
        "indicator_text",
        "indicator_unit",
        "indicator_baseline",
        "indicator_target",
        "signature_status",
    ],
    "progress": [
        "commitment_external_ref",
        "commitment_id",
        "window",
        "status",
        "progress_percent",
        "actual_value",
        "achievements",
        "challenges",
        "next_steps",
        "evidence_links",
        "review_state",
    ],
}
REQUIRED_COLUMNS = {
    "organisations": ("external_ref", "name", "stakeholder_type"),
    "commitments": ("external_ref", "organisation_external_ref", "pledge", "title"),
    "progress": ("window", "status"),
}
#: Columns of which a file needs at least one (a progress row names its commitment either way).
ONE_OF_COLUMNS = {"progress": ("commitment_external_ref", "commitment_id")}
MAX_ROWS = 20_000
MAX_COLUMNS = 200
#: What an .xlsx upload may unpack to, checked in its zip directory before anything is parsed
#: (zipfile never inflates a member past its declared size: a lie there is a damaged file).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 1_000
#: Spreadsheet XML compresses about 5 to 20 times; a zip bomb, thousands of times.
MAX_RATIO = 200
#: A cell starting with one of these is run as a formula (or DDE) by spreadsheet programs: the
#: exports prefix such text with a quote, which the import takes off again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _header_name(value) -> str:
    text = re.sub(r"\s*\(.*\)\s*$", "", str(value or "").strip())
    return re.sub(r"[\s\-]+", "_", text.lower())


def _cell_text(value) -> str:
    """A cell as text: XLSX numbers and dates come back as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    # Undo the export's quote before a formula character, so an export imports unchanged.
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def _csv_rows(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OperationError(
            gettext(
                "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and "
                "upload it again."
            ),
            field="file",
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise OperationError(
            gettext("The file is not a readable CSV file (%(reason)s).", reason=str(exc)),
            field="file",
        ) from None


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    unreadable = OperationError(
        gettext("The file is not a readable .xlsx workbook. Save it again from your spreadsheet."),
        field="file",
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise unreadable
    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        # The sheet's claimed size (e.g. A1:XFD1048576) is not believed: rows are read as
        # they are in the file, not padded out to 16,384 columns each.
        sheet.reset_dimensions()
        rows = []
        for values in sheet.iter_rows(values_only=True):
            if len(values) > MAX_COLUMNS:
                raise _too_wide()
            rows.append(list(values))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except OperationError:
        raise
    except Exception:
        raise unreadable from None
    finally:
        workbook.close()


def _too_wide() -> OperationError:
    return OperationError(
        gettext(
            "The sheet has more than %(n)d columns; keep only the import's columns.", n=MAX_COLUMNS
        ),
        field="file",
    )


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook that would unpack to far more than any import needs (a zip bomb),
    from its zip directory alone."""
    too_large = OperationError(
        gettext(
            "The workbook unpacks to more than %(mb)d MB, more than any import needs. Save only "
            "the sheet to import, or split it into smaller files.",
            mb=MAX_UNPACKED_BYTES // (1024 * 1024),
        ),
        field="file",
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise too_large
    if any(m.file_size > MAX_RATIO * max(m.compress_size, 1024) for m in members):
        raise too_large


def read_import_file(filename: str, data: bytes) -> ImportTable:
    """Read a .csv or .xlsx upload; raises `OperationError` with a reason the user can act on."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".csv":
        raw = _csv_rows(data)
    elif suffix == ".xlsx":
        raw = _xlsx_rows(data)
    else:
        raise OperationError(gettext("Upload a .csv or .xlsx file."), field="file")
    raw = [row for row in raw if any(_cell_text(v) for v in row)]
    if not raw:
        raise OperationError(gettext("The file is empty."), field="file")
    if len(raw) > MAX_ROWS + 1:
        raise OperationError(
            gettext("The file has more than %(n)d rows; split it into smaller files.", n=MAX_ROWS),
            field="file",
        )
    header = [_header_name(v) for v in raw[0]]
    known = {name for columns in IMPORT_COLUMNS.values() for name in columns}
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise OperationError(
            gettext("These columns appear twice: %(names)s.", names=", ".join(repeated)),
            field="file",
        )
    columns = [name for name in header if name in known]
    ignored = [name for name in header if name and name not in known]
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        cells = {
            name: _cell_text(values[i] if i < len(values) else None)
            for i, name in enumerate(header)
            if name in known
        }
        if any(cells.values()):
            rows.append(ImportRow(number, cells))
    return ImportTable(guess_import_kind(columns), columns, ignored, rows, header)


def guess_import_kind(columns: Iterable[str]) -> str | None:
    """organisations, commitments or progress, from the header; None when it fits none."""
    columns = set(columns)
    if columns & set(ONE_OF_COLUMNS["progress"]) and "window" in columns:
        return "progress"
    if "organisation_external_ref" in columns:
        return "commitments"
    if {"name", "stakeholder_type"} & columns:
        return "organisations"
    return None


def load_import(kind: str | None, filename: str, data: bytes) -> ImportTable:
    """Read an upload and check it has the columns `kind` needs (guessed when None)."""
    table = read_import_file(filename, data)
    kind = kind or table.kind
    if kind not in IMPORT_KINDS:
        raise OperationError(
            gettext(
                "Cannot tell what the file holds: its header has none of the organisation, "
                "commitment or progress columns. Start from a template."
            ),
            field="file",
        )
    missing = missing_columns(kind, table.columns)
    if missing:
        raise OperationError(
            gettext(
                "The file lacks the column(s) %(names)s that %(kind)s need. "
                "The first row must be the header of the template.",
                names=", ".join(missing),
                kind=kind,
            ),
            field="file",
        )
    # Keep only the kind's columns: the others are reported as not imported.
    wanted = IMPORT_COLUMNS[kind]
    table.columns = [name for name in table.columns if name in wanted]
    table.ignored = [name for name in table.header if name and name not in wanted]
    for row in table.rows:
        row.values = {name: value for name, value in row.values.items() if name in wanted}
    table.kind = kind
    return table


def missing_columns(kind: str, columns: Iterable[str]) -> list[str]:
    """The required columns of `kind` absent from `columns` (“a or b” when either will do)."""
    columns = set(columns)
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in columns]
    either = ONE_OF_COLUMNS.get(kind)
    if either and not columns & set(either):
        first, second = either
        missing.insert(0, gettext("%(first)s or %(second)s", first=first, second=second))
    return missing
