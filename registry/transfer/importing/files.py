"""Import files: the columns of each kind, reading CSV/XLSX uploads, telling the kind apart."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import chain
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
        "pledged_on",
        "status_changed_on",
        "signature_submitted_on",
        "signature_accepted_on",
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
        "submitted_on",
        "verified_on",
    ],
}
REQUIRED_COLUMNS = {
    "organisations": ("external_ref", "name", "stakeholder_type"),
    "commitments": ("external_ref", "organisation_external_ref", "pledge", "title"),
    "progress": ("window", "status"),
}
#: Columns of which a file needs at least one (a progress row names its commitment either way).
ONE_OF_COLUMNS = {"progress": ("commitment_external_ref", "commitment_id")}
MAX_ROWS = 100_000
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
    if type(value) is str:  # every CSV cell: the quick way
        text = value.strip()
        if text[:1] == "'" and text[1:].startswith(FORMULA_PREFIXES):
            text = text[1:]
        return text
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


def _blank(values: list) -> bool:
    """A row with nothing in it (what `_cell_text` would make empty in every cell)."""
    for value in values:
        if value is None:
            continue
        if not isinstance(value, str) or value.strip() not in ("", "'"):
            return False
    return True


def _csv_rows(source) -> Iterator[list]:
    """The rows of a CSV file, read as they are needed (the delimiter is the first line's)."""
    not_utf8 = OperationError(
        gettext(
            "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and "
            "upload it again."
        ),
        field="file",
    )
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        first_line = text.readline()
        delimiter = max((",", ";", "\t"), key=first_line.count)
        yield from csv.reader(chain([first_line], text), delimiter=delimiter)
    except UnicodeDecodeError:
        raise not_utf8 from None
    except csv.Error as exc:
        raise OperationError(
            gettext("The file is not a readable CSV file (%(reason)s).", reason=str(exc)),
            field="file",
        ) from None


def _xlsx_rows(source) -> Iterator[list]:
    """The rows of the first sheet of a workbook, read as they are needed."""
    from openpyxl import load_workbook

    unreadable = OperationError(
        gettext("The file is not a readable .xlsx workbook. Save it again from your spreadsheet."),
        field="file",
    )
    if not zipfile.is_zipfile(source):
        raise unreadable
    _check_unpacked_size(source)
    source.seek(0)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        # The sheet's claimed size (e.g. A1:XFD1048576) is not believed: rows are read as
        # they are in the file, not padded out to 16,384 columns each.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:
                raise unreadable from None
            if len(values) > MAX_COLUMNS:
                raise _too_wide()
            yield list(values)
    finally:
        workbook.close()


def _too_wide() -> OperationError:
    return OperationError(
        gettext(
            "The sheet has more than %(n)d columns; keep only the import's columns.", n=MAX_COLUMNS
        ),
        field="file",
    )


def _check_unpacked_size(source) -> None:
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
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise too_large
    if any(m.file_size > MAX_RATIO * max(m.compress_size, 1024) for m in members):
        raise too_large


def _open(source):
    """A binary file object of its own for bytes or a path (closed with its reader)."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    return open(source, "rb")  # noqa: SIM115 - closed when the rows are read


def count_rows(filename: str, source) -> int | None:
    """About how many data rows the file has (for progress): counted for CSV, the sheet's size
    for XLSX; None when it cannot tell. Reads no cell values."""
    suffix = PurePath(filename or "").suffix.lower()
    fh = _open(source)
    try:
        if suffix == ".csv":
            return max(sum(1 for _ in _csv_rows(fh)) - 1, 0)
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(fh, read_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
    except Exception:  # a damaged file: reading it properly says what is wrong
        return None
    finally:
        fh.close()
    return None


def read_import_file(filename: str, source) -> ImportTable:
    """Open a .csv or .xlsx file (bytes or a path) for import: its header is
    read and checked now, its rows as they are iterated. Raises `OperationError` with a reason
    the user can act on, at once for the header and while reading for the rows."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OperationError(gettext("Upload a .csv or .xlsx file."), field="file")
    fh = _open(source)
    raw = (
        row for row in (_csv_rows(fh) if suffix == ".csv" else _xlsx_rows(fh)) if not _blank(row)
    )
    first = next(raw, None)
    if first is None:
        raise OperationError(gettext("The file is empty."), field="file")
    header = [_header_name(v) for v in first]
    known = {name for columns in IMPORT_COLUMNS.values() for name in columns}
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise OperationError(
            gettext("These columns appear twice: %(names)s.", names=", ".join(repeated)),
            field="file",
        )
    columns = [name for name in header if name in known]
    ignored = [name for name in header if name and name not in known]
    second = next(raw, None)
    if second is not None and is_label_row(header, second):
        start = 3  # an XLSX export's columns in words, in any language: not a data row
    else:
        raw, start = chain([second] if second is not None else [], raw), 2
    rows = _rows(raw, header, start)
    return ImportTable(guess_import_kind(columns), columns, ignored, rows, header)


def is_label_row(header: list[str], values: list) -> bool:
    """Whether `values` is the row of column names in words an XLSX export puts under its
    codes ("Type d’acteur" under stakeholder_type), in any of the registry's languages: every
    cell that has text is its column's label in one language, or its code."""
    from flask import current_app
    from flask_babel import force_locale

    from registry.transfer.columns import COLUMN_LABELS

    cells = [
        (name, _cell_text(values[i] if i < len(values) else None).casefold())
        for i, name in enumerate(header)
        if name
    ]
    if not any(text for _, text in cells):
        return False
    names = {name for name, text in cells if text}
    labels: dict[str, set[str]] = {name: {name} for name in names}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            for name in names:
                if name in COLUMN_LABELS:
                    labels[name].add(str(COLUMN_LABELS[name]).casefold())
    return all(text in labels[name] for name, text in cells if text)


def _rows(raw: Iterator[list], header: list[str], start: int = 2) -> Iterator[ImportRow]:
    """The data rows as `ImportRow`s, numbered as a spreadsheet shows them (from `start`);
    more than `MAX_ROWS` is refused (before anything is written: rows are all read to plan)."""
    wanted = [(i, name) for i, name in enumerate(header) if name]
    for number, values in enumerate(raw, start=start):
        if number - start + 1 > MAX_ROWS:
            raise OperationError(
                gettext(
                    "The file has more than %(n)d rows; split it into smaller files.", n=MAX_ROWS
                ),
                field="file",
            )
        cells = {name: _cell_text(values[i] if i < len(values) else None) for i, name in wanted}
        if any(cells.values()):
            yield ImportRow(number, cells)


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


def load_import(kind: str | None, filename: str, source) -> ImportTable:
    """Open an upload (bytes or a path) and check it has the columns `kind`
    needs (guessed when None); its rows are read as they are iterated."""
    table = read_import_file(filename, source)
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
    table.rows = _only(table.rows, set(wanted), table.header)
    table.kind = kind
    table.total = count_rows(filename, source)
    return table


def _only(rows: Iterable[ImportRow], wanted: set[str], header: list[str]) -> Iterator[ImportRow]:
    if all(name in wanted for name in header if name):
        yield from rows  # the template's columns only (the usual case): nothing to leave out
        return
    for row in rows:
        row.values = {name: value for name, value in row.values.items() if name in wanted}
        yield row


def missing_columns(kind: str, columns: Iterable[str]) -> list[str]:
    """The required columns of `kind` absent from `columns` (“a or b” when either will do)."""
    columns = set(columns)
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in columns]
    either = ONE_OF_COLUMNS.get(kind)
    if either and not columns & set(either):
        first, second = either
        missing.insert(0, gettext("%(first)s or %(second)s", first=first, second=second))
    return missing
