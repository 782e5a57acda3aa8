"""Importing organisations and commitments from CSV or XLSX files.

An import is read (`load_import`), planned (`plan_import`: every row validated, nothing written)
and applied (`apply_import`: all rows in the caller's one transaction, or none). Rows are keyed by
`external_ref`, so importing the same file twice changes nothing the second time. Row numbers are
those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.geo import is_country
from registry.models import (
    Commitment,
    CommitmentStatus,
    GeographicLevel,
    InvalidTransition,
    Organisation,
    Pledge,
    Signature,
    StakeholderType,
    User,
    Visibility,
    VocabularyKind,
    VocabularyTerm,
    utcnow,
)

from .accounts import create_organisation
from .base import OperationError
from .membership import find_similar_organisations, normalise_name, website_domain

__all__ = [
    "IMPORT_COLUMNS",
    "IMPORT_KINDS",
    "REQUIRED_COLUMNS",
    "ImportRefused",
    "ImportRow",
    "ImportTable",
    "RowOutcome",
    "apply_import",
    "guess_import_kind",
    "load_import",
    "plan_import",
    "read_import_file",
]

IMPORT_KINDS = ("organisations", "commitments")
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
}
REQUIRED_COLUMNS = {
    "organisations": ("external_ref", "name", "stakeholder_type"),
    "commitments": ("external_ref", "organisation_external_ref", "pledge", "title"),
}
#: Signature statuses an import may give a signature it creates (older data was often accepted).
IMPORT_SIGNATURE_STATUSES = ("draft", "submitted", "accepted")
MAX_ROWS = 20_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportRow:
    """One data row: its number in the spreadsheet and its cells by column name."""

    number: int
    values: dict[str, str]


@dataclass
class ImportTable:
    """A file read for import: its recognised columns, the ones ignored, its rows."""

    kind: str | None
    columns: list[str]
    ignored: list[str]
    rows: list[ImportRow]


@dataclass
class RowOutcome:
    """What importing one row does: create, update, skip (unchanged), duplicate or error."""

    row: int
    external_ref: str | None
    action: str
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict, repr=False)
    target: object | None = field(default=None, repr=False)

    @property
    def details(self) -> str:
        """One line saying why: the errors with their columns, changes or probable twins."""
        if self.errors:
            return "; ".join(f"{col}: {msg}" if col else msg for col, msg in self.errors)
        if self.duplicates:
            return gettext("probably the same as %(others)s", others="; ".join(self.duplicates))
        if self.changes:
            return gettext("changes %(columns)s", columns=", ".join(self.changes))
        return ""

    def describe(self) -> str:
        """`row N (ref): action — details` for the shell and error messages."""
        ref = f" ({self.external_ref})" if self.external_ref else ""
        details = f" — {self.details}" if self.details else ""
        return f"row {self.row}{ref}: {self.action}{details}"


class ImportRefused(OperationError):
    """Nothing was imported because some rows have errors; `outcomes` holds every row."""

    def __init__(self, outcomes: list[RowOutcome], allow_duplicates: bool = False):
        self.outcomes = outcomes
        bad = [o for o in outcomes if _blocks(o, allow_duplicates)]
        shown = "; ".join(o.describe() for o in bad[:5])
        more = gettext(" (and %(n)d more)", n=len(bad) - 5) if len(bad) > 5 else ""
        super().__init__(
            gettext("Nothing was imported: %(n)d row(s) need fixing: ", n=len(bad)) + shown + more
        )


class _CellError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


# Reading files ------------------------------------------------------------------------------


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
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = []
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                rows.append(list(values))
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        finally:
            workbook.close()
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise unreadable from None


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
    known = set(IMPORT_COLUMNS["organisations"]) | set(IMPORT_COLUMNS["commitments"])
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
    return ImportTable(guess_import_kind(columns), columns, ignored, rows)


def guess_import_kind(columns: Iterable[str]) -> str | None:
    """organisations or commitments, from the header; None when it fits neither."""
    columns = set(columns)
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
                "Cannot tell what the file holds: its header has neither the organisation nor "
                "the commitment columns. Start from a template."
            ),
            field="file",
        )
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in table.columns]
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
    table.kind = kind
    return table


# Cell parsers: each returns the value or raises _CellError ---------------------------------


def _text(column: str, raw: str, max_length: int | None = None, required: bool = False):
    if not raw:
        if required:
            raise _CellError(column, gettext("is required"))
        return None
    if max_length and len(raw) > max_length:
        raise _CellError(column, gettext("is longer than %(n)d characters", n=max_length))
    return raw


def _choice(column: str, raw: str, enum_cls, required: bool = False):
    if not raw:
        if required:
            raise _CellError(column, gettext("is required"))
        return None
    wanted = raw.strip().lower().replace(" ", "_")
    for member in enum_cls:
        if (
            wanted in (member.name, member.name.rstrip("_"))
            or raw.casefold() == str(member.value).casefold()
        ):
            return member
    names = ", ".join(m.name.rstrip("_") for m in enum_cls)
    raise _CellError(column, gettext("“%(value)s” is not one of %(names)s", value=raw, names=names))


def _boolean(column: str, raw: str) -> bool | None:
    value = raw.lower()
    if not value:
        return None
    if value in ("yes", "y", "true", "1", "x"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise _CellError(column, gettext("“%(value)s” is not yes or no", value=raw))


def _country(column: str, raw: str) -> str | None:
    if not raw:
        return None
    if not is_country(raw):
        raise _CellError(
            column, gettext("“%(value)s” is not an ISO 3166 alpha-3 country code", value=raw)
        )
    return raw.upper()


def _url(column: str, raw: str) -> str | None:
    if not raw:
        return None
    if not re.match(r"^https?://[^\s/]+", raw, re.IGNORECASE) or len(raw) > 500:
        raise _CellError(column, gettext("enter a web address starting with http:// or https://"))
    return raw


def _whole_number(column: str, raw: str) -> int | None:
    value = _number(column, raw)
    if value is not None and not value.is_integer():
        raise _CellError(column, gettext("“%(value)s” is not a whole number", value=raw))
    return None if value is None else int(value)


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(";") if part.strip()]


def _date(column: str, raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10] if re.match(r"^\d{4}-\d\d-\d\d", raw) else raw)
    except ValueError:
        raise _CellError(
            column, gettext("“%(value)s” is not a date like 2026-12-31", value=raw)
        ) from None


def _number(column: str, raw: str) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise _CellError(column, gettext("“%(value)s” is not a number", value=raw)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _CellError(column, gettext("“%(value)s” is not a number", value=raw))
    return value


def _parse(values: dict, parsers: dict, errors: list) -> dict:
    """Parse the columns present in the row; absent columns are left out (left unchanged)."""
    parsed = {}
    for column, parser in parsers.items():
        if column not in values:
            continue
        try:
            parsed[column] = parser(column, values[column])
        except _CellError as exc:
            errors.append((exc.column, str(exc)))
    return parsed


def _check_ref(ref: str, row: int, seen: dict, errors: list) -> None:
    if not ref:
        errors.append(("external_ref", gettext("is required")))
    elif len(ref) > 100:
        errors.append(("external_ref", gettext("is longer than %(n)d characters", n=100)))
    elif ref in seen:
        errors.append(("external_ref", gettext("is also on row %(n)d", n=seen[ref])))
    else:
        seen[ref] = row


def _by_refs(model, refs: set[str], *options) -> dict:
    """Records of `model` keyed by external_ref, looked up in chunks."""
    found, refs = {}, sorted(r for r in refs if r)
    for start in range(0, len(refs), 500):
        query = select(model).where(model.external_ref.in_(refs[start : start + 500]))
        for obj in db.session.scalars(query.options(*options)):
            found[obj.external_ref] = obj
    return found


def _rows(rows) -> list[ImportRow]:
    return [
        row if isinstance(row, ImportRow) else ImportRow(number, dict(row))
        for number, row in enumerate(rows, start=2)
    ]


# Organisations ------------------------------------------------------------------------------

ORGANISATION_PARSERS = {
    "name": lambda c, v: _text(c, v, 300, required=True),
    "acronym": lambda c, v: _text(c, v, 40),
    "stakeholder_type": lambda c, v: _choice(c, v, StakeholderType, required=True),
    "country": _country,
    "website": _url,
    "is_refugee_led": _boolean,
    "visibility": lambda c, v: _choice(c, v, Visibility),
    "description": lambda c, v: _text(c, v),
}


def _organisation_changes(organisation: Organisation, parsed: dict) -> list[str]:
    kind = parsed.get("stakeholder_type") or organisation.stakeholder_type
    changed = []
    for column, value in parsed.items():
        current = getattr(organisation, column)
        if column == "is_refugee_led":
            value = bool(value) or kind is StakeholderType.refugee_led_organisation
        elif column == "visibility" and value is None:
            continue  # blank: unchanged
        if (value or None) != (current or None):
            changed.append(column)
    if "is_refugee_led" not in parsed and kind is StakeholderType.refugee_led_organisation:
        if not organisation.is_refugee_led:
            changed.append("is_refugee_led")
    return changed


def _plan_organisations(rows: list[ImportRow]) -> list[RowOutcome]:
    existing = _by_refs(Organisation, {r.values.get("external_ref", "") for r in rows})
    seen_refs: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    seen_sites: dict[str, int] = {}
    outcomes = []
    for row in rows:
        errors: list = []
        ref = row.values.get("external_ref", "")
        _check_ref(ref, row.number, seen_refs, errors)
        parsed = _parse(row.values, ORGANISATION_PARSERS, errors)
        outcome = RowOutcome(row.number, ref or None, "error", errors, values=parsed)
        outcomes.append(outcome)
        if errors:
            continue
        organisation = existing.get(ref)
        if organisation is not None:
            outcome.target = organisation
            outcome.changes = _organisation_changes(organisation, parsed)
            outcome.action = "update" if outcome.changes else "skip"
            continue
        outcome.action = "create"
        name, site = normalise_name(parsed["name"]), website_domain(parsed.get("website"))
        for other in find_similar_organisations(parsed["name"], parsed.get("website")):
            ref_text = other.external_ref or gettext("no external_ref")
            outcome.duplicates.append(f"#{other.id} {other.name} ({ref_text})")
        for key, seen, label in ((name, seen_names, "name"), (site, seen_sites, "website")):
            if key and key in seen:
                outcome.duplicates.append(
                    gettext("row %(n)d (same %(what)s)", n=seen[key], what=label)
                )
            elif key:
                seen[key] = row.number
        if outcome.duplicates:
            outcome.action = "duplicate"
    return outcomes


def _write_organisation(outcome: RowOutcome) -> None:
    parsed = outcome.values
    if outcome.target is None:
        fields = {k: v for k, v in parsed.items() if k not in ("is_refugee_led", "visibility")}
        create_organisation(
            external_ref=outcome.external_ref,
            is_refugee_led=bool(parsed.get("is_refugee_led")),
            visibility=parsed.get("visibility"),
            **fields,
        )
        return
    organisation = outcome.target
    for column, value in parsed.items():
        if column == "visibility" and value is None:
            continue
        if column == "is_refugee_led":
            value = bool(value)
        setattr(organisation, column, value)


# Commitments --------------------------------------------------------------------------------

TERM_COLUMNS = {
    "risks": VocabularyKind.risk,
    "action_areas": VocabularyKind.action_area,
    "target_populations": VocabularyKind.target_population,
}


def _list_of(parser):
    def parse(column: str, raw: str) -> list:
        return [parser(column, part) for part in _split(raw)]

    return parse


COMMITMENT_PARSERS = {
    "title": lambda c, v: _text(c, v, 300, required=True),
    "description": lambda c, v: v or "",
    "key_outcome": lambda c, v: _whole_number(c, v),
    "status": lambda c, v: _choice(c, v, CommitmentStatus),
    "geographic_level": lambda c, v: _choice(c, v, GeographicLevel),
    "countries": _list_of(_country),
    "risks": lambda c, v: _split(v.lower()),
    "action_areas": lambda c, v: _split(v.lower()),
    "target_populations": lambda c, v: _split(v.lower()),
    "languages": lambda c, v: _split(v),
    "start_date": _date,
    "target_date": _date,
    "indicator_text": lambda c, v: _text(c, v),
    "indicator_unit": lambda c, v: _text(c, v, 100),
    "indicator_baseline": _number,
    "indicator_target": _number,
    "signature_status": lambda c, v: v.lower() or None,
}


class _CommitmentContext:
    """Everything commitment rows refer to, loaded in a few statements."""

    def __init__(self, rows: list[ImportRow]):
        self.organisations = _by_refs(
            Organisation, {r.values.get("organisation_external_ref", "") for r in rows}
        )
        self.commitments = _by_refs(
            Commitment,
            {r.values.get("external_ref", "") for r in rows},
            selectinload(Commitment.signature).selectinload(Signature.organisation),
            selectinload(Commitment.signature).selectinload(Signature.pledge),
            selectinload(Commitment.risks),
            selectinload(Commitment.action_areas),
            selectinload(Commitment.target_populations),
            selectinload(Commitment.country_links),
        )
        self.pledges = {
            p.slug: p
            for p in db.session.scalars(select(Pledge).options(selectinload(Pledge.key_outcomes)))
        }
        self.terms = {
            (t.kind, t.code.lower()): t for t in db.session.scalars(select(VocabularyTerm))
        }
        org_ids = [o.id for o in self.organisations.values()]
        self.signatures = {
            (s.pledge_id, s.organisation_id): s
            for s in db.session.scalars(
                select(Signature).where(Signature.organisation_id.in_(org_ids or [0]))
            )
        }
        # Signatures this import will create: (pledge id, organisation id) -> (status, row)
        self.new_signatures: dict[tuple[int, int], tuple[str, int]] = {}


def _resolve_commitment(row: ImportRow, parsed: dict, ctx: _CommitmentContext, errors: list):
    """Check references (organisation, pledge, key outcome, terms); returns (org, pledge)."""
    org_ref = row.values.get("organisation_external_ref", "")
    organisation = ctx.organisations.get(org_ref)
    if not org_ref:
        errors.append(("organisation_external_ref", gettext("is required")))
    elif organisation is None:
        errors.append(
            (
                "organisation_external_ref",
                gettext(
                    "no organisation has the external_ref “%(ref)s” (import organisations first)",
                    ref=org_ref,
                ),
            )
        )
    slug = row.values.get("pledge", "")
    pledge = ctx.pledges.get(slug)
    if not slug:
        errors.append(("pledge", gettext("is required")))
    elif pledge is None:
        errors.append(("pledge", gettext("no pledge has the slug “%(slug)s”", slug=slug)))
    number = parsed.get("key_outcome")
    if pledge is not None and number is not None:
        if not 1 <= number <= len(pledge.key_outcomes):
            errors.append(
                (
                    "key_outcome",
                    gettext(
                        "choose 1 to %(n)d (the pledge's key outcomes)", n=len(pledge.key_outcomes)
                    ),
                )
            )
        else:
            parsed["key_outcome_id"] = pledge.key_outcomes[number - 1].id
    if "key_outcome" in parsed:
        parsed.setdefault("key_outcome_id", None)
        del parsed["key_outcome"]
    for column, kind in TERM_COLUMNS.items():
        if column not in parsed:
            continue
        unknown = [code for code in parsed[column] if (kind, code) not in ctx.terms]
        if unknown:
            valid = sorted(code for k, code in ctx.terms if k is kind)
            errors.append(
                (
                    column,
                    gettext(
                        "unknown code(s) %(codes)s; use %(valid)s",
                        codes=", ".join(unknown),
                        valid=", ".join(valid),
                    ),
                )
            )
        else:
            parsed[column] = [ctx.terms[(kind, code)] for code in dict.fromkeys(parsed[column])]
    if "countries" in parsed:
        parsed["countries"] = list(dict.fromkeys(parsed["countries"]))
    start, target = parsed.get("start_date"), parsed.get("target_date")
    if start and target and target < start:
        errors.append(("target_date", gettext("is before the start date")))
    status = parsed.get("signature_status")
    if status is not None and status not in IMPORT_SIGNATURE_STATUSES:
        errors.append(
            (
                "signature_status",
                gettext(
                    "“%(value)s” is not one of %(names)s",
                    value=status,
                    names=", ".join(IMPORT_SIGNATURE_STATUSES),
                ),
            )
        )
    return organisation, pledge


def _check_signature(row, parsed, organisation, pledge, ctx, errors) -> None:
    """The row's signature exists with a compatible status, or the import will create it."""
    key = (pledge.id, organisation.id)
    wanted = parsed.get("signature_status")
    signature = ctx.signatures.get(key)
    if signature is not None:
        if wanted and wanted != signature.status.name:
            errors.append(
                (
                    "signature_status",
                    gettext(
                        "the organisation's signature is already %(status)s; an import does not "
                        "change it",
                        status=signature.status.name,
                    ),
                )
            )
        return
    planned = ctx.new_signatures.get(key)
    wanted = wanted or "draft"
    if planned and planned[0] != wanted:
        errors.append(
            (
                "signature_status",
                gettext(
                    "row %(n)d gives this signature the status %(s)s", n=planned[1], s=planned[0]
                ),
            )
        )
    elif not planned:
        ctx.new_signatures[key] = (wanted, row.number)


def _commitment_changes(commitment: Commitment, parsed: dict) -> list[str]:
    changed = []
    for column, value in parsed.items():
        if column == "signature_status":
            continue
        if column in TERM_COLUMNS:
            same = {t.id for t in value} == {t.id for t in getattr(commitment, column)}
        elif column == "countries":
            same = sorted(value) == sorted(commitment.countries)
        elif column == "languages":
            same = value == list(commitment.languages or [])
        elif column == "status" and value is None:
            same = True  # blank: unchanged
        else:
            same = value == getattr(commitment, column)
        if not same:
            changed.append("key_outcome" if column == "key_outcome_id" else column)
    return changed


def _plan_commitments(rows: list[ImportRow]) -> list[RowOutcome]:
    ctx = _CommitmentContext(rows)
    seen_refs: dict[str, int] = {}
    outcomes = []
    for row in rows:
        errors: list = []
        ref = row.values.get("external_ref", "")
        _check_ref(ref, row.number, seen_refs, errors)
        parsed = _parse(row.values, COMMITMENT_PARSERS, errors)
        organisation, pledge = _resolve_commitment(row, parsed, ctx, errors)
        outcome = RowOutcome(row.number, ref or None, "error", errors, values=parsed)
        outcomes.append(outcome)
        if organisation is None or pledge is None:
            continue
        commitment = ctx.commitments.get(ref)
        if commitment is not None:
            signature = commitment.signature
            if (signature.organisation_id, signature.pledge_id) != (organisation.id, pledge.id):
                errors.append(
                    (
                        "organisation_external_ref",
                        gettext(
                            "this commitment belongs to %(org)s on %(pledge)s; an import cannot "
                            "move it",
                            org=signature.organisation.external_ref or signature.organisation.name,
                            pledge=signature.pledge.slug,
                        ),
                    )
                )
            status = parsed.get("status")
            if status is not None and status is not commitment.status:
                if (commitment.status, status) not in Commitment.TRANSITIONS:
                    errors.append(
                        (
                            "status",
                            gettext(
                                "cannot go from %(old)s to %(new)s",
                                old=commitment.status.name,
                                new=status.name,
                            ),
                        )
                    )
            wanted = parsed.get("signature_status")
            if wanted and wanted != signature.status.name:
                errors.append(
                    (
                        "signature_status",
                        gettext(
                            "the organisation's signature is already %(status)s; an import "
                            "does not change it",
                            status=signature.status.name,
                        ),
                    )
                )
            if errors:
                continue
            outcome.target = commitment
            outcome.changes = _commitment_changes(commitment, parsed)
            outcome.action = "update" if outcome.changes else "skip"
            continue
        _check_signature(row, parsed, organisation, pledge, ctx, errors)
        if not errors:
            outcome.action = "create"
            outcome.target = (organisation, pledge)
    return outcomes


def _signature_for(organisation, pledge, status: str, by, cache: dict) -> Signature:
    key = (pledge.id, organisation.id)
    if key not in cache:
        signature = db.session.scalar(
            select(Signature).where(
                Signature.pledge_id == pledge.id, Signature.organisation_id == organisation.id
            )
        )
        if signature is None:
            now = utcnow()
            signature = Signature(pledge=pledge, organisation=organisation)
            db.session.add(signature)
            if status in ("submitted", "accepted"):
                signature.submit(by, now)
            if status == "accepted":
                signature.accept(by, now)
        cache[key] = signature
    return cache[key]


def _write_commitment(outcome: RowOutcome, by, signatures: dict) -> None:
    parsed = dict(outcome.values)
    signature_status = parsed.pop("signature_status", None) or "draft"
    if isinstance(outcome.target, Commitment):
        commitment = outcome.target
        status = parsed.pop("status", None)
        if status is not None:
            commitment.set_status(status)
    else:
        organisation, pledge = outcome.target
        signature = _signature_for(organisation, pledge, signature_status, by, signatures)
        commitment = Commitment(signature=signature, external_ref=outcome.external_ref)
        commitment.status = parsed.pop("status", None) or CommitmentStatus.planning
        db.session.add(commitment)
    for column, value in parsed.items():
        setattr(commitment, column, value)


# Plan and apply -----------------------------------------------------------------------------


def _blocks(outcome: RowOutcome, allow_duplicates: bool) -> bool:
    return outcome.action == "error" or (outcome.action == "duplicate" and not allow_duplicates)


def plan_import(kind: str, rows: Iterable) -> list[RowOutcome]:
    """Validate every row and say what importing it would do; writes nothing."""
    if kind not in IMPORT_KINDS:
        raise OperationError(gettext("Choose organisations or commitments."), field="kind")
    rows = _rows(rows)
    if rows:
        missing = [c for c in REQUIRED_COLUMNS[kind] if c not in rows[0].values]
        if missing:
            raise OperationError(
                gettext("The file lacks the column(s) %(names)s.", names=", ".join(missing)),
                field="file",
            )
    with db.session.no_autoflush:
        if kind == "organisations":
            return _plan_organisations(rows)
        return _plan_commitments(rows)


def apply_import(
    kind: str, rows: Iterable, by: User | None = None, allow_duplicates: bool = False
) -> dict[str, int]:
    """Import every row or none: raises `ImportRefused` listing the rows to fix; the caller
    commits. Probable duplicates are refused unless `allow_duplicates` (then created)."""
    outcomes = plan_import(kind, rows)
    if any(_blocks(o, allow_duplicates) for o in outcomes):
        raise ImportRefused(outcomes, allow_duplicates)
    signatures: dict = {}
    try:
        for outcome in outcomes:
            if outcome.action in ("create", "update", "duplicate"):
                if kind == "organisations":
                    _write_organisation(outcome)
                else:
                    _write_commitment(outcome, by, signatures)
        db.session.flush()
    except (IntegrityError, InvalidTransition) as exc:
        raise OperationError(
            gettext(
                "Nothing was imported: the data changed while importing (%(reason)s). Try again.",
                reason=type(exc).__name__,
            )
        ) from exc
    counts = Counter("create" if o.action == "duplicate" else o.action for o in outcomes)
    return {action: counts.get(action, 0) for action in ("create", "update", "skip")}
