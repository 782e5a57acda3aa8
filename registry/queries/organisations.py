"""Organisations as staff see them: the filtered directory and one organisation's records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.geo import is_country
from registry.models import (
    EngagementRecord,
    Organisation,
    Pledge,
    Region,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
)
from registry.queries.commitments import Page
from registry.queries.params import url_int

__all__ = [
    "OrganisationFilters",
    "organisation_engagements",
    "organisation_page",
    "organisation_signatures",
]

PER_PAGE = 25


@dataclass
class OrganisationFilters:
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

        def name_in(value, enum_cls):
            return value if value in enum_cls.__members__ else None

        page = url_int(args.get("page"), 1)
        country = (args.get("country") or "").upper() or None
        refugee_led = args.get("is_refugee_led")
        return cls(
            stakeholder_type=name_in(args.get("stakeholder_type"), StakeholderType),
            region=name_in(args.get("region"), Region),
            country=country if country and is_country(country) else None,
            visibility=name_in(args.get("visibility"), Visibility),
            is_refugee_led=refugee_led if refugee_led in ("yes", "no") else None,
            signatory=(args.get("signatory") or "").strip()[:100] or None,
            q=(args.get("q") or "").strip()[:200] or None,
            page=page,
        )

    def to_args(self, **changes) -> dict:
        """The non-default values as URL parameters (for pagination links)."""
        values = asdict(self) | changes
        defaults = {f.name: f.default for f in fields(self)}
        return {k: v for k, v in values.items() if v not in (None, "") and v != defaults[k]}


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
    query = select(Organisation)
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
        pattern = f"%{filters.q.lower()}%"
        query = query.where(
            or_(
                func.lower(Organisation.name).like(pattern),
                func.lower(Organisation.acronym).like(pattern),
            )
        )
    return query


def organisation_page(filters: OrganisationFilters, per_page: int = PER_PAGE) -> Page:
    """One page of (organisation, number of accepted signatures) by name, in a fixed number
    of SQL statements."""
    base = organisation_select(filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = min(filters.page, max(1, -(-total // per_page)))
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


def organisation_signatures(organisation: Organisation) -> list[Signature]:
    """The organisation's signatures with their pledge and commitments, newest first."""
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.organisation_id == organisation.id)
            .options(selectinload(Signature.pledge), selectinload(Signature.commitments))
            .order_by(Signature.created_at.desc(), Signature.id.desc())
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
