"""What organisations sign and do: signatures of a pledge, their commitments, and progress
updates on those commitments in reporting windows."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db

from .base import Audited, InvalidTransition, TimestampMixin, UTCDateTime, enum_column, utcnow
from .enums import CommitmentStatus, GeographicLevel, PartnerStatus, ReviewState, SignatureStatus
from .vocabulary import VocabularyTerm, term_link_table

if TYPE_CHECKING:
    from .accounts import User
    from .amendments import CommitmentPartner
    from .organisations import Organisation
    from .pledges import KeyOutcome, Pledge, SubmissionWindow

commitment_partners = sa.Table(
    "commitment_partners",
    db.metadata,
    sa.Column(
        "commitment_id", sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "organisation_id",
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    # The co-implementer's answer (a joint commitment both sides see): a declined partner is
    # never listed in public output.
    sa.Column(
        "status",
        sa.Enum(PartnerStatus, native_enum=False, length=40, validate_strings=True),
        nullable=False,
        default=PartnerStatus.pending,
        server_default=PartnerStatus.pending.name,
    ),
    sa.Column("responded_at", UTCDateTime, nullable=True),
    sa.Column("responded_by_id", sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)
#: A commitment naming the commitments it matches or supports (matching pledges).
commitment_matches = sa.Table(
    "commitment_matches",
    db.metadata,
    sa.Column(
        "commitment_id", sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "matched_id",
        sa.ForeignKey("commitments.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
commitment_action_areas = term_link_table("commitment_action_areas", "commitments")
commitment_risks = term_link_table("commitment_risks", "commitments")
commitment_target_populations = term_link_table("commitment_target_populations", "commitments")


class Signature(Audited, TimestampMixin, db.Model):
    """An organisation signing a pledge: the pledge form submission."""

    __tablename__ = "signatures"
    __table_args__ = (
        sa.UniqueConstraint("pledge_id", "organisation_id", name="uq_signatures_pledge_org"),
        sa.Index("ix_signatures_updated_at", "updated_at"),
    )
    # (from, to) pairs the state machine allows; any non-final state may also be withdrawn.
    TRANSITIONS = {
        (SignatureStatus.draft, SignatureStatus.submitted),
        (SignatureStatus.submitted, SignatureStatus.accepted),
        (SignatureStatus.submitted, SignatureStatus.rejected),
        (SignatureStatus.submitted, SignatureStatus.changes_requested),
        (SignatureStatus.changes_requested, SignatureStatus.submitted),
    }
    FINAL = frozenset(
        {SignatureStatus.accepted, SignatureStatus.rejected, SignatureStatus.withdrawn}
    )
    EDITABLE = frozenset({SignatureStatus.draft, SignatureStatus.changes_requested})

    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    signed_by_name: Mapped[str | None] = mapped_column(sa.String(200))
    signed_by_title: Mapped[str | None] = mapped_column(sa.String(200))
    statement: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[SignatureStatus] = enum_column(
        SignatureStatus, default=SignatureStatus.draft, index=True
    )
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    pledge: Mapped[Pledge] = relationship(back_populates="signatures")
    organisation: Mapped[Organisation] = relationship(back_populates="signatures")
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="signature", cascade="all, delete-orphan", order_by="Commitment.id"
    )
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_editable(self) -> bool:
        """The stakeholder may still change it (draft or changes requested)."""
        return self.status in self.EDITABLE

    def _move(self, to: SignatureStatus) -> None:
        if (self.status, to) not in self.TRANSITIONS:
            raise InvalidTransition(f"signature cannot go from {self.status.name} to {to.name}")
        self.status = to

    def submit(self, by: User | None, now: datetime) -> None:
        """Send the signature for review."""
        self._move(SignatureStatus.submitted)
        self.submitted_at, self.submitted_by = now, by

    def accept(self, by: User | None, now: datetime) -> None:
        """Accept: the organisation becomes a signatory."""
        self._move(SignatureStatus.accepted)
        self.decided_at, self.decided_by, self.review_comment = now, by, None

    def reject(self, by: User | None, now: datetime, reason: str) -> None:
        """Reject with a reason."""
        if not (reason or "").strip():
            raise InvalidTransition("a rejection needs a reason")
        self._move(SignatureStatus.rejected)
        self.decided_at, self.decided_by, self.review_comment = now, by, reason

    def request_changes(self, by: User | None, now: datetime, comment: str) -> None:
        """Return to the stakeholder with a comment."""
        if not (comment or "").strip():
            raise InvalidTransition("a change request needs a comment")
        self._move(SignatureStatus.changes_requested)
        self.decided_at, self.decided_by, self.review_comment = now, by, comment

    def withdraw(self) -> None:
        """Withdraw a signature that is not final yet."""
        if self.status in self.FINAL:
            raise InvalidTransition(f"a {self.status.name} signature cannot be withdrawn")
        self.status = SignatureStatus.withdrawn

    def status_fact_at(self) -> datetime | None:
        """When the current status was reached, as the record dates it (None: now)."""
        if self.status is SignatureStatus.submitted:
            return self.submitted_at
        if self.status in (
            SignatureStatus.accepted,
            SignatureStatus.rejected,
            SignatureStatus.changes_requested,
        ):
            return self.decided_at
        return None


class CommitmentCountry(db.Model):
    """A country a commitment works in (ISO 3166-1 alpha-3)."""

    __tablename__ = "commitment_countries"

    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(sa.String(3), primary_key=True, index=True)


class Commitment(Audited, TimestampMixin, db.Model):
    """Something a signatory will do."""

    __tablename__ = "commitments"
    TRANSITIONS = {
        (CommitmentStatus.planning, CommitmentStatus.in_progress),
        (CommitmentStatus.in_progress, CommitmentStatus.fulfilled),
        (CommitmentStatus.planning, CommitmentStatus.discontinued),
        (CommitmentStatus.in_progress, CommitmentStatus.discontinued),
        (CommitmentStatus.fulfilled, CommitmentStatus.discontinued),
    }

    signature_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signatures.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    key_outcome_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("key_outcomes.id", ondelete="SET NULL"), index=True
    )
    geographic_level: Mapped[GeographicLevel | None] = enum_column(GeographicLevel, nullable=True)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    start_date: Mapped[date | None]
    target_date: Mapped[date | None]
    indicator_text: Mapped[str | None] = mapped_column(sa.Text)
    indicator_unit: Mapped[str | None] = mapped_column(sa.String(100))
    indicator_baseline: Mapped[float | None]
    indicator_target: Mapped[float | None]
    status: Mapped[CommitmentStatus] = enum_column(
        CommitmentStatus, default=CommitmentStatus.planning, index=True
    )
    progress_percent: Mapped[int | None]
    # Dated facts (back-dated by imports): when the organisation pledged it, and when it
    # reached its current status (None: when pledged). Figures use these, never created_at.
    pledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_ref: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    # The token of the form that created it: a form posted twice creates one commitment.
    submission_token: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("signature_id", "submission_token", name="uq_commitments_token"),
        # The tracker sorts by these; with the id as tie-breaker a deep page is an index walk.
        sa.Index("ix_commitments_updated_at_id", "updated_at", "id"),
        sa.Index("ix_commitments_target_date_id", "target_date", "id"),
        sa.Index("ix_commitments_title_id", "title", "id"),
    )

    signature: Mapped[Signature] = relationship(back_populates="commitments")
    key_outcome: Mapped[KeyOutcome | None] = relationship()
    action_areas: Mapped[list[VocabularyTerm]] = relationship(secondary=commitment_action_areas)
    risks: Mapped[list[VocabularyTerm]] = relationship(secondary=commitment_risks)
    target_populations: Mapped[list[VocabularyTerm]] = relationship(
        secondary=commitment_target_populations
    )
    co_implementers: Mapped[list[Organisation]] = relationship(secondary=commitment_partners)
    # Those the public may list: every co-implementer but one that declined its part.
    listed_co_implementers: Mapped[list[Organisation]] = relationship(
        secondary=commitment_partners,
        secondaryjoin=lambda: sa.and_(
            commitment_partners.c.organisation_id == _organisation_id(),
            commitment_partners.c.status != PartnerStatus.declined,
        ),
        viewonly=True,
    )
    # Each co-implementer's answer (read only: `co_implementers` adds and removes them).
    partner_parts: Mapped[list[CommitmentPartner]] = relationship(
        "CommitmentPartner", viewonly=True
    )
    matches: Mapped[list[Commitment]] = relationship(
        secondary=commitment_matches,
        primaryjoin=lambda: Commitment.id == commitment_matches.c.commitment_id,
        secondaryjoin=lambda: Commitment.id == commitment_matches.c.matched_id,
        order_by=lambda: Commitment.id,
    )
    matched_by: Mapped[list[Commitment]] = relationship(
        secondary=commitment_matches,
        primaryjoin=lambda: Commitment.id == commitment_matches.c.matched_id,
        secondaryjoin=lambda: Commitment.id == commitment_matches.c.commitment_id,
        order_by=lambda: Commitment.id,
        viewonly=True,
    )
    country_links: Mapped[list[CommitmentCountry]] = relationship(
        cascade="all, delete-orphan", order_by=CommitmentCountry.country
    )
    countries: AssociationProxy[list[str]] = association_proxy(
        "country_links", "country", creator=lambda code: CommitmentCountry(country=code)
    )
    progress_updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="ProgressUpdate.id"
    )

    def set_status(self, to: CommitmentStatus, at: datetime | None = None) -> None:
        """Move along planning → in progress → fulfilled, or to discontinued from anywhere
        (reached `at`, by default now)."""
        if to is self.status:
            return
        if (self.status, to) not in self.TRANSITIONS:
            raise InvalidTransition(f"commitment cannot go from {self.status.name} to {to.name}")
        self.status, self.status_changed_at = to, at or utcnow()

    def status_fact_at(self) -> datetime | None:
        """When the current status was reached: its change, else when it was pledged."""
        return self.status_changed_at or self.pledged_at


def _organisation_id():
    from .organisations import Organisation

    return Organisation.id


class ProgressUpdate(Audited, TimestampMixin, db.Model):
    """A report on a commitment in one reporting window."""

    __tablename__ = "progress_updates"
    __table_args__ = (
        sa.UniqueConstraint("commitment_id", "window_id", name="uq_progress_updates_cw"),
        sa.CheckConstraint(
            "progress_percent IS NULL OR (progress_percent >= 0 AND progress_percent <= 100)",
            name="percent_range",
        ),
        # The dashboard's latest highlights walk this index backwards and stop after a few.
        sa.Index("ix_progress_updates_reviewed_at_id", "reviewed_at", "id"),
        sa.Index("ix_progress_updates_updated_at", "updated_at"),
    )
    TRANSITIONS = {
        (ReviewState.draft, ReviewState.submitted),
        (ReviewState.submitted, ReviewState.verified),
        (ReviewState.submitted, ReviewState.returned),
        (ReviewState.returned, ReviewState.submitted),
    }

    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_windows.id"), index=True)
    status: Mapped[CommitmentStatus] = enum_column(CommitmentStatus)
    # None means "not reported", which is not 0 %.
    progress_percent: Mapped[int | None]
    actual_value: Mapped[float | None]
    achievements: Mapped[str | None] = mapped_column(sa.Text)
    challenges: Mapped[str | None] = mapped_column(sa.Text)
    next_steps: Mapped[str | None] = mapped_column(sa.Text)
    evidence_links: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_state: Mapped[ReviewState] = enum_column(
        ReviewState, default=ReviewState.draft, index=True
    )
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every save is `UPDATE … WHERE version = <the version read>`: of two saves at once, one
    # is stored and the other refused (StaleDataError), and a review happens once.
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    commitment: Mapped[Commitment] = relationship(back_populates="progress_updates")
    window: Mapped[SubmissionWindow] = relationship()

    def _move(self, to: ReviewState) -> None:
        if (self.review_state, to) not in self.TRANSITIONS:
            raise InvalidTransition(
                f"progress update cannot go from {self.review_state.name} to {to.name}"
            )
        self.review_state = to

    @property
    def is_editable(self) -> bool:
        """An update can be edited until it is verified."""
        return self.review_state is not ReviewState.verified

    def submit(self, by: User | None, now: datetime) -> None:
        """Send the update for verification."""
        self._move(ReviewState.submitted)
        self.submitted_by_id = by.id if by else None
        self.submitted_at = now

    def verify(self, by: User | None, now: datetime) -> None:
        """Verify: from now on it counts for the commitment's status."""
        self._move(ReviewState.verified)
        self.reviewed_by_id, self.reviewed_at, self.review_comment = (
            by.id if by else None,
            now,
            None,
        )

    def return_(self, by: User | None, now: datetime, comment: str) -> None:
        """Return to the reporter with a comment."""
        if not (comment or "").strip():
            raise InvalidTransition("returning an update needs a comment")
        self._move(ReviewState.returned)
        self.reviewed_by_id, self.reviewed_at, self.review_comment = (
            by.id if by else None,
            now,
            comment,
        )
