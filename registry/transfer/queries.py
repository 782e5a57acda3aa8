"""What each export holds: its columns, the select of its rows, how each column reads. Every
export is internal (staff only). Each kind reads through one select, filtered by the same URL
parameters as its list page (commitments: exactly the tracker's `commitment_select`), fetched in
chunks. The commitments and organisations exports start with the import's columns and codes,
so an exported file can be edited and imported again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, selectinload

from registry.commitments.queries import SORTS, CommitmentFilters, commitment_select
from registry.extensions import db
from registry.geo import is_country
from registry.lists import contains_text, count_rows, enum_name, url_int, url_text
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
)
from registry.policies import in_scope
from registry.transfer.importing.files import IMPORT_COLUMNS

KINDS = ("commitments", "organisations", "signatures", "engagements", "progress")
CHUNK = 500

#: column name -> how a row's value is read (the rows are organisations, signatures …)
Getters = dict[str, Callable[[object], object]]


@dataclass
class Export:
    """What one export contains: its columns, the select of its rows and how a column reads."""

    kind: str
    columns: list[str]
    statement: Select
    getters: Getters
    filters: dict = field(default_factory=dict)
    include_contacts: bool = False

    def row(self, obj) -> list:
        """The raw values of one row, in column order."""
        return [self.getters[column](obj) for column in self.columns]

    def count(self) -> int:
        """How many rows the export holds (one statement)."""
        return count_rows(self.statement)

    def records(self) -> Iterator[list]:
        """The raw values of every row, fetched `CHUNK` rows at a time."""
        for obj in db.session.scalars(self.statement.execution_options(yield_per=CHUNK)):
            yield self.row(obj)


def _codes(terms) -> list[str]:
    return [term.code for term in terms]


def _common_filters(args) -> dict:
    """pledge, stakeholder_type, region: what every list page accepts."""
    return {
        "pledge": url_text(args.get("pledge"), 100),
        "stakeholder_type": enum_name(args.get("stakeholder_type"), StakeholderType),
        "region": enum_name(args.get("region"), Region),
    }


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


def _organisation_getters(of: Callable) -> Getters:
    """The columns every export names an organisation with; `of(row)` is its organisation."""
    return {
        "organisation_id": lambda r: of(r).id,
        "organisation_external_ref": lambda r: of(r).external_ref,
        "organisation": lambda r: of(r).name,
        "stakeholder_type": lambda r: of(r).stakeholder_type,
        "region": lambda r: of(r).region,
    }


def _key_outcome_numbers() -> dict[int, int]:
    """Key outcome id -> its number (1..n) within its pledge, as the import reads it."""
    numbers, seen = {}, {}
    for outcome in db.session.scalars(
        select(KeyOutcome).order_by(KeyOutcome.pledge_id, KeyOutcome.position, KeyOutcome.id)
    ):
        seen[outcome.pledge_id] = seen.get(outcome.pledge_id, 0) + 1
        numbers[outcome.id] = seen[outcome.pledge_id]
    return numbers


def _day(moment):
    return moment.date() if moment else None


# The import's columns first, so that an exported file imports again unchanged.
COMMITMENT_COLUMNS = [
    *IMPORT_COLUMNS["commitments"],
    *("id", "organisation", "stakeholder_type", "region", "progress_percent", "updated_at"),
    # Joint commitments and matching pledges (not imported: an import names neither).
    *("co_implementers", "matches", "matched_by"),
]


def _partner_text(commitment) -> list[str]:
    """Each co-implementer with its answer, e.g. "Kenya Peace Network (confirmed)"."""
    answers = {part.organisation_id: part.status.name for part in commitment.partner_parts}
    return [f"{o.name} ({answers.get(o.id, 'pending')})" for o in commitment.co_implementers]


def _commitment_getters(numbers: dict[int, int]) -> Getters:
    return _organisation_getters(lambda c: c.signature.organisation) | {
        "external_ref": lambda c: c.external_ref,
        "organisation_external_ref": lambda c: c.signature.organisation.external_ref,
        "pledge": lambda c: c.signature.pledge.slug,
        "title": lambda c: c.title,
        "description": lambda c: c.description,
        "key_outcome": lambda c: numbers.get(c.key_outcome_id),
        "status": lambda c: c.status,
        "geographic_level": lambda c: c.geographic_level,
        "countries": lambda c: list(c.countries),
        "risks": lambda c: _codes(c.risks),
        "action_areas": lambda c: _codes(c.action_areas),
        "target_populations": lambda c: _codes(c.target_populations),
        "languages": lambda c: list(c.languages or []),
        "start_date": lambda c: c.start_date,
        "target_date": lambda c: c.target_date,
        "indicator_text": lambda c: c.indicator_text,
        "indicator_unit": lambda c: c.indicator_unit,
        "indicator_baseline": lambda c: c.indicator_baseline,
        "indicator_target": lambda c: c.indicator_target,
        "signature_status": lambda c: c.signature.status,
        "pledged_on": lambda c: c.pledged_at.date(),
        "status_changed_on": lambda c: c.status_changed_at.date() if c.status_changed_at else None,
        "signature_submitted_on": lambda c: _day(c.signature.submitted_at),
        "signature_accepted_on": lambda c: (
            _day(c.signature.decided_at) if c.signature.status is SignatureStatus.accepted else None
        ),
        "id": lambda c: c.id,
        "progress_percent": lambda c: c.progress_percent,
        "updated_at": lambda c: c.updated_at,
        "co_implementers": _partner_text,
        "matches": lambda c: [m.id for m in c.matches],
        "matched_by": lambda c: [m.id for m in c.matched_by],
    }


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
        selectinload(Commitment.co_implementers),
        selectinload(Commitment.partner_parts),
        selectinload(Commitment.matches),
        selectinload(Commitment.matched_by),
    )
    statement = statement.order_by(
        column.asc() if ascending else column.desc(),
        Commitment.id.asc() if ascending else Commitment.id.desc(),
    )
    getters = _commitment_getters(_key_outcome_numbers())
    # Paging is the screen's business; the export holds every row of the list.
    applied = filters.to_args(page=1, per_page=25)
    return Export("commitments", COMMITMENT_COLUMNS, statement, getters, applied)


ORGANISATION_COLUMNS = [
    *IMPORT_COLUMNS["organisations"],
    "id",
    "region",
    "created_at",
    "updated_at",
]
ORGANISATION_GETTERS: Getters = {
    "external_ref": lambda o: o.external_ref,
    "name": lambda o: o.name,
    "acronym": lambda o: o.acronym,
    "stakeholder_type": lambda o: o.stakeholder_type,
    "country": lambda o: o.country,
    "website": lambda o: o.website,
    "is_refugee_led": lambda o: o.is_refugee_led,
    "visibility": lambda o: o.visibility,
    "description": lambda o: o.description,
    "id": lambda o: o.id,
    "region": lambda o: o.region,
    "created_at": lambda o: o.created_at,
    "updated_at": lambda o: o.updated_at,
    "contacts": lambda o: [_contact_text(c) for c in o.contacts],
}


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
    filters["visibility"] = enum_name(args.get("visibility"), Visibility)
    filters["q"] = url_text(args.get("q"))
    statement = _where_organisation(
        in_scope(select(Organisation), organisation_id=Organisation.id), filters
    )
    if filters["pledge"]:
        statement = statement.where(
            Organisation.signatures.any(Signature.pledge.has(Pledge.slug == filters["pledge"]))
        )
    if filters["country"]:
        statement = statement.where(Organisation.country == filters["country"])
    if filters["visibility"]:
        statement = statement.where(Organisation.visibility == Visibility[filters["visibility"]])
    if filters["q"]:
        statement = statement.where(
            contains_text(filters["q"], Organisation.name, Organisation.acronym)
        )
    statement = statement.order_by(Organisation.name, Organisation.id)
    columns = list(ORGANISATION_COLUMNS)
    if contacts:
        statement = statement.options(selectinload(Organisation.contacts))
        columns.append("contacts")
    return Export(
        "organisations", columns, statement, ORGANISATION_GETTERS, _clean(filters), contacts
    )


# In column order (a dict keeps it): the columns are its keys.
SIGNATURE_GETTERS: Getters = {
    "id": lambda s: s.id,
    "pledge": lambda s: s.pledge.slug,
    **_organisation_getters(lambda s: s.organisation),
    "status": lambda s: s.status,
    "signed_by_name": lambda s: s.signed_by_name,
    "signed_by_title": lambda s: s.signed_by_title,
    "statement": lambda s: s.statement,
    "review_comment": lambda s: s.review_comment,
    "commitments": lambda s: len(s.commitments),
    "submitted_at": lambda s: s.submitted_at,
    "decided_at": lambda s: s.decided_at,
    "updated_at": lambda s: s.updated_at,
}


def _signatures(args, _contacts: bool) -> Export:
    filters = _common_filters(args)
    filters["status"] = enum_name(args.get("status"), SignatureStatus)
    statement = _where_organisation(
        in_scope(
            select(Signature).join(Signature.organisation).join(Signature.pledge),
            pledge_id=Signature.pledge_id,
            organisation_id=Signature.organisation_id,
        ),
        filters,
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
    return Export(
        "signatures", list(SIGNATURE_GETTERS), statement, SIGNATURE_GETTERS, _clean(filters)
    )


ENGAGEMENT_GETTERS: Getters = {
    "id": lambda e: e.id,
    **_organisation_getters(lambda e: e.organisation),
    "kind": lambda e: e.kind,
    "title": lambda e: e.title,
    "stage": lambda e: e.stage,
    "geographic_level": lambda e: e.geographic_level,
    "countries": lambda e: list(e.countries or []),
    "purpose_areas": lambda e: _codes(e.purpose_areas),
    "coordination_structure": lambda e: (
        e.coordination_structure.code if e.coordination_structure else None
    ),
    "focal_point": lambda e: e.focal_point.name if e.focal_point else None,
    "start_date": lambda e: e.start_date,
    "end_date": lambda e: e.end_date,
    "hrdd_checked_on": lambda e: e.hrdd_checked_on,
    "hrdd_outcome": lambda e: e.hrdd_outcome,
    "converted_from_id": lambda e: e.converted_from_id,
    "internal_notes": lambda e: e.internal_notes,
    "updated_at": lambda e: e.updated_at,
}


def _engagements(args, _contacts: bool) -> Export:
    filters = _common_filters(args)
    filters.pop("pledge")  # engagement records belong to no pledge
    filters["kind"] = enum_name(args.get("kind"), EngagementKind)
    filters["stage"] = enum_name(args.get("stage"), EngagementStage) or enum_name(
        args.get("status"), EngagementStage
    )
    statement = _where_organisation(
        in_scope(
            select(EngagementRecord).join(EngagementRecord.organisation),
            organisation_id=EngagementRecord.organisation_id,
        ),
        filters,
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
    return Export(
        "engagements", list(ENGAGEMENT_GETTERS), statement, ENGAGEMENT_GETTERS, _clean(filters)
    )


PROGRESS_GETTERS: Getters = {
    "id": lambda p: p.id,
    "commitment_id": lambda p: p.commitment.id,
    "commitment_external_ref": lambda p: p.commitment.external_ref,
    "commitment": lambda p: p.commitment.title,
    "organisation": lambda p: p.commitment.signature.organisation.name,
    "pledge": lambda p: p.commitment.signature.pledge.slug,
    "window": lambda p: p.window.label,
    "status": lambda p: p.status,
    "progress_percent": lambda p: p.progress_percent,
    "actual_value": lambda p: p.actual_value,
    "achievements": lambda p: p.achievements,
    "challenges": lambda p: p.challenges,
    "next_steps": lambda p: p.next_steps,
    "evidence_links": lambda p: list(p.evidence_links or []),
    "review_state": lambda p: p.review_state,
    "review_comment": lambda p: p.review_comment,
    "submitted_at": lambda p: p.submitted_at,
    "reviewed_at": lambda p: p.reviewed_at,
}


def _progress(args, _contacts: bool) -> Export:
    filters = _common_filters(args)
    filters["status"] = enum_name(args.get("status"), CommitmentStatus)
    filters["review_state"] = enum_name(args.get("review_state"), ReviewState)
    # A window id that names no window matches nothing (an export never widens silently).
    filters["window"] = url_int(args["window"], default=-1) if args.get("window") else None
    statement = _where_organisation(
        in_scope(
            select(ProgressUpdate)
            .join(ProgressUpdate.commitment)
            .join(Commitment.signature)
            .join(Signature.organisation)
            .join(Signature.pledge),
            pledge_id=Signature.pledge_id,
            organisation_id=Signature.organisation_id,
        ),
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
    return Export("progress", list(PROGRESS_GETTERS), statement, PROGRESS_GETTERS, _clean(filters))


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
