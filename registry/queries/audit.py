"""Read-only queries of the audit log page: filters, a page of events, their diffs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from registry.extensions import db
from registry.models import (
    AuditEvent,
    User,
)
from registry.queries.commitments import Page
from registry.queries.params import url_int

__all__ = ["AUDIT_PER_PAGE", "AuditFilters", "audit_choices", "audit_diff", "audit_page"]

AUDIT_PER_PAGE = 50


@dataclass
class AuditFilters:
    """What the audit log shows; every field is a URL parameter of the same name."""

    actor: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        """Parse request arguments; values that mean nothing are dropped, never an error."""

        def day(value):
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        return cls(
            actor=(args.get("actor") or "").strip()[:254] or None,
            entity_type=(args.get("entity_type") or "").strip()[:60] or None,
            entity_id=url_int(args.get("entity_id")),
            action=(args.get("action") or "").strip()[:60] or None,
            date_from=day(args.get("date_from")),
            date_to=day(args.get("date_to")),
            page=url_int(args.get("page"), 1),
        )

    def to_args(self, **changes) -> dict:
        """The non-default values as URL parameters (for pagination links)."""
        values = asdict(self) | changes
        defaults = {f.name: f.default for f in fields(self)}
        return {
            key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in values.items()
            if value not in (None, "") and value != defaults[key]
        }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_select(filters: AuditFilters):
    """A select of the audit events the filters allow (dates are whole UTC days, inclusive)."""
    query = select(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id)
    if filters.actor:
        pattern = f"%{filters.actor.lower()}%"
        # The label is the e-mail at the time of the event; the user may have changed it since.
        query = query.where(
            or_(func.lower(AuditEvent.actor_label).like(pattern), User.email.like(pattern))
        )
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1)))
    return query


def audit_page(filters: AuditFilters, per_page: int = AUDIT_PER_PAGE) -> Page:
    """One page of the filtered audit events, newest first, in two SQL statements."""
    base = audit_select(filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = min(filters.page, max(1, -(-total // per_page)))
    rows = db.session.scalars(
        base.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows=list(rows), total=total, page=page, per_page=per_page)


def audit_choices() -> dict[str, list[str]]:
    """The entity types and actions that occur in the audit trail, for the filter selects."""
    return {
        "entity_types": list(
            db.session.scalars(
                select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
            )
        ),
        "actions": list(
            db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        ),
    }


def audit_diff(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field an event touches: changed fields of an update,
    every value of a create (before None) or of a delete (after None)."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys if key != "id"]
