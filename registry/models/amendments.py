"""The life of a pledge after acceptance: amendments proposed to an accepted signature's
commitments (reviewed like a signature), the history of every accepted change, and the other
side of a joint commitment (a co-implementer's answer, its notes, invitations by e-mail)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db

from .base import Audited, InvalidTransition, TimestampMixin, UTCDateTime, enum_column, utcnow
from .enums import AmendmentStatus, PartnerStatus
from .signatures import Commitment, Signature, commitment_partners

if TYPE_CHECKING:
    from .accounts import User
    from .organisations import Organisation


class CommitmentAmendment(Audited, TimestampMixin, db.Model):
    """A proposed change to a published commitment (or a proposed new commitment) of an
    accepted signature. The commitment itself is untouched until a coordinator accepts."""

    __tablename__ = "commitment_amendments"
    TRANSITIONS = {
        (AmendmentStatus.submitted, AmendmentStatus.accepted),
        (AmendmentStatus.submitted, AmendmentStatus.rejected),
        (AmendmentStatus.submitted, AmendmentStatus.changes_requested),
        (AmendmentStatus.changes_requested, AmendmentStatus.submitted),
    }
    OPEN = frozenset({AmendmentStatus.submitted, AmendmentStatus.changes_requested})

    signature_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signatures.id", ondelete="CASCADE"), index=True
    )
    # None: a new commitment. Else the commitment changed, at the version it was read.
    commitment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    base_version: Mapped[int | None]
    # One open proposal per commitment: the commitment's id while open, else NULL (a second
    # proposal racing the first fails this unique key, and nothing of it is written).
    open_key: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[AmendmentStatus] = enum_column(
        AmendmentStatus, default=AmendmentStatus.submitted, index=True
    )
    proposed: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The commitment a proposed new commitment became, once accepted.
    created_commitment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    signature: Mapped[Signature] = relationship()
    commitment: Mapped[Commitment | None] = relationship(foreign_keys=[commitment_id])
    created_commitment: Mapped[Commitment | None] = relationship(
        foreign_keys=[created_commitment_id]
    )
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        """Waiting for a decision, or for the organisation's changes."""
        return self.status in self.OPEN

    @property
    def is_new_commitment(self) -> bool:
        """A proposed new commitment (not a change to a published one)."""
        return self.commitment_id is None and self.created_commitment_id is None

    def _move(self, to: AmendmentStatus) -> None:
        if (self.status, to) not in self.TRANSITIONS:
            raise InvalidTransition(f"amendment cannot go from {self.status.name} to {to.name}")
        self.status = to
        self.open_key = self.commitment_id if to in self.OPEN else None

    def resubmit(self, proposed: dict, by: User | None, now: datetime) -> None:
        """Send the changed proposal for review again (after a change request)."""
        self._move(AmendmentStatus.submitted)
        self.proposed, self.proposed_by, self.proposed_at = proposed, by, now

    def accept(self, by: User | None, now: datetime) -> None:
        """Accept: the caller applies the proposal to the commitment."""
        self._move(AmendmentStatus.accepted)
        self.decided_by, self.decided_at, self.review_comment = by, now, None

    def request_changes(self, by: User | None, now: datetime, comment: str) -> None:
        """Return to the organisation with a comment."""
        if not (comment or "").strip():
            raise InvalidTransition("a change request needs a comment")
        self._move(AmendmentStatus.changes_requested)
        self.decided_by, self.decided_at, self.review_comment = by, now, comment

    def reject(self, by: User | None, now: datetime, reason: str) -> None:
        """Reject with a reason; the published version stays."""
        if not (reason or "").strip():
            raise InvalidTransition("a rejection needs a reason")
        self._move(AmendmentStatus.rejected)
        self.decided_by, self.decided_at, self.review_comment = by, now, reason


class CommitmentPartner(db.Model):
    """One co-implementer of a joint commitment and its answer (the rows the commitment's
    `co_implementers` writes; this class reads and records the answer)."""

    __table__ = commitment_partners

    commitment: Mapped[Commitment] = relationship(viewonly=True)
    organisation: Mapped[Organisation] = relationship(viewonly=True)

    def answer(self, status: PartnerStatus, by: User | None, now: datetime) -> None:
        """Confirm or decline the organisation's part (it may change its mind)."""
        if status is PartnerStatus.pending:
            raise InvalidTransition("a partner answers confirmed or declined")
        self.status, self.responded_by_id, self.responded_at = status, by.id if by else None, now


class PartnerNote(Audited, TimestampMixin, db.Model):
    """A co-implementing organisation's own progress note on a joint commitment (the lead's
    progress update stays the consolidated report; notes are never public)."""

    __tablename__ = "partner_notes"

    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)

    commitment: Mapped[Commitment] = relationship()
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()


class PartnerInvitation(Audited, TimestampMixin, db.Model):
    """A lead's invitation to an organisation not registered yet to co-implement a commitment:
    when someone registers with the address, their organisation is named on it (pending its
    confirmation). Never shown publicly: the name is the lead's free text."""

    __tablename__ = "partner_invitations"

    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(300))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    commitment: Mapped[Commitment] = relationship()
    invited_by: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
