"""The registry's own records: audit trail, report runs, import runs, e-mail outbox, and the
summary counts behind the dashboard."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from registry.extensions import db

from .base import TimestampMixin, UTCDateTime, enum_column, utcnow
from .enums import Audience, ImportStatus, OutboxStatus, ReportStatus


class AuditEvent(TimestampMixin, db.Model):
    """Append-only history of every change to domain records."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_label: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(45))


class ReportRun(TimestampMixin, db.Model):
    """One generated report and its PDF."""

    __tablename__ = "report_runs"

    kind: Mapped[str] = mapped_column(sa.String(40))
    parameters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    audience: Mapped[Audience] = enum_column(Audience, default=Audience.public)
    status: Mapped[ReportStatus] = enum_column(ReportStatus, default=ReportStatus.queued)
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    page_count: Mapped[int | None]
    timings: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Reminder(TimestampMixin, db.Model):
    """A progress reminder sent to one organisation for one window on one day (never twice)."""

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint(
            "window_id", "organisation_id", "sent_on", name="uq_reminders_window_org_day"
        ),
    )

    window_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission_windows.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    sent_on: Mapped[date]
    commitment_count: Mapped[int] = mapped_column(default=0)


class OutboxMessage(TimestampMixin, db.Model):
    """Every e-mail the registry sends, with its delivery state."""

    __tablename__ = "outbox_messages"

    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = enum_column(
        OutboxStatus, default=OutboxStatus.pending, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A failed attempt waits before the next (doubling each time); None: as soon as possible.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class ServerSession(db.Model):
    """A browser session kept on the server (Flask-Session, registry/sessions.py): the cookie
    holds only a random id, stored here as its SHA-256, so a copy of this table opens nothing."""

    __tablename__ = "server_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ImportRun(TimestampMixin, db.Model):
    """One import file: checked (the plan of every row, kept for the confirmation), then
    written by a job, with its progress."""

    __tablename__ = "import_runs"

    kind: Mapped[str] = mapped_column(sa.String(40))
    filename: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[ImportStatus] = enum_column(ImportStatus, default=ImportStatus.checked)
    #: create/update/skip/duplicate/error counts of the plan, then the result of the import.
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The rows the preview shows (every blocking row first, at most a few hundred).
    preview: Mapped[list] = mapped_column(sa.JSON, default=list)
    ignored_columns: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The version of the data the plan was made on: the plan is reused while it is unchanged.
    data_version: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    plan: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    #: The file itself, planned again if the data changed before the confirmation.
    upload: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    total_rows: Mapped[int] = mapped_column(default=0)
    written_rows: Mapped[int] = mapped_column(default=0)
    allow_duplicates: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SummaryCount(db.Model):
    """One figure of the dashboard, kept up to date in the transaction of every change
    (registry/dashboard/summary.py): `pledge_id` 0 is every pledge."""

    __tablename__ = "summary_counts"

    pledge_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    figure: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class ChangeCounter(db.Model):
    """The version of one table: a number that database triggers renew in the transaction of
    every insert, update, delete (or truncate) of its rows, and when (registry/versions.py)."""

    __tablename__ = "change_counters"

    table_name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChangeMark(db.Model):
    """PostgreSQL only: one row while a transaction that changed counted tables commits; its
    deferred trigger renews their counters once, at commit (registry/versions.py)."""

    __tablename__ = "change_marks"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
