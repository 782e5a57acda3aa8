"""Organisations: the staff directory and one organisation's records, the choices of forms,
what a merge would move, and the search for an organisation registered already (the same name
or other name, or the same website, whatever the script, case, accents and filler words)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from registry.disclosure import View
from registry.extensions import db
from registry.geo import is_country
from registry.lists import (
    ListFilters,
    Page,
    contains_text,
    count_rows,
    enum_name,
    last_page,
    url_int,
    url_text,
)
from registry.models import (
    Commitment,
    CommitmentPartner,
    Contact,
    DuplicateStatus,
    EngagementRecord,
    Invitation,
    JoinRequest,
    Organisation,
    Pledge,
    PossibleDuplicate,
    ProgressUpdate,
    Region,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    User,
    Visibility,
)
from registry.models.signatures import commitment_partners
from registry.policies import in_scope
from registry.text import normalise_name, site_key

PER_PAGE = 25


@dataclass
class OrganisationFilters(ListFilters):
    """What the staff organisation list shows; every field is a URL parameter."""

    stakeholder_type: str | None = None
    region: str | None = None
    country: str | None = None
    visibility: str | None = None
    is_refugee_led: str | None = None  # "yes" / "no"
    signatory: str | None = None  # "any" or a pledge slug
    q: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> OrganisationFilters:
        """Parse request arguments; values that mean nothing are dropped, never an error."""
        country = (args.get("country") or "").upper() or None
        refugee_led = args.get("is_refugee_led")
        return cls(
            stakeholder_type=enum_name(args.get("stakeholder_type"), StakeholderType),
            region=enum_name(args.get("region"), Region),
            country=country if country and is_country(country) else None,
            visibility=enum_name(args.get("visibility"), Visibility),
            is_refugee_led=refugee_led if refugee_led in ("yes", "no") else None,
            signatory=url_text(args.get("signatory"), 100),
            q=url_text(args.get("q")),
            page=url_int(args.get("page"), 1),
        )


def _accepted_signature(slug: str | None = None):
    """Criterion: the organisation has an accepted signature (of the pledge `slug`)."""
    criterion = exists().where(
        Signature.organisation_id == Organisation.id,
        Signature.status == SignatureStatus.accepted,
    )
    if slug:
        criterion = criterion.where(Signature.pledge_id == Pledge.id, Pledge.slug == slug)
    return criterion


def organisation_select(filters: OrganisationFilters) -> Select:
    """A select of the organisations the filters allow."""
    query = in_scope(select(Organisation), organisation_id=Organisation.id)
    if filters.stakeholder_type:
        query = query.where(
            Organisation.stakeholder_type == StakeholderType[filters.stakeholder_type]
        )
    if filters.region:
        query = query.where(Organisation.region == Region[filters.region])
    if filters.country:
        query = query.where(Organisation.country == filters.country)
    if filters.visibility:
        query = query.where(Organisation.visibility == Visibility[filters.visibility])
    if filters.is_refugee_led:
        query = query.where(Organisation.is_refugee_led.is_(filters.is_refugee_led == "yes"))
    if filters.signatory:
        slug = None if filters.signatory == "any" else filters.signatory
        query = query.where(_accepted_signature(slug))
    if filters.q:
        query = query.where(contains_text(filters.q, Organisation.name, Organisation.acronym))
    return query


def organisation_page(filters: OrganisationFilters, per_page: int = PER_PAGE) -> Page:
    """One page of (organisation, number of accepted signatures) by name, in a fixed number
    of SQL statements."""
    base = organisation_select(filters)
    total = count_rows(base)
    page = min(filters.page, last_page(total, per_page))
    accepted = (
        select(func.count(Signature.id))
        .where(
            Signature.organisation_id == Organisation.id,
            Signature.status == SignatureStatus.accepted,
        )
        .correlate(Organisation)
        .scalar_subquery()
    )
    rows = db.session.execute(
        base.add_columns(accepted)
        .order_by(func.lower(Organisation.name), Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows=[tuple(row) for row in rows], total=total, page=page, per_page=per_page)


def signatures_of(organisation: Organisation) -> list[Signature]:
    """Every signature of an organisation, newest first, with its pledge."""
    return list(
        db.session.scalars(
            in_scope(
                select(Signature)
                .where(Signature.organisation_id == organisation.id)
                .options(selectinload(Signature.pledge), selectinload(Signature.commitments))
                .order_by(Signature.created_at.desc(), Signature.id.desc()),
                pledge_id=Signature.pledge_id,
            )
        )
    )


def organisation_engagements(organisation: Organisation) -> list[EngagementRecord]:
    """The organisation's engagement records, newest first, with their focal point."""
    return list(
        db.session.scalars(
            select(EngagementRecord)
            .where(EngagementRecord.organisation_id == organisation.id)
            .options(selectinload(EngagementRecord.focal_point))
            .order_by(EngagementRecord.created_at.desc(), EngagementRecord.id.desc())
        )
    )


def owned_by(model, organisation: Organisation) -> list:
    """The rows of `model` that belong to `organisation` (its `organisation_id`)."""
    return list(db.session.scalars(select(model).where(model.organisation_id == organisation.id)))


def merge_counts(duplicate: Organisation) -> dict[str, int]:
    """How many records of each kind a merge would move away from `duplicate`."""
    signatures = owned_by(Signature, duplicate)
    partner_links = db.session.execute(
        select(commitment_partners).where(commitment_partners.c.organisation_id == duplicate.id)
    ).all()
    return {
        "signatures": len(signatures),
        "commitments": sum(len(s.commitments) for s in signatures),
        "engagement_records": len(owned_by(EngagementRecord, duplicate)),
        "contacts": len(owned_by(Contact, duplicate)),
        "users": len(owned_by(User, duplicate)),
        "join_requests": len(owned_by(JoinRequest, duplicate)),
        "invitations": len(owned_by(Invitation, duplicate)),
        "co_implementer_links": len(partner_links),
    }


def organisation_choices(with_acronym: bool = True) -> list[tuple[int, str]]:
    """(id, name) of every organisation by name, for staff selects; the name is followed by
    the acronym unless `with_acronym` is false."""
    rows = db.session.execute(
        in_scope(
            select(Organisation.id, Organisation.name, Organisation.acronym).order_by(
                Organisation.name, Organisation.id
            ),
            organisation_id=Organisation.id,
        )
    )
    return [
        (id_, f"{name} ({acronym})" if acronym and with_acronym else name)
        for id_, name, acronym in rows
    ]


def partner_choices(exclude_id: int | None = None) -> list[Organisation]:
    """Organisations a commitment can name as co-implementers (public ones, by name)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.visibility == Visibility.public, Organisation.id != (exclude_id or 0)
            )
            .order_by(Organisation.name)
        )
    )


def find_similar_organisations(name: str, website: str | None = None) -> list[Organisation]:
    """Organisations whose name or one of whose other names normalises to the same as `name`
    (in any script: case, accents, Arabic letter forms and filler words aside), or whose
    website has the same key. Compared on keys stored with each organisation, so the database
    does the matching whatever its collation."""
    normalised = normalise_name(name)
    site = site_key(website)
    conditions = []
    if normalised:
        conditions.append(Organisation.name_keys.contains(f"|{normalised}|", autoescape=True))
    if site:
        conditions.append(Organisation.site_key == site)
    if not conditions:
        return []
    return list(
        db.session.scalars(select(Organisation).where(or_(*conditions)).order_by(Organisation.id))
    )


def pending_possible_duplicates() -> list[PossibleDuplicate]:
    """Registrations that match a non-public organisation, waiting for coordinators to merge
    or keep them, oldest first."""
    return list(
        db.session.scalars(
            in_scope(
                select(PossibleDuplicate).where(
                    PossibleDuplicate.status == DuplicateStatus.pending
                ),
                organisation_id=PossibleDuplicate.existing_id,
            )
            .options(
                selectinload(PossibleDuplicate.organisation).selectinload(Organisation.users),
                selectinload(PossibleDuplicate.existing),
            )
            .order_by(PossibleDuplicate.created_at, PossibleDuplicate.id)
        )
    )


def get_possible_duplicate(duplicate_id: int) -> PossibleDuplicate | None:
    """One possible duplicate, or None."""
    return db.session.get(PossibleDuplicate, duplicate_id)


def pledge_choices() -> list[tuple[str, str]]:
    """(slug, title) of every pledge by title (the directory's "signatory of" filter)."""
    statement = in_scope(select(Pledge.slug, Pledge.title), pledge_id=Pledge.id)
    return list(db.session.execute(statement.order_by(Pledge.title)))


def returned_updates(organisation: Organisation) -> list[ProgressUpdate]:
    """The organisation's progress updates returned for a fix, latest first (My organisation
    and the progress overview lead to them)."""
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .join(ProgressUpdate.commitment)
            .join(Commitment.signature)
            .where(
                Signature.organisation_id == organisation.id,
                ProgressUpdate.review_state == ReviewState.returned,
            )
            .options(
                selectinload(ProgressUpdate.commitment),
                selectinload(ProgressUpdate.window).selectinload(SubmissionWindow.pledge),
            )
            .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
        )
    )


def joint_commitments_of(organisation: Organisation) -> list[CommitmentPartner]:
    """The joint commitments `organisation` is named on as co-implementer (of signatures
    submitted or accepted), with its answer."""
    return list(
        db.session.scalars(
            select(CommitmentPartner)
            .join(Commitment, Commitment.id == CommitmentPartner.commitment_id)
            .join(Commitment.signature)
            .where(
                CommitmentPartner.organisation_id == organisation.id,
                Signature.status.in_([SignatureStatus.submitted, SignatureStatus.accepted]),
            )
            .options(
                joinedload(CommitmentPartner.commitment)
                .joinedload(Commitment.signature)
                .joinedload(Signature.organisation),
                joinedload(CommitmentPartner.commitment)
                .joinedload(Commitment.signature)
                .joinedload(Signature.pledge),
            )
            .order_by(Commitment.id)
        )
    )


def joint_entries(organisation: Organisation) -> list[dict]:
    """The joint commitments `organisation` is named on, each {part, commitment}: its answer,
    and the commitment as the public view shows it to that organisation (the lead and every
    other protected organisation named by the rules of public output, never more)."""
    parts = joint_commitments_of(organisation)
    view = View(viewer=organisation, preview=True)
    commitments = [p.commitment for p in parts]
    view.include(
        [c.signature.organisation for c in commitments]
        + [o for c in commitments for o in c.co_implementers],
        [t for c in commitments for t in (c.title, c.description)],
    )
    entries = []
    for part in parts:
        record = view.commitment(part.commitment, ())
        if record is not None:
            entries.append({"part": part, "commitment": record})
    return entries


def joint_entry(part: CommitmentPartner) -> dict | None:
    """One joint commitment as `joint_entries` gives it."""
    return next(
        (
            e
            for e in joint_entries(part.organisation)
            if e["part"].commitment_id == part.commitment_id
        ),
        None,
    )
