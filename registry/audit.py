"""One mechanism for the audit trail: every flush of an `Audited` record writes `AuditEvent`s.

The rows are inserted on the flush's own connection, so they commit or roll back with the change.
Views and operations never write create/update/delete events by hand; `record` is only for
events that change nothing (a contact viewed, an export made).
"""

from __future__ import annotations

import contextvars
import enum
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, RelationshipDirection, Session

from registry import security_log
from registry.models import Audited, AuditEvent, utcnow

_cli_actor: contextvars.ContextVar[tuple[int | None, str] | None] = contextvars.ContextVar(
    "audit_actor", default=None
)


@contextmanager
def acting_as(user=None, label: str | None = None):
    """Attribute audit events outside a request (CLI, jobs) to `user` or a label such as 'cli'."""
    token = _cli_actor.set((user.id if user else None, label or (user.email if user else "system")))
    try:
        yield
    finally:
        _cli_actor.reset(token)


def _actor() -> tuple[int | None, str | None, str | None]:
    """(user id, label, IP) of whoever causes the current change."""
    if has_request_context():
        from flask_login import current_user

        ip = request.remote_addr
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email, ip
        return None, "anonymous", ip
    actor = _cli_actor.get()
    if actor:
        return actor[0], actor[1], None
    return None, "system", None


def _jsonable(value):
    """A JSON-safe copy of a column value."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _snapshot(obj) -> dict:
    """Every audited column value of `obj`."""
    mapper = inspect(obj).mapper
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in obj.__audit_exclude__
    }


def _changes(obj) -> tuple[dict, dict]:
    """(before, after) of the attributes changed on a dirty object, collections included."""
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        if attr.key in obj.__audit_exclude__:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            before[attr.key] = _jsonable(hist.deleted[0] if hist.deleted else None)
            after[attr.key] = _jsonable(hist.added[0] if hist.added else None)
    for rel in state.mapper.relationships:
        if rel.direction is not RelationshipDirection.MANYTOMANY or rel.viewonly:
            continue
        hist = state.attrs[rel.key].history
        if hist.has_changes():
            kept = [o.id for o in hist.unchanged]
            before[rel.key] = sorted(kept + [o.id for o in hist.deleted])
            after[rel.key] = sorted(kept + [o.id for o in hist.added])
    return before, after


def _entity_type(obj) -> str:
    return type(obj).__name__


@event.listens_for(Mapper, "mapper_configured")
def _load_old_values(mapper, class_):
    """Audited columns keep their old value when changed (else "before" would be empty for a
    record whose attributes expired at the last commit)."""
    if issubclass(class_, Audited):
        for attr in mapper.column_attrs:
            if attr.key not in class_.__audit_exclude__:
                mapper.class_manager[attr.key].impl.active_history = True


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session, _flush_context, _instances):
    """The audit trail is append-only."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise RuntimeError("audit events are append-only")


@event.listens_for(Session, "after_flush")
def _write_audit_events(session, flush_context):
    """Insert one AuditEvent per created, changed or deleted `Audited` record."""
    actor_id, label, ip = _actor()
    now = utcnow()
    rows = []

    def add(action, obj, before, after):
        rows.append(
            {
                "actor_id": actor_id,
                "actor_label": label,
                "action": action,
                "entity_type": _entity_type(obj),
                "entity_id": getattr(obj, "id", None),
                "before": before,
                "after": after,
                "at": now,
                "ip": ip,
                "created_at": now,
                "updated_at": now,
            }
        )

    for obj in session.new:
        if isinstance(obj, Audited):
            add("create", obj, None, _snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj):
            before, after = _changes(obj)
            if before or after:
                add("update", obj, before, after)
    # Deletes the flush decided itself (orphans removed from a collection, cascades) are not in
    # session.deleted; the unit of work's own list has them all.
    for state, (is_delete, list_only) in flush_context.states.items():
        obj = state.obj()
        if is_delete and not list_only and isinstance(obj, Audited):
            add("delete", obj, _snapshot(obj), None)
    if rows:
        session.connection().execute(sa.insert(AuditEvent.__table__), rows)


#: Audit actions that are also security events (registry/security_log.py).
SECURITY_EVENTS = {"contact.view", "export"}


def created_events(model, rows: list[dict], ids: list[int]) -> list[dict]:
    """The "create" `AuditEvent` rows of records written in bulk (Core inserts, which no flush
    sees): the same snapshot a flush would log. The caller inserts them in its transaction."""
    actor_id, label, ip = _actor()
    now = utcnow()
    keys = [a.key for a in inspect(model).column_attrs if a.key not in model.__audit_exclude__]
    shared = {
        "actor_id": actor_id,
        "actor_label": label,
        "action": "create",
        "entity_type": model.__name__,
        "before": None,
        "at": now,
        "ip": ip,
        "created_at": now,
        "updated_at": now,
    }
    # What `_jsonable` made of each enum member, date or time seen (the rows of a chunk share
    # their timestamps and most enum values): each is converted once.
    made: dict = {}
    events = []
    for row, id_ in zip(rows, ids, strict=True):
        # The same snapshot as `_jsonable` of each value; plain values (most) are kept as they
        # are without going through it.
        get = row.get
        after = {key: get(key) for key in keys}
        if "id" in after:
            after["id"] = id_
        for key, value in after.items():
            if value is not None and type(value) not in _PLAIN:
                if type(value) in _HASHABLE or isinstance(value, enum.Enum):
                    seen = (type(value), value)  # by type too: members of str enums equal str
                    if seen not in made:
                        made[seen] = _jsonable(value)
                    after[key] = made[seen]
                else:
                    after[key] = _jsonable(value)
        events.append(shared | {"entity_id": id_, "after": after})
    return events


_PLAIN = frozenset({str, int, float, bool})
#: Values `_jsonable` converts that can be remembered by value (not lists).
_HASHABLE = frozenset({datetime, date, Decimal})


def record(session, action: str, entity, details: dict | None = None) -> None:
    """Log an event that changes no record (e.g. `contact.view`, `export`); seeing and taking
    protected data goes to the security log too."""
    actor_id, label, ip = _actor()
    if action in SECURITY_EVENTS:
        security_log.event(
            action,
            entity=_entity_type(entity) if not isinstance(entity, str) else entity,
            entity_id=getattr(entity, "id", None),
            actor=label,
            **{k: v for k, v in (details or {}).items() if k in ("kind", "rows", "contacts")},
        )
    session.add(
        AuditEvent(
            actor_id=actor_id,
            actor_label=label,
            action=action,
            entity_type=_entity_type(entity) if not isinstance(entity, str) else entity,
            entity_id=getattr(entity, "id", None),
            after=details,
            ip=ip,
        )
    )
