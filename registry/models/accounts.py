"""Logins: `User`, with the fields Flask-Security needs and one role per user."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_security import UserMixin
from flask_security.core import RoleMixin
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.extensions import db

from .base import Audited, InvalidTransition, TimestampMixin, UTCDateTime, enum_column
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
        "mf_recovery_codes",
        "tf_totp_last_counter",
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
    # The time step of the last authenticator code used: a code works once (registry/mfa.py).
    tf_totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Single-use recovery codes, encrypted with a key derived from SECRET_KEY.
    # Flask-Security removes a used code in place, so the list tracks its own changes.
    mf_recovery_codes: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(sa.JSON))
    # A coordinator's scope (registry/policies.py): the pledges (ids) and UNHCR regions (names)
    # they work on; both empty means unscoped. Admins are always unscoped.
    scope_pledge_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    scope_regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

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

    def check_tf_required(self, tf_setup_methods, tf_fresh):
        """Flask-Security's question at login: is a second factor needed? Always once set
        up; for coordinators and admins always (they set one up before going further)."""
        from flask import current_app

        required = self.is_staff and current_app.config["MFA_REQUIRED_FOR_STAFF"]
        return (required or bool(tf_setup_methods)), tf_setup_methods

    def check_tf_required_setup(self) -> bool:
        """Whether the set-up page may offer to switch the second factor off."""
        from flask import current_app

        return self.is_staff and current_app.config["MFA_REQUIRED_FOR_STAFF"]

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


class PendingRegistration(TimestampMixin, db.Model):
    """A registration waiting for its owner to follow the link e-mailed to the address given:
    nothing is created until then, and the page answers the same for a new address and one
    already registered (no account enumeration)."""

    __tablename__ = "pending_registrations"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    # The form's fields, with the password already hashed (never the password itself).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Audited, TimestampMixin, db.Model):
    """A coordinator's personal token for the JSON API: shown once, stored hashed, with an
    expiry and scopes (`internal`: what internal reports show; `contacts`: organisations'
    contacts too), revocable. It works only while its owner is an active coordinator or
    administrator."""

    __tablename__ = "api_tokens"
    __audit_exclude__ = Audited.__audit_exclude__ | {"token_hash"}

    SCOPES = ("internal", "contacts")

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a token (only the hash is kept)."""
        return hashlib.sha256(token.encode()).hexdigest()

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its owner still active staff."""
        return (
            self.revoked_at is None
            and now < self.expires_at
            and self.user.active
            and self.user.role in (Role.coordinator, Role.admin)
        )

    def revoke(self, now: datetime) -> None:
        """Stop the token working (once)."""
        if self.revoked_at is not None:
            raise InvalidTransition("This token is revoked already.")
        self.revoked_at = now
