"""Writing an export as CSV, XLSX or JSON, streamed so that large lists fit in memory: one
cell's text (codes, ISO dates, `;`-joined lists) and the file formats. What each export holds is
in `transfer.queries`. Text cells that a spreadsheet would run as a formula are neutralised in
the two spreadsheet formats; JSON keeps values typed (numbers, true/false, lists, null) under
the same column names, for other systems to read.

Headers: every format names its columns with the import's codes (`stakeholder_type`), the
same in every language, so that a file imports again. An XLSX export, made for people, adds a
second header row with each column in words in the exporter's language ("Type d’acteur"),
which the import recognises and skips in any language; the About sheet is in that language
too. CSV keeps the one header line of codes (every CSV reader takes the first line for the
header); JSON keeps the codes and English notes for other systems.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from registry.models import utcnow
from registry.transfer.columns import COLUMN_LABELS
from registry.transfer.importing.files import FORMULA_PREFIXES
from registry.transfer.queries import CHUNK, Export

FORMATS = ("csv", "xlsx", "json")
#: The formats an import reads (and its templates come in).
IMPORT_FORMATS = ("csv", "xlsx")
INTERNAL_NOTICE = "Internal — not for distribution"


def neutralise(value):
    """Prefix text a spreadsheet would run as a formula with a quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell(value, fmt: str = "csv"):
    """One exported cell: codes for enums, `;`-joined lists, ISO dates, safe text."""
    if value is None:
        return "" if fmt == "csv" else None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.name.rstrip("_")  # GeographicLevel.global_ is "global" in files
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value if fmt == "xlsx" else value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(cell(v, "csv")) for v in value)
    value = str(value)
    if fmt == "xlsx":
        # Control characters make the workbook unreadable; text keeps everything else.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def csv_header(export: Export) -> str:
    """The CSV header line."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(export.columns)
    return buffer.getvalue()


def csv_row_chunks(export: Export) -> Iterator[str]:
    """The CSV rows, `CHUNK` rows per piece of text (for a streamed response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, values in enumerate(export.records(), start=1):
        writer.writerow([cell(v, "csv") for v in values])
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_chunks(export: Export) -> Iterator[str]:
    """The whole CSV, header first, a chunk at a time."""
    yield csv_header(export)
    yield from csv_row_chunks(export)


def write_csv(export: Export, fh) -> None:
    """Write the CSV to a text file opened with newline=''."""
    for chunk in csv_chunks(export):
        fh.write(chunk)


def column_label(column: str) -> str:
    """A column in words in the current language (its code when it has no label)."""
    label = COLUMN_LABELS.get(column)
    return str(label) if label is not None else column


def write_xlsx(export: Export, fh) -> None:
    """Write the XLSX (a write-only workbook, so rows never sit in memory) to a binary file:
    the codes, then the columns in words in the current language, then the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.kind)
    sheet.freeze_panes = "A3"  # both header rows stay in view
    sheet.append([_styled(sheet, column, Font(bold=True)) for column in export.columns])
    sheet.append(
        [_styled(sheet, column_label(column), Font(italic=True)) for column in export.columns]
    )
    for values in export.records():
        sheet.append([cell(v, "xlsx") for v in values])
    about = workbook.create_sheet(gettext("About"))
    about.append([gettext("Internal — not for distribution")])
    about.append([gettext("What is exported"), export.kind])
    about.append([gettext("Generated at (UTC)"), cell(utcnow())])
    yes_no = gettext("yes") if export.include_contacts else gettext("no")
    about.append([gettext("Contacts included"), yes_no])
    for key, value in sorted(export.filters.items()):
        about.append([gettext("Filter: %(name)s", name=key), cell(value, "xlsx")])
    about.append(
        [gettext("Row 1 holds the column codes the import reads; row 2, the columns in words.")]
    )
    workbook.save(fh)


def _styled(sheet, value: str, font: Font) -> WriteOnlyCell:
    header = WriteOnlyCell(sheet, value=value)
    header.font = font
    return header


def json_value(value):
    """One exported value in JSON: codes for enums, ISO dates, lists as arrays; typed."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, enum.Enum | datetime):
        return cell(value, "csv")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def json_head(export: Export) -> str:
    """The JSON document's start: what the export is, then the opening of its rows."""
    about = {
        "export": export.kind,
        "notice": INTERNAL_NOTICE,
        "generated_at": cell(utcnow()),
        "contacts_included": export.include_contacts,
        "filters": {k: json_value(v) for k, v in sorted(export.filters.items())},
        "columns": export.columns,
    }
    return json.dumps(about, ensure_ascii=False)[:-1] + ', "rows": ['


def json_row_chunks(export: Export) -> Iterator[str]:
    """The rows as objects keyed by the CSV's column names, `CHUNK` rows per piece of text,
    then the document's end."""
    pieces = []
    for n, values in enumerate(export.records(), start=1):
        row = dict(zip(export.columns, (json_value(v) for v in values), strict=True))
        pieces.append(("" if n == 1 else ",") + json.dumps(row, ensure_ascii=False))
        if n % CHUNK == 0:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces) + "]}"


def json_chunks(export: Export) -> Iterator[str]:
    """The whole JSON document, a piece at a time."""
    yield json_head(export)
    yield from json_row_chunks(export)


def write_json(export: Export, fh) -> None:
    """Write the JSON document to a text file."""
    for chunk in json_chunks(export):
        fh.write(chunk)
