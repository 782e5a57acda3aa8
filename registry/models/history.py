"""Dated facts: every status a signature, commitment or engagement record reached, and when.

Figures "as of" a date read these (the status valid on that date), and a back-filled import
writes them with the dates its file gives. A change made through the ORM is recorded at flush
by `_record_status_changes`, at the moment the record itself names (`status_fact_at`: a
signature's submission or decision, a commitment's verified update, an engagement's stage
change), else now. Bulk imports insert their rows with `status_rows`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from registry.extensions import db

from .base import TimestampMixin, UTCDateTime, utcnow
from .engagements import EngagementRecord
from .signatures import Commitment, Signature

#: The models whose status is history, and the attribute that holds it.
TRACKED = {Signature: "status", Commitment: "status", EngagementRecord: "stage"}


class StatusChange(TimestampMixin, db.Model):
    """A record reached a status at a moment (the fact; `created_at` is when it was recorded)."""

    __tablename__ = "status_changes"
    __table_args__ = (sa.Index("ix_status_changes_entity", "entity_type", "entity_id", "at"),)

    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(sa.String(40))
    to_status: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "app" (a form or an operation), "import" (a file's dates), "migration" (back-filled).
    source: Mapped[str] = mapped_column(sa.String(20), default="app")


def status_row(model, entity_id: int, before, after, at: datetime, source: str, now) -> dict:
    """One `status_changes` row (statuses as enum members or names)."""
    return {
        "entity_type": model.__name__,
        "entity_id": entity_id,
        "from_status": getattr(before, "name", before),
        "to_status": getattr(after, "name", after),
        "at": at,
        "source": source,
        "created_at": now,
        "updated_at": now,
    }


def status_rows(model, rows: list[dict], ids: list[int], now, path=None) -> list[dict]:
    """The history of records inserted in bulk: for each row, its `path` of (status, at) pairs
    (by default the row's own status at its `status_changed_at` or `created_at`)."""
    field = TRACKED[model]
    out = []
    for row, id_ in zip(rows, ids, strict=True):
        steps = path(row) if path else [(row[field], row.get("status_changed_at") or now)]
        before = None
        for status, at in steps:
            out.append(status_row(model, id_, before, status, at or now, "import", now))
            before = status
    return out


@event.listens_for(Session, "after_flush")
def _record_status_changes(session, _flush_context):
    """One `StatusChange` per tracked record created or whose status changed in this flush."""
    now = utcnow()
    rows = []
    for obj in list(session.new) + list(session.dirty):
        field = TRACKED.get(type(obj))
        if field is None:
            continue
        history = inspect(obj).attrs[field].history
        if not history.added:
            continue
        after = history.added[0]
        before = history.deleted[0] if history.deleted else None
        if after is None or after == before:
            continue
        at = obj.status_fact_at() or now
        rows.append(status_row(type(obj), obj.id, before, after, at, "app", now))
    if rows:
        session.connection().execute(sa.insert(StatusChange.__table__), rows)


class CommitmentRevision(TimestampMixin, db.Model):
    """One accepted change to a published commitment, with who and when: an amendment the
    organisation proposed and a coordinator accepted, or a coordinator's edit on the
    organisation's behalf. `changes` holds {field: [before, after]} as shown to people."""

    __tablename__ = "commitment_revisions"
    __table_args__ = (sa.Index("ix_commitment_revisions_commitment", "commitment_id", "at"),)

    commitment_id: Mapped[int] = mapped_column(sa.ForeignKey("commitments.id", ondelete="CASCADE"))
    # "amendment" (proposed and accepted), "new" (a commitment added by an amendment),
    # "on_behalf" (a coordinator's edit for the organisation).
    kind: Mapped[str] = mapped_column(sa.String(20))
    amendment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("commitment_amendments.id", ondelete="SET NULL")
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    on_behalf_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    accepted_by = relationship("User", foreign_keys=[accepted_by_id])
    on_behalf_of = relationship("Organisation")
