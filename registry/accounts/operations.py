"""Accounts: logins, roles, registration of an organisation with its first user, and requests
to join an organisation that is already registered."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_security import hash_password
from sqlalchemy import func, select

from registry.errors import OperationError
from registry.extensions import db, security
from registry.mail import queue_template
from registry.models import (
    InvalidTransition,
    JoinRequest,
    Organisation,
    Role,
    User,
    Visibility,
    utcnow,
)
from registry.organisations import operations as organisation_operations


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


def register_organisation(
    org_fields: dict, user_fields: dict, possible_duplicates: list[Organisation] = ()
) -> User:
    """Register a new organisation with its first (stakeholder) user; queue it to coordinators
    as a possible duplicate of each of `possible_duplicates` (non-public organisations it
    matches, which the person registering is never told about)."""
    if find_user_by_email(user_fields["email"]):
        raise OperationError(
            gettext("An account with this e-mail address already exists."), field="email"
        )
    check_password(user_fields["password"], email=user_fields["email"], name=user_fields["name"])
    organisation = organisation_operations.create_organisation(**org_fields)
    user = create_user(organisation=organisation, role=Role.stakeholder, **user_fields)
    organisation_operations.flag_possible_duplicates(organisation, list(possible_duplicates))
    return user


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


def _described(organisation: Organisation, user: User) -> str:
    """The organisation as an e-mail to `user` may name it: non-public ones only to members."""
    if organisation.visibility is Visibility.public or user.organisation_id == organisation.id:
        return organisation.name
    return gettext("the organisation registered with the name or website you gave")


def request_to_join(
    user_fields: dict, organisation: Organisation, message: str | None = None
) -> JoinRequest:
    """Create a login without an organisation and its pending request to join `organisation`."""
    user = create_user(organisation=None, role=Role.stakeholder, **user_fields)
    join_request = JoinRequest(
        user=user, organisation=organisation, message=(message or "").strip() or None
    )
    db.session.add(join_request)
    db.session.flush()
    queue_template(
        user.email,
        gettext("Your request to join an organisation"),
        "join_requested",
        user=user,
        organisation_name=_described(organisation, user),
    )
    return join_request


def _decide(join_request: JoinRequest, approve: bool, by: User | None, now: datetime | None):
    try:
        if approve:
            join_request.approve(by, now or utcnow())
        else:
            join_request.decline(by, now or utcnow())
    except InvalidTransition:
        raise OperationError(
            gettext(
                "This request has already been decided (%(status)s).",
                status=join_request.status.label,
            )
        ) from None
    db.session.flush()
    user = join_request.user
    queue_template(
        user.email,
        gettext("Your request to join an organisation was approved")
        if approve
        else gettext("Your request to join an organisation was declined"),
        "join_approved" if approve else "join_declined",
        user=user,
        organisation_name=_described(join_request.organisation, user),
    )
    return join_request


def approve_join_request(
    join_request: JoinRequest, by: User | None, now: datetime | None = None
) -> JoinRequest:
    """Approve a pending request: the user joins the organisation and is told by e-mail."""
    return _decide(join_request, True, by, now)


def decline_join_request(
    join_request: JoinRequest, by: User | None, now: datetime | None = None
) -> JoinRequest:
    """Decline a pending request: the user stays without an organisation and is told by e-mail."""
    return _decide(join_request, False, by, now)
