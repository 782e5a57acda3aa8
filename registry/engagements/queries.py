"""Engagement records: the filtered list, one record's history, and form choices.

Staff only (DESIGN §3): nothing here is ever used by a public page, API or report.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import contains_eager, selectinload

from registry.extensions import db
from registry.lists import ListFilters, Page, contains_text, enum_name, page_of, url_int, url_text
from registry.models import (
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    GeographicLevel,
    Organisation,
    Region,
    Role,
    User,
    VocabularyTerm,
)
from registry.models.engagements import engagement_purpose_areas
from registry.policies import in_scope

PER_PAGE = 25


@dataclass
class EngagementFilters(ListFilters):
    """What the engagement list shows; every field is a URL parameter of the same name."""

    kind: str | None = None
    stage: str | None = None
    region: str | None = None
    geographic_level: str | None = None
    coordination_structure: str | None = None
    focal_point: int | None = None
    purpose_area: str | None = None
    organisation: int | None = None
    q: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> EngagementFilters:
        """Parse request arguments; values that mean nothing are dropped, never an error."""
        return cls(
            kind=enum_name(args.get("kind"), EngagementKind),
            stage=enum_name(args.get("stage"), EngagementStage),
            region=enum_name(args.get("region"), Region),
            geographic_level=enum_name(args.get("geographic_level"), GeographicLevel),
            coordination_structure=(args.get("coordination_structure") or None),
            focal_point=url_int(args.get("focal_point")),
            purpose_area=(args.get("purpose_area") or None),
            organisation=url_int(args.get("organisation")),
            q=url_text(args.get("q")),
            page=url_int(args.get("page"), 1),
        )


def engagement_select(filters: EngagementFilters) -> Select:
    """A select of the engagement records the filters allow, joined to their organisation."""
    query = in_scope(
        select(EngagementRecord).join(EngagementRecord.organisation),
        organisation_id=EngagementRecord.organisation_id,
    )
    if filters.kind:
        query = query.where(EngagementRecord.kind == EngagementKind[filters.kind])
    if filters.stage:
        query = query.where(EngagementRecord.stage == EngagementStage[filters.stage])
    if filters.region:
        query = query.where(Organisation.region == Region[filters.region])
    if filters.geographic_level:
        level = GeographicLevel[filters.geographic_level]
        query = query.where(EngagementRecord.geographic_level == level)
    if filters.coordination_structure:
        query = query.where(
            EngagementRecord.coordination_structure.has(
                VocabularyTerm.code == filters.coordination_structure
            )
        )
    if filters.focal_point:
        query = query.where(EngagementRecord.focal_point_id == filters.focal_point)
    if filters.purpose_area:
        link = engagement_purpose_areas
        query = query.where(
            exists()
            .where(link.c.engagement_record_id == EngagementRecord.id)
            .where(link.c.term_id == VocabularyTerm.id, VocabularyTerm.code == filters.purpose_area)
        )
    if filters.organisation:
        query = query.where(EngagementRecord.organisation_id == filters.organisation)
    if filters.q:
        query = query.where(
            contains_text(
                filters.q, EngagementRecord.title, Organisation.name, Organisation.acronym
            )
        )
    return query


def engagement_page(filters: EngagementFilters, per_page: int = PER_PAGE) -> Page:
    """One page of the filtered records, newest change first, in a fixed number of statements."""
    statement = engagement_select(filters).options(
        contains_eager(EngagementRecord.organisation),
        selectinload(EngagementRecord.focal_point),
        selectinload(EngagementRecord.coordination_structure),
        selectinload(EngagementRecord.purpose_areas),
    )
    order = (EngagementRecord.updated_at.desc(), EngagementRecord.id.desc())
    return page_of(statement, filters.page, per_page, order)


def staff_users() -> list[User]:
    """Active coordinators and admins by name (focal points and due-diligence checkers)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.coordinator, Role.admin]), User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )
