"""Following: a user follows a commitment, an organisation or a pledge, and gets one digest
e-mail a day of what changed there."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db

from .base import TimestampMixin, enum_column


class FollowKind(enum.Enum):
    """What can be followed."""

    commitment = "commitment"
    organisation = "organisation"
    pledge = "pledge"


class Follow(TimestampMixin, db.Model):
    """One user following one commitment, organisation or pledge (at most once)."""

    __tablename__ = "follows"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "entity_id", name="uq_follows_user_kind_entity"),
        sa.Index("ix_follows_kind_entity", "kind", "entity_id"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[FollowKind] = enum_column(FollowKind)
    entity_id: Mapped[int]


class Digest(TimestampMixin, db.Model):
    """The digest e-mail of one day's changes sent to one user (never twice for a day)."""

    __tablename__ = "digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "day", name="uq_digests_user_day"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    change_count: Mapped[int] = mapped_column(default=0)
