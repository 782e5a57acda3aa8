"""Stakeholder entities: `Organisation` and its protected `Contact`s."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.extensions import db
from registry.geo import region_for
from registry.text import normalise_name, site_key

from .base import Audited, InvalidTransition, TimestampMixin, UTCDateTime, enum_column
from .enums import DuplicateStatus, JoinRequestStatus, Region, StakeholderType, Visibility

if TYPE_CHECKING:
    from .accounts import User
    from .engagements import EngagementRecord
    from .signatures import Signature


class Organisation(Audited, TimestampMixin, db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        # Lists by name walk this index (the public pledge page's signatories, page by page).
        sa.Index("ix_organisations_lower_name_id", sa.text("lower(name)"), "id"),
        # The public data's version reads the latest change (`registry.versions`).
        sa.Index("ix_organisations_updated_at", "updated_at"),
    )

    name: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(40))
    stakeholder_type: Mapped[StakeholderType] = enum_column(StakeholderType)
    country: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    region: Mapped[Region | None] = enum_column(Region, nullable=True, index=True)
    is_region_overridden: Mapped[bool] = mapped_column(default=False)
    website: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_refugee_led: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[Visibility] = enum_column(Visibility, default=Visibility.public)
    external_ref: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    # Former names, names in other languages and scripts: never shown publicly, but redacted
    # from public text like the name itself (DESIGN §4).
    other_names: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Derived for the duplicate check, in every script: "|key|key|" of the normalised name and
    # other names, and the website's key (its domain, or the page on a shared site).
    name_keys: Mapped[str | None] = mapped_column(sa.Text)
    # The name's own key, indexed: an import finds a probable twin by equality, not by a scan.
    name_key: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    site_key: Mapped[str | None] = mapped_column(sa.String(500), index=True)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.id"
    )
    users: Mapped[list[User]] = relationship(back_populates="organisation")
    signatures: Mapped[list[Signature]] = relationship(back_populates="organisation")
    engagement_records: Mapped[list[EngagementRecord]] = relationship(back_populates="organisation")

    @staticmethod
    def name_keys_of(name: str | None, other_names) -> tuple[str | None, str | None]:
        """(name_key, name_keys) of a name and its other names (see the columns)."""
        keys = dict.fromkeys(k for k in (normalise_name(n) for n in [name, *other_names]) if k)
        joined = "".join(f"|{k}" for k in keys) + "|" if keys else None
        return (normalise_name(name) or None), joined

    @staticmethod
    def derived(values: dict, keys: tuple | None = None) -> dict:
        """What the validators below derive from a new organisation's `values`, for rows
        written in bulk without them: the country code and its region, the refugee-led rule
        and the twin keys (`keys`: (name key, site key) when computed already)."""
        country = _country_code(values.get("country"))
        refugee_led = values["stakeholder_type"] is StakeholderType.refugee_led_organisation
        others = values.get("other_names") or []
        if keys and not others:  # the name's key is all there is (what name_keys_of makes)
            name_key, name_keys = keys[0] or None, f"|{keys[0]}|" if keys[0] else None
        else:
            name_key, name_keys = Organisation.name_keys_of(values["name"], others)
        site = keys[1] if keys else site_key(values.get("website"))
        return {
            "country": country,
            "region": region_for(country) if country else None,
            "is_refugee_led": bool(values.get("is_refugee_led")) or refugee_led,
            "name_key": keys[0] if keys else name_key,
            "name_keys": name_keys,
            "site_key": site,
        }

    @validates("name", "other_names")
    def _derive_name_keys(self, key, value):
        name = value if key == "name" else self.name
        others = list(value or []) if key == "other_names" else list(self.other_names or [])
        self.name_key, self.name_keys = self.name_keys_of(name, others)
        return value

    @validates("website")
    def _derive_site_key(self, _key, value: str | None) -> str | None:
        self.site_key = site_key(value)
        return value

    @validates("stakeholder_type")
    def _refugee_led_type(self, _key, value: StakeholderType) -> StakeholderType:
        # An organisation of type refugee-led organisation is always refugee-led.
        if value is StakeholderType.refugee_led_organisation:
            self.is_refugee_led = True
        return value

    @validates("is_refugee_led")
    def _keep_refugee_led(self, _key, value: bool) -> bool:
        return value or self.stakeholder_type is StakeholderType.refugee_led_organisation

    @validates("country")
    def _derive_region(self, _key, value: str | None) -> str | None:
        value = _country_code(value)
        if not self.is_region_overridden:
            self.region = region_for(value) if value else None
        return value

    @property
    def is_public(self) -> bool:
        """Named in public outputs (neither anonymised nor hidden)."""
        return self.visibility is Visibility.public

    def override_region(self, region: Region | None) -> None:
        """Set the region by hand; `None` goes back to deriving it from the country."""
        self.is_region_overridden = region is not None
        self.region = region if region is not None else region_for(self.country or "")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


def _country_code(value: str | None) -> str | None:
    return value.strip().upper() if value else None


class JoinRequest(Audited, TimestampMixin, db.Model):
    """A user asking to join an existing organisation instead of registering a copy of it."""

    __tablename__ = "join_requests"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[JoinRequestStatus] = enum_column(
        JoinRequestStatus, default=JoinRequestStatus.pending, index=True
    )
    message: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A decision is `UPDATE … WHERE version = <the version read>`: decided once, e-mailed once.
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def _decide(self, to: JoinRequestStatus, by: User | None, now: datetime) -> None:
        if self.status is not JoinRequestStatus.pending:
            raise InvalidTransition(f"join request already {self.status.name}")
        self.status, self.decided_by, self.decided_at = to, by, now

    def approve(self, by: User | None, now: datetime) -> None:
        """Approve: the user becomes a member of the organisation."""
        self._decide(JoinRequestStatus.approved, by, now)
        self.user.organisation = self.organisation

    def decline(self, by: User | None, now: datetime) -> None:
        """Decline: the user stays without an organisation."""
        self._decide(JoinRequestStatus.declined, by, now)


class PossibleDuplicate(Audited, TimestampMixin, db.Model):
    """A registration whose name or website matches a non-public organisation: the visitor was
    not told (no existence oracle), so coordinators decide whether to merge it or keep both."""

    __tablename__ = "possible_duplicates"

    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    existing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[DuplicateStatus] = enum_column(
        DuplicateStatus, default=DuplicateStatus.pending, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    existing: Mapped[Organisation | None] = relationship(foreign_keys=[existing_id])

    def decide(self, to: DuplicateStatus, by: User | None, now: datetime) -> None:
        """Record the coordinators' decision (merged or kept); once only."""
        if self.status is not DuplicateStatus.pending:
            raise InvalidTransition(f"possible duplicate already {self.status.name}")
        self.status, self.decided_by_id, self.decided_at = to, by.id if by else None, now


class Contact(Audited, TimestampMixin, db.Model):
    """A person at an organisation: protected data, never public (DESIGN §4)."""

    __tablename__ = "contacts"
    __table_args__ = (sa.Index("ix_contacts_updated_at", "updated_at"),)

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(50))

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")
