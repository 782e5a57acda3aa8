"""Logins: `User`, with the fields Flask-Security needs and one role per user."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_security import UserMixin
from flask_security.core import RoleMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.extensions import db

from .base import Audited, TimestampMixin, enum_column
from .enums import Role

if TYPE_CHECKING:
    from .organisations import Organisation


class RoleName(RoleMixin):
    """The shape Flask-Security expects of a role, built from the user's `Role` enum."""

    def __init__(self, name: str):
        self.name = name
        self.permissions = None

    def __eq__(self, other) -> bool:
        return getattr(other, "name", other) == self.name

    def __hash__(self) -> int:
        return hash(self.name)


class User(Audited, TimestampMixin, UserMixin, db.Model):
    __tablename__ = "users"
    __audit_exclude__ = Audited.__audit_exclude__ | {
        "password",
        "fs_uniquifier",
        "tf_totp_secret",
    }

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = enum_column(Role, default=Role.stakeholder)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    preferred_language: Mapped[str] = mapped_column(sa.String(10), default="en")
    fs_uniquifier: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=lambda: uuid.uuid4().hex
    )
    # MFA (Flask-Security two-factor): secret and method, empty until a user enrols.
    tf_totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    tf_primary_method: Mapped[str | None] = mapped_column(sa.String(64))

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    @validates("email")
    def _casefold_email(self, _key, value: str) -> str:
        return value.strip().casefold()

    @property
    def roles(self) -> list[RoleName]:
        """The single role as the list Flask-Security reads."""
        return [RoleName(self.role.name)] if self.role else []

    @roles.setter
    def roles(self, value) -> None:
        # Flask-Security's create_user passes `roles=[...]`; keep the highest one given.
        names = {getattr(r, "name", r) for r in value or []}
        for role in (Role.admin, Role.coordinator, Role.stakeholder):
            if role.name in names:
                self.role = role
                return

    @property
    def is_staff(self) -> bool:
        """Coordinators and admins: the agency's own people."""
        return self.role in (Role.coordinator, Role.admin)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.name if self.role else '-'}>"


class SavedFilter(TimestampMixin, db.Model):
    """A named set of list filters a user keeps (e.g. "Overdue in East Africa")."""

    __tablename__ = "saved_filters"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "area", "name", name="uq_saved_filters_user_area_name"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(100))
    query: Mapped[dict] = mapped_column(sa.JSON, default=dict)
