"""The agency's own records of organisations: partnerships and protection advocacy targets."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db

from .base import Audited, InvalidTransition, TimestampMixin, UTCDateTime, enum_column, utcnow
from .enums import EngagementKind, EngagementStage, GeographicLevel
from .vocabulary import VocabularyTerm, term_link_table

if TYPE_CHECKING:
    from .accounts import User
    from .organisations import Organisation

S = EngagementStage
engagement_purpose_areas = term_link_table("engagement_purpose_areas", "engagement_records")


class EngagementRecord(Audited, TimestampMixin, db.Model):
    __tablename__ = "engagement_records"
    INITIAL = {EngagementKind.advocacy_target: S.identified, EngagementKind.partnership: S.proposed}
    TRANSITIONS = {
        EngagementKind.advocacy_target: {
            (S.identified, S.engaged),
            (S.engaged, S.committed),
            (S.committed, S.converted),
            (S.identified, S.closed),
            (S.engaged, S.closed),
            (S.committed, S.closed),
        },
        EngagementKind.partnership: {
            (S.proposed, S.active),
            (S.active, S.completed),
            (S.active, S.ended),
            (S.proposed, S.ended),
        },
    }

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EngagementKind] = enum_column(EngagementKind, index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    geographic_level: Mapped[GeographicLevel | None] = enum_column(GeographicLevel, nullable=True)
    countries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    coordination_structure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("vocabulary_terms.id", ondelete="SET NULL")
    )
    focal_point_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    stage: Mapped[EngagementStage] = enum_column(EngagementStage, index=True)
    stage_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A dated fact: when the organisation was identified as a target (or the partnership
    # proposed); time to convert runs from it, and a conversion cannot come before it.
    identified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    internal_notes: Mapped[str | None] = mapped_column(sa.Text)
    hrdd_checked_on: Mapped[date | None]
    hrdd_checked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    hrdd_outcome: Mapped[str | None] = mapped_column(sa.Text)
    converted_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("engagement_records.id", ondelete="SET NULL"), unique=True
    )
    converted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "converted_at IS NULL OR converted_at >= identified_at",
            name="converted_after_identified",
        ),
    )

    organisation: Mapped[Organisation] = relationship(back_populates="engagement_records")
    purpose_areas: Mapped[list[VocabularyTerm]] = relationship(secondary=engagement_purpose_areas)
    coordination_structure: Mapped[VocabularyTerm | None] = relationship()
    focal_point: Mapped[User | None] = relationship(foreign_keys=[focal_point_id])
    converted_from: Mapped[EngagementRecord | None] = relationship(
        remote_side="EngagementRecord.id", back_populates="converted_into"
    )
    converted_into: Mapped[EngagementRecord | None] = relationship(back_populates="converted_from")
    converted_by: Mapped[User | None] = relationship(foreign_keys=[converted_by_id])
    # Read-only: forms set the id.
    hrdd_checked_by: Mapped[User | None] = relationship(
        foreign_keys=[hrdd_checked_by_id], viewonly=True
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.stage is None and self.kind is not None:
            self.stage = self.INITIAL[self.kind]
        if self.identified_at is None:
            # Unless told otherwise: identified when its story starts, or when recorded.
            known = [t for t in (self.stage_changed_at, self.created_at) if t is not None]
            self.identified_at = min(known) if known else utcnow()

    def status_fact_at(self) -> datetime | None:
        """When the current stage was reached (a new record: when identified)."""
        return self.stage_changed_at or self.identified_at

    def move_to(self, to: EngagementStage, now: datetime) -> None:
        """Move to the next stage; conversion goes through `convert`."""
        if to is S.converted:
            raise InvalidTransition("use convert() to turn a target into a partnership")
        self._move(to, now)

    def _move(self, to: EngagementStage, now: datetime) -> None:
        if (self.stage, to) not in self.TRANSITIONS[self.kind]:
            raise InvalidTransition(
                f"{self.kind.name} cannot go from {self.stage.name} to {to.name}"
            )
        self.stage, self.stage_changed_at = to, now

    def convert(
        self,
        by: User | None,
        now: datetime,
        *,
        keep_notes: bool = True,
        keep_due_diligence: bool = True,
    ) -> EngagementRecord:
        """Turn a committed advocacy target into a linked partnership, keeping this record; the
        partnership carries the target's internal notes and human-rights due-diligence check
        unless told not to."""
        if self.kind is not EngagementKind.advocacy_target:
            raise InvalidTransition("only an advocacy target can be converted")
        if self.identified_at is not None and now < self.identified_at:
            raise InvalidTransition("a target cannot be converted before it was identified")
        self._move(S.converted, now)
        self.converted_by, self.converted_at = by, now
        return EngagementRecord(
            organisation=self.organisation,
            kind=EngagementKind.partnership,
            title=self.title,
            geographic_level=self.geographic_level,
            countries=list(self.countries or []),
            coordination_structure=self.coordination_structure,
            focal_point=self.focal_point,
            purpose_areas=list(self.purpose_areas),
            start_date=now.date(),
            converted_from=self,
            converted_by=by,
            converted_at=now,
            identified_at=now,
            stage_changed_at=now,
            internal_notes=self.internal_notes if keep_notes else None,
            hrdd_checked_on=self.hrdd_checked_on if keep_due_diligence else None,
            hrdd_checked_by_id=self.hrdd_checked_by_id if keep_due_diligence else None,
            hrdd_outcome=self.hrdd_outcome if keep_due_diligence else None,
        )
