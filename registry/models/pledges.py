"""Pledges and their forms: key outcomes, submission windows (when a form takes input) and
invitations (a way in while it is closed)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db

from .base import Audited, InvalidTransition, TimestampMixin, UTCDateTime, enum_column
from .enums import WindowKind

if TYPE_CHECKING:
    from .organisations import Organisation
    from .signatures import Signature

DEFAULT_CLOSED_MESSAGE = "This form is closed to new submissions."

pledge_co_leads = sa.Table(
    "pledge_co_leads",
    db.metadata,
    sa.Column("pledge_id", sa.ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Pledge(Audited, TimestampMixin, db.Model):
    __tablename__ = "pledges"

    title: Mapped[str] = mapped_column(sa.String(300))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    forum: Mapped[str | None] = mapped_column(sa.String(100))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))

    key_outcomes: Mapped[list[KeyOutcome]] = relationship(
        back_populates="pledge", cascade="all, delete-orphan", order_by="KeyOutcome.position"
    )
    co_leads: Mapped[list[Organisation]] = relationship(secondary=pledge_co_leads)
    windows: Mapped[list[SubmissionWindow]] = relationship(
        back_populates="pledge", cascade="all, delete-orphan"
    )
    signatures: Mapped[list[Signature]] = relationship(back_populates="pledge")

    def __repr__(self) -> str:
        return f"<Pledge {self.slug}>"

    def current_window(self, kind: WindowKind, now: datetime) -> SubmissionWindow | None:
        """The window of `kind` the pledge's form speaks of now (`SubmissionWindow.current`)."""
        return SubmissionWindow.current((w for w in self.windows if w.kind is kind), now)

    def reporting_window(self, now: datetime) -> SubmissionWindow | None:
        """The progress window the pledge's figures speak of now
        (`SubmissionWindow.reporting_cycle`)."""
        windows = (w for w in self.windows if w.kind is WindowKind.progress)
        return SubmissionWindow.reporting_cycle(windows, now)


class KeyOutcome(Audited, TimestampMixin, db.Model):
    """One of a pledge's key outcomes, in order."""

    __tablename__ = "key_outcomes"

    pledge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pledges.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)

    pledge: Mapped[Pledge] = relationship(back_populates="key_outcomes")


class SubmissionWindow(Audited, TimestampMixin, db.Model):
    """When a pledge form accepts signatures or progress reports."""

    __tablename__ = "submission_windows"

    pledge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pledges.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[WindowKind] = enum_column(WindowKind)
    label: Mapped[str] = mapped_column(sa.String(300))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_manually_closed: Mapped[bool] = mapped_column(default=False)
    closed_message: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_CLOSED_MESSAGE)

    pledge: Mapped[Pledge] = relationship(back_populates="windows")
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="window", cascade="all, delete-orphan"
    )

    @staticmethod
    def current(windows: Iterable[SubmissionWindow], now: datetime) -> SubmissionWindow | None:
        """Of one pledge's windows of one kind, the one its form speaks of now: the open one,
        else the next to open (its form says when), else the latest. The forms, invitations
        and commands use this window."""
        windows = list(windows)
        if opened := SubmissionWindow._latest_open(windows, now):
            return opened
        upcoming = [w for w in windows if w.reopens_at(now)]
        if upcoming:
            return min(upcoming, key=lambda w: (w.opens_at, w.id))
        return max(windows, key=lambda w: w.id, default=None)

    @staticmethod
    def reporting_cycle(
        windows: Iterable[SubmissionWindow], now: datetime
    ) -> SubmissionWindow | None:
        """Of one pledge's progress windows, the reporting cycle its figures speak of now: the
        open one, else the latest that has opened (the cycle just reviewed), else the next to
        open. The dashboard's headline and roll-up and the GRF report use this window."""
        windows = list(windows)
        if opened := SubmissionWindow._latest_open(windows, now):
            return opened
        started = [w for w in windows if w.has_opened(now)]
        if started:
            return max(started, key=lambda w: (w.opens_at or w.created_at, w.id))
        return SubmissionWindow.current(windows, now)

    @staticmethod
    def _latest_open(windows: list[SubmissionWindow], now: datetime):
        """The open window that opened last (two may overlap), or None."""
        open_now = [w for w in windows if w.is_open(now)]
        return max(open_now, key=lambda w: (w.opens_at or w.created_at, w.id), default=None)

    def has_opened(self, now: datetime) -> bool:
        """The window has taken input at some point (it has no opening time still ahead)."""
        return self.opens_at is None or self.opens_at <= now

    def missing_report_status(self, now: datetime) -> str:
        """What a commitment without an update in this progress window is: "overdue" once the
        window has closed, "due" while it is open or has not opened yet (DESIGN §2)."""
        if self.is_open(now) or self.reopens_at(now):
            return "due"
        return "overdue"

    def is_open(self, now: datetime) -> bool:
        """Open when not closed by hand and `opens_at <= now < closes_at` (empty = unbounded)."""
        if self.is_manually_closed:
            return False
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at

    def reopens_at(self, now: datetime) -> datetime | None:
        """When a closed window will open by itself, if that is known."""
        if self.is_manually_closed or self.is_open(now):
            return None
        if self.opens_at is not None and now < self.opens_at:
            return self.opens_at
        return None

    def display_closed_message(self) -> str:
        """The closed message in the current language when it is the default one."""
        if self.closed_message == DEFAULT_CLOSED_MESSAGE:
            return gettext("This form is closed to new submissions.")
        return self.closed_message


class Invitation(Audited, TimestampMixin, db.Model):
    """A single-use link letting one organisation submit while a window is closed."""

    __tablename__ = "invitations"
    __audit_exclude__ = Audited.__audit_exclude__ | {"token_hash"}

    window_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission_windows.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Spending it is `UPDATE … WHERE version = <the version read>`: single-use under races too.
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    window: Mapped[SubmissionWindow] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation | None] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a token (only the hash is kept)."""
        return hashlib.sha256(token.encode()).hexdigest()

    def is_usable(self, now: datetime) -> bool:
        """Not used yet and not expired."""
        return self.used_at is None and now < self.expires_at

    def use(self, now: datetime) -> None:
        """Spend the invitation; raises when used or expired."""
        if self.used_at is not None:
            raise InvalidTransition("invitation already used")
        if now >= self.expires_at:
            raise InvalidTransition("invitation expired")
        self.used_at = now
