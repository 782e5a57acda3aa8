"""Shared model parts: UTC timestamps, labelled enums, the audit marker, transition errors."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class InvalidTransition(Exception):
    """A state change the record's state machine does not allow."""


class UTCDateTime(TypeDecorator):
    """A datetime stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls, **kwargs):
    """A column storing `enum_cls` by name, portable across SQLite and PostgreSQL."""
    return mapped_column(
        sa.Enum(enum_cls, native_enum=False, length=40, validate_strings=True), **kwargs
    )


class TimestampMixin:
    """`id`, `created_at` and `updated_at` on every table; scalar defaults apply at construction.

    SQLAlchemy fills column defaults only on INSERT, so a new `Signature()` would have no
    status until flushed and its state machine could not start; applying them here fixes that.
    """

    def __init__(self, **kwargs):
        for attr in sa.inspect(type(self)).column_attrs:
            default = attr.columns[0].default
            if attr.key not in kwargs and default is not None and default.is_scalar:
                kwargs[attr.key] = default.arg
        super().__init__(**kwargs)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Audited:
    """Marker: every insert, update and delete of this model writes an `AuditEvent`.

    `__audit_exclude__` names attributes never copied into the audit log (secrets, noise).
    """

    __audit_exclude__: frozenset[str] = frozenset({"created_at", "updated_at", "version"})
