"""Engagement records: the filtered list, one record's history, and form choices.

Staff only (DESIGN §3): nothing here is ever used by a public page, API or report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from registry.extensions import db
from registry.models import (
    AuditEvent,
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
from registry.models.engagement import engagement_purpose_areas
from registry.queries.commitments import Page
from registry.queries.params import url_int

__all__ = [
    "EngagementFilters",
    "engagement_history",
    "engagement_page",
    "organisation_choices",
    "staff_users",
]

PER_PAGE = 25


@dataclass
class EngagementFilters:
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

        def name_in(value, enum_cls):
            return value if value in enum_cls.__members__ else None

        return cls(
            kind=name_in(args.get("kind"), EngagementKind),
            stage=name_in(args.get("stage"), EngagementStage),
            region=name_in(args.get("region"), Region),
            geographic_level=name_in(args.get("geographic_level"), GeographicLevel),
            coordination_structure=(args.get("coordination_structure") or None),
            focal_point=url_int(args.get("focal_point")),
            purpose_area=(args.get("purpose_area") or None),
            organisation=url_int(args.get("organisation")),
            q=(args.get("q") or "").strip()[:200] or None,
            page=url_int(args.get("page"), 1),
        )

    def to_args(self, **changes) -> dict:
        """The non-default values as URL parameters (for pagination links)."""
        values = asdict(self) | changes
        defaults = {f.name: f.default for f in fields(self)}
        return {k: v for k, v in values.items() if v not in (None, "") and v != defaults[k]}


def engagement_select(filters: EngagementFilters) -> Select:
    """A select of the engagement records the filters allow, joined to their organisation."""
    query = select(EngagementRecord).join(EngagementRecord.organisation)
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
        pattern = f"%{filters.q.lower()}%"
        query = query.where(
            or_(
                func.lower(EngagementRecord.title).like(pattern),
                func.lower(Organisation.name).like(pattern),
                func.lower(Organisation.acronym).like(pattern),
            )
        )
    return query


def engagement_page(filters: EngagementFilters, per_page: int = PER_PAGE) -> Page:
    """One page of the filtered records, newest change first, in a fixed number of statements."""
    base = engagement_select(filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = min(filters.page, max(1, -(-total // per_page)))
    rows = db.session.scalars(
        base.options(
            contains_eager(EngagementRecord.organisation),
            selectinload(EngagementRecord.focal_point),
            selectinload(EngagementRecord.coordination_structure),
            selectinload(EngagementRecord.purpose_areas),
        )
        .order_by(EngagementRecord.updated_at.desc(), EngagementRecord.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows=list(rows), total=total, page=page, per_page=per_page)


def engagement_history(record: EngagementRecord) -> list[AuditEvent]:
    """The audit events of one engagement record, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "EngagementRecord", AuditEvent.entity_id == record.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def staff_users() -> list[User]:
    """Active coordinators and admins by name (focal points and due-diligence checkers)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.coordinator, Role.admin]), User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def organisation_choices() -> list[tuple[int, str]]:
    """(id, name) of every organisation by name, for staff selects."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.acronym).order_by(
            Organisation.name, Organisation.id
        )
    )
    return [(id_, f"{name} ({acronym})" if acronym else name) for id_, name, acronym in rows]
