"""What a person approved for publication: the public (redacted) wording of a non-public
organisation's free text (DESIGN §4). Redaction cannot catch a paraphrase, so such text reaches
public outputs only once a coordinator has read and approved its public version."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db

from .base import Audited, TimestampMixin, UTCDateTime


class PublicWordingApproval(Audited, TimestampMixin, db.Model):
    """A coordinator's approval of one record's public wording.

    `digest` is a SHA-256 over the record's free-text fields as redaction leaves them: the
    approval holds while the text (and what redaction finds in it) is the one approved, so any
    later change to the text withdraws it without anyone having to remember to.
    """

    __tablename__ = "public_wording_approvals"
    __table_args__ = (
        sa.UniqueConstraint("entity_type", "entity_id", name="uq_public_wording_entity"),
    )

    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int] = mapped_column()
    digest: Mapped[str] = mapped_column(sa.String(64))
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
