"""Accounts and organisations: users, roles, registration."""

from __future__ import annotations

from flask_babel import gettext
from flask_security import hash_password
from sqlalchemy import func, select

from registry.extensions import db, security
from registry.models import Organisation, Role, StakeholderType, User, Visibility

from .base import OperationError

__all__ = [
    "check_password",
    "find_user_by_email",
    "create_user",
    "create_organisation",
    "register_organisation",
    "change_role",
    "set_active",
]


def check_password(password: str, **context) -> str:
    """Return the normalised password or raise with why it is too weak."""
    problems, normalised = security.password_util.validate(password, True, **context)
    if problems:
        raise OperationError(" ".join(str(p) for p in problems), field="password")
    return normalised


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail (case-insensitive), if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().casefold()))


def create_user(
    email: str,
    name: str,
    password: str,
    role: Role = Role.stakeholder,
    organisation: Organisation | None = None,
) -> User:
    """Create a login; refuses an e-mail already in use and a weak password."""
    if find_user_by_email(email):
        raise OperationError(
            gettext("An account with this e-mail address already exists."), field="email"
        )
    normalised = check_password(password, email=email, name=name)
    user = security.datastore.create_user(
        email=email,
        name=name,
        password=hash_password(normalised),
        organisation=organisation,
    )
    user.role = role
    db.session.flush()
    return user


def create_organisation(
    *,
    name: str,
    stakeholder_type: StakeholderType,
    country: str | None = None,
    visibility: Visibility | None = None,
    is_refugee_led: bool = False,
    **fields,
) -> Organisation:
    """Create an organisation; refugee-led ones are anonymised unless told otherwise."""
    organisation = Organisation(
        name=name.strip(),
        stakeholder_type=stakeholder_type,
        is_refugee_led=is_refugee_led,
        country=country,
        **fields,
    )
    if visibility is None:
        visibility = Visibility.anonymised if organisation.is_refugee_led else Visibility.public
    organisation.visibility = visibility
    db.session.add(organisation)
    db.session.flush()
    return organisation


def register_organisation(org_fields: dict, user_fields: dict) -> User:
    """Register a new organisation with its first (stakeholder) user."""
    if find_user_by_email(user_fields["email"]):
        raise OperationError(
            gettext("An account with this e-mail address already exists."), field="email"
        )
    check_password(user_fields["password"], email=user_fields["email"], name=user_fields["name"])
    organisation = create_organisation(**org_fields)
    return create_user(organisation=organisation, role=Role.stakeholder, **user_fields)


def change_role(user: User, role: Role, by: User | None = None) -> User:
    """Give a user another role; an admin cannot demote themselves (someone must stay admin)."""
    if by is not None and by.id == user.id and role is not Role.admin:
        raise OperationError(gettext("You cannot remove your own administrator role."))
    user.role = role
    db.session.flush()
    return user


def set_active(user: User, active: bool, by: User | None = None) -> User:
    """Deactivate (ending every session of the user) or reactivate a login."""
    if by is not None and by.id == user.id and not active:
        raise OperationError(gettext("You cannot deactivate your own account."))
    user.active = active
    if not active:
        security.datastore.set_uniquifier(user)
    db.session.flush()
    return user
