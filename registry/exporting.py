"""Exports of the registry's lists as CSV or XLSX, streamed so that large lists fit in memory.

Every export is internal (staff only). Each kind reads through one select, filtered by the same
URL parameters as its list page (commitments: exactly the tracker's `commitment_select`), fetched
in chunks. Text cells that a spreadsheet would run as a formula are neutralised in both formats.
The commitments and organisations exports use the import's columns and codes, so an exported
file can be edited and imported again.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from registry.extensions import db
from registry.geo import is_country
from registry.models import (
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    KeyOutcome,
    Organisation,
    Pledge,
    ProgressUpdate,
    Region,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    utcnow,
)
from registry.operations.importing.files import IMPORT_COLUMNS
from registry.queries.commitments import SORTS, CommitmentFilters, commitment_select

__all__ = [
    "FORMATS",
    "INTERNAL_NOTICE",
    "KINDS",
    "Export",
    "build_export",
    "cell",
    "csv_chunks",
    "csv_header",
    "csv_row_chunks",
    "neutralise",
    "write_csv",
    "write_xlsx",
]

KINDS = ("commitments", "organisations", "signatures", "engagements", "progress")
FORMATS = ("csv", "xlsx")
INTERNAL_NOTICE = "Internal — not for distribution"
#: A cell starting with one of these is run as a formula (or DDE) by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


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


@dataclass
class Export:
    """What one export contains: its columns, the select of its rows and how a row reads."""

    kind: str
    columns: list[str]
    statement: Select
    row: Callable[[object], list]
    filters: dict = field(default_factory=dict)
    include_contacts: bool = False

    def count(self) -> int:
        """How many rows the export holds (one statement)."""
        return db.session.scalar(select(func.count()).select_from(self.statement.subquery()))

    def records(self) -> Iterator[list]:
        """The raw values of every row, fetched `CHUNK` rows at a time."""
        result = db.session.scalars(self.statement.execution_options(yield_per=CHUNK))
        for obj in result:
            yield self.row(obj)


def _codes(terms) -> list[str]:
    return [term.code for term in terms]


def _enum_arg(args, name: str, enum_cls) -> str | None:
    value = args.get(name)
    return value if value in enum_cls.__members__ else None


def _common_filters(args) -> dict:
    """pledge, stakeholder_type, region: what every list page accepts."""
    filters = {
        "pledge": (args.get("pledge") or "").strip() or None,
        "stakeholder_type": _enum_arg(args, "stakeholder_type", StakeholderType),
        "region": _enum_arg(args, "region", Region),
    }
    return filters


def _where_organisation(query: Select, filters: dict) -> Select:
    if filters.get("stakeholder_type"):
        query = query.where(
            Organisation.stakeholder_type == StakeholderType[filters["stakeholder_type"]]
        )
    if filters.get("region"):
        query = query.where(Organisation.region == Region[filters["region"]])
    return query


def _clean(filters: dict) -> dict:
    return {key: value for key, value in filters.items() if value not in (None, "", False)}


def _key_outcome_numbers() -> dict[int, int]:
    """Key outcome id -> its number (1..n) within its pledge, as the import reads it."""
    numbers, seen = {}, {}
    for outcome in db.session.scalars(
        select(KeyOutcome).order_by(KeyOutcome.pledge_id, KeyOutcome.position, KeyOutcome.id)
    ):
        seen[outcome.pledge_id] = seen.get(outcome.pledge_id, 0) + 1
        numbers[outcome.id] = seen[outcome.pledge_id]
    return numbers


# The import's columns first, so that an exported file imports again unchanged.
COMMITMENT_COLUMNS = [
    *IMPORT_COLUMNS["commitments"],
    "id",
    "organisation",
    "stakeholder_type",
    "region",
    "progress_percent",
    "updated_at",
]


def _commitments(args, _contacts: bool) -> Export:
    filters = CommitmentFilters.from_args(args)
    column = SORTS[filters.sort]
    ascending = filters.direction == "asc"
    statement = commitment_select(filters).options(
        contains_eager(Commitment.signature).contains_eager(Signature.organisation),
        contains_eager(Commitment.signature).selectinload(Signature.pledge),
        selectinload(Commitment.risks),
        selectinload(Commitment.action_areas),
        selectinload(Commitment.target_populations),
        selectinload(Commitment.country_links),
    )
    statement = statement.order_by(
        column.asc() if ascending else column.desc(),
        Commitment.id.asc() if ascending else Commitment.id.desc(),
    )
    numbers = _key_outcome_numbers()

    def row(c: Commitment) -> list:
        organisation = c.signature.organisation
        return [
            c.external_ref,
            organisation.external_ref,
            c.signature.pledge.slug,
            c.title,
            c.description,
            numbers.get(c.key_outcome_id),
            c.status,
            c.geographic_level,
            list(c.countries),
            _codes(c.risks),
            _codes(c.action_areas),
            _codes(c.target_populations),
            list(c.languages or []),
            c.start_date,
            c.target_date,
            c.indicator_text,
            c.indicator_unit,
            c.indicator_baseline,
            c.indicator_target,
            c.signature.status,
            c.id,
            organisation.name,
            organisation.stakeholder_type,
            organisation.region,
            c.progress_percent,
            c.updated_at,
        ]

    # Paging is the screen's business; the export holds every row of the list.
    applied = filters.to_args(page=1, per_page=25)
    return Export("commitments", COMMITMENT_COLUMNS, statement, row, applied)


ORGANISATION_COLUMNS = [
    *IMPORT_COLUMNS["organisations"],
    "id",
    "region",
    "created_at",
    "updated_at",
]


def _contact_text(contact) -> str:
    parts = [contact.name]
    if contact.role:
        parts.append(f"({contact.role})")
    if contact.email:
        parts.append(f"<{contact.email}>")
    if contact.phone:
        parts.append(contact.phone)
    return " ".join(parts)


def _organisations(args, contacts: bool) -> Export:
    filters = _common_filters(args)
    country = (args.get("country") or "").strip().upper()
    filters["country"] = country if is_country(country) else None
    filters["visibility"] = _enum_arg(args, "visibility", Visibility)
    filters["q"] = (args.get("q") or "").strip()[:200] or None
    statement = _where_organisation(select(Organisation), filters)
    if filters["pledge"]:
        statement = statement.where(
            Organisation.signatures.any(Signature.pledge.has(Pledge.slug == filters["pledge"]))
        )
    if filters["country"]:
        statement = statement.where(Organisation.country == filters["country"])
    if filters["visibility"]:
        statement = statement.where(Organisation.visibility == Visibility[filters["visibility"]])
    if filters["q"]:
        pattern = f"%{filters['q'].lower()}%"
        statement = statement.where(
            or_(
                func.lower(Organisation.name).like(pattern),
                func.lower(Organisation.acronym).like(pattern),
            )
        )
    statement = statement.order_by(Organisation.name, Organisation.id)
    columns = list(ORGANISATION_COLUMNS)
    if contacts:
        statement = statement.options(selectinload(Organisation.contacts))
        columns.append("contacts")

    def row(o: Organisation) -> list:
        values = [
            o.external_ref,
            o.name,
            o.acronym,
            o.stakeholder_type,
            o.country,
            o.website,
            o.is_refugee_led,
            o.visibility,
            o.description,
            o.id,
            o.region,
            o.created_at,
            o.updated_at,
        ]
        if contacts:
            values.append([_contact_text(c) for c in o.contacts])
        return values

    return Export("organisations", columns, statement, row, _clean(filters), contacts)


SIGNATURE_COLUMNS = [
    "id",
    "pledge",
    "organisation_id",
    "organisation_external_ref",
    "organisation",
    "stakeholder_type",
    "region",
    "status",
    "signed_by_name",
    "signed_by_title",
    "statement",
    "review_comment",
    "commitments",
    "submitted_at",
    "decided_at",
    "updated_at",
]


def _signatures(args, _contacts: bool) -> Export:
    filters = _common_filters(args)
    filters["status"] = _enum_arg(args, "status", SignatureStatus)
    statement = _where_organisation(
        select(Signature).join(Signature.organisation).join(Signature.pledge), filters
    )
    if filters["pledge"]:
        statement = statement.where(Pledge.slug == filters["pledge"])
    if filters["status"]:
        statement = statement.where(Signature.status == SignatureStatus[filters["status"]])
    statement = statement.options(
        contains_eager(Signature.organisation),
        contains_eager(Signature.pledge),
        selectinload(Signature.commitments),
    ).order_by(Signature.id)

    def row(s: Signature) -> list:
        o = s.organisation
        return [
            s.id,
            s.pledge.slug,
            o.id,
            o.external_ref,
            o.name,
            o.stakeholder_type,
            o.region,
            s.status,
            s.signed_by_name,
            s.signed_by_title,
            s.statement,
            s.review_comment,
            len(s.commitments),
            s.submitted_at,
            s.decided_at,
            s.updated_at,
        ]

    return Export("signatures", SIGNATURE_COLUMNS, statement, row, _clean(filters))


ENGAGEMENT_COLUMNS = [
    "id",
    "organisation_id",
    "organisation_external_ref",
    "organisation",
    "stakeholder_type",
    "region",
    "kind",
    "title",
    "stage",
    "geographic_level",
    "countries",
    "purpose_areas",
    "coordination_structure",
    "focal_point",
    "start_date",
    "end_date",
    "hrdd_checked_on",
    "hrdd_outcome",
    "converted_from_id",
    "internal_notes",
    "updated_at",
]


def _engagements(args, _contacts: bool) -> Export:
    filters = _common_filters(args)
    filters.pop("pledge")  # engagement records belong to no pledge
    filters["kind"] = _enum_arg(args, "kind", EngagementKind)
    filters["stage"] = _enum_arg(args, "stage", EngagementStage) or _enum_arg(
        args, "status", EngagementStage
    )
    statement = _where_organisation(
        select(EngagementRecord).join(EngagementRecord.organisation), filters
    )
    if filters["kind"]:
        statement = statement.where(EngagementRecord.kind == EngagementKind[filters["kind"]])
    if filters["stage"]:
        statement = statement.where(EngagementRecord.stage == EngagementStage[filters["stage"]])
    statement = statement.options(
        contains_eager(EngagementRecord.organisation),
        selectinload(EngagementRecord.purpose_areas),
        selectinload(EngagementRecord.coordination_structure),
        selectinload(EngagementRecord.focal_point),
    ).order_by(EngagementRecord.id)

    def row(e: EngagementRecord) -> list:
        o = e.organisation
        return [
            e.id,
            o.id,
            o.external_ref,
            o.name,
            o.stakeholder_type,
            o.region,
            e.kind,
            e.title,
            e.stage,
            e.geographic_level,
            list(e.countries or []),
            _codes(e.purpose_areas),
            e.coordination_structure.code if e.coordination_structure else None,
            e.focal_point.name if e.focal_point else None,
            e.start_date,
            e.end_date,
            e.hrdd_checked_on,
            e.hrdd_outcome,
            e.converted_from_id,
            e.internal_notes,
            e.updated_at,
        ]

    return Export("engagements", ENGAGEMENT_COLUMNS, statement, row, _clean(filters))


PROGRESS_COLUMNS = [
    "id",
    "commitment_id",
    "commitment_external_ref",
    "commitment",
    "organisation",
    "pledge",
    "window",
    "status",
    "progress_percent",
    "actual_value",
    "achievements",
    "challenges",
    "next_steps",
    "evidence_links",
    "review_state",
    "review_comment",
    "submitted_at",
    "reviewed_at",
]


def _progress(args, _contacts: bool) -> Export:
    filters = _common_filters(args)
    filters["status"] = _enum_arg(args, "status", CommitmentStatus)
    filters["review_state"] = _enum_arg(args, "review_state", ReviewState)
    try:
        filters["window"] = int(args.get("window") or 0) or None
    except ValueError:
        filters["window"] = None
    statement = _where_organisation(
        select(ProgressUpdate)
        .join(ProgressUpdate.commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .join(Signature.pledge),
        filters,
    )
    if filters["pledge"]:
        statement = statement.where(Pledge.slug == filters["pledge"])
    if filters["status"]:
        statement = statement.where(ProgressUpdate.status == CommitmentStatus[filters["status"]])
    if filters["review_state"]:
        statement = statement.where(
            ProgressUpdate.review_state == ReviewState[filters["review_state"]]
        )
    if filters["window"]:
        statement = statement.where(ProgressUpdate.window_id == filters["window"])
    statement = statement.options(
        contains_eager(ProgressUpdate.commitment)
        .contains_eager(Commitment.signature)
        .contains_eager(Signature.organisation),
        contains_eager(ProgressUpdate.commitment)
        .contains_eager(Commitment.signature)
        .contains_eager(Signature.pledge),
        selectinload(ProgressUpdate.window),
    ).order_by(ProgressUpdate.id)

    def row(p: ProgressUpdate) -> list:
        c = p.commitment
        return [
            p.id,
            c.id,
            c.external_ref,
            c.title,
            c.signature.organisation.name,
            c.signature.pledge.slug,
            p.window.label,
            p.status,
            p.progress_percent,
            p.actual_value,
            p.achievements,
            p.challenges,
            p.next_steps,
            list(p.evidence_links or []),
            p.review_state,
            p.review_comment,
            p.submitted_at,
            p.reviewed_at,
        ]

    return Export("progress", PROGRESS_COLUMNS, statement, row, _clean(filters))


BUILDERS = {
    "commitments": _commitments,
    "organisations": _organisations,
    "signatures": _signatures,
    "engagements": _engagements,
    "progress": _progress,
}


def build_export(kind: str, args, include_contacts: bool = False) -> Export:
    """The export of `kind` for these list-page parameters; contacts only for organisations."""
    return BUILDERS[kind](args, include_contacts and kind == "organisations")


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


def write_xlsx(export: Export, fh) -> None:
    """Write the XLSX (a write-only workbook, so rows never sit in memory) to a binary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.kind)
    sheet.append(export.columns)
    for values in export.records():
        sheet.append([cell(v, "xlsx") for v in values])
    about = workbook.create_sheet("About")
    about.append([INTERNAL_NOTICE])
    about.append(["Export", export.kind])
    about.append(["Generated at (UTC)", cell(utcnow())])
    about.append(["Contacts included", "yes" if export.include_contacts else "no"])
    for key, value in sorted(export.filters.items()):
        about.append([f"Filter: {key}", cell(value, "xlsx")])
    workbook.save(fh)
