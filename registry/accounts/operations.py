"""Accounts: logins, roles, registration of an organisation with its first user, and requests
to join an organisation that is already registered."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_security import hash_password
from sqlalchemy import delete, func, select

from registry import security_log
from registry.errors import OperationError
from registry.extensions import db, security
from registry.i18n import current_language, language_or_default
from registry.mail import queue_template
from registry.models import (
    InvalidTransition,
    JoinRequest,
    Organisation,
    PendingRegistration,
    Role,
    StakeholderType,
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
    password: str | None,
    role: Role = Role.stakeholder,
    organisation: Organisation | None = None,
    password_hash: str | None = None,
    language: str | None = None,
) -> User:
    """Create a login; refuses an e-mail already in use and a weak password (`password_hash`:
    a password checked and hashed before, by a confirmed registration)."""
    if find_user_by_email(email):
        raise OperationError(
            gettext("An account with this e-mail address already exists."), field="email"
        )
    if password_hash is None:
        password_hash = hash_password(check_password(password, email=email, name=name))
    user = security.datastore.create_user(
        email=email,
        name=name,
        password=password_hash,
        organisation=organisation,
    )
    user.role = role
    user.preferred_language = language_or_default(language)
    db.session.flush()
    return user


def set_language(user: User, language: str) -> User:
    """Remember the language `user` reads the registry and its e-mails in."""
    user.preferred_language = language_or_default(language)
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
    organisation = organisation_operations.create_organisation(**org_fields)
    user = create_user(organisation=organisation, role=Role.stakeholder, **user_fields)
    organisation_operations.flag_possible_duplicates(organisation, list(possible_duplicates))
    return user


#: How long the link that finishes a registration works.
REGISTRATION_VALID = timedelta(hours=24)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_registration(
    org_fields: dict,
    user_fields: dict,
    join_organisation_id: int | None = None,
    join_message: str | None = None,
    next_url: str | None = None,
    possible_duplicate_ids: list[int] = (),
) -> None:
    """Begin a registration: e-mail the address a link that finishes it. For an address that
    has an account already, e-mail its owner instead; the person registering sees the same
    answer either way (no account enumeration). Refuses a weak password first. The new
    organisation will be queued as a possible duplicate of `possible_duplicate_ids` (the
    non-public organisations it matches, which the person registering is never told about)."""
    email, name = user_fields["email"].strip().casefold(), user_fields["name"]
    normalised = check_password(user_fields["password"], email=email, name=name)
    # Hashed whether or not the address is registered: the answer takes as long either way.
    password_hash = hash_password(normalised)
    existing = find_user_by_email(email)
    if existing is not None:
        security_log.event("registration.existing_address", user=existing)
        queue_template(
            existing.email,
            _l("Someone tried to register with your e-mail address"),
            "registration_existing",
            user=existing,
        )
        return
    token = secrets.token_urlsafe(32)
    payload = {
        "org": org_fields
        | {
            "stakeholder_type": org_fields["stakeholder_type"].name,
            "visibility": org_fields["visibility"].name if org_fields.get("visibility") else None,
        },
        "user": {
            "name": name,
            "email": email,
            "password_hash": password_hash,
            # The language of the registration form: the account's, and that of its e-mails.
            "language": current_language(),
        },
        "join_organisation_id": join_organisation_id,
        "join_message": join_message,
        "next": next_url,
        "possible_duplicates": list(possible_duplicate_ids),
    }
    db.session.add(
        PendingRegistration(
            token_hash=_token_hash(token),
            email=email,
            payload=payload,
            expires_at=utcnow() + REGISTRATION_VALID,
        )
    )
    db.session.flush()
    queue_template(
        email,
        _l("Finish registering with the Pledge & Partnership Registry"),
        "registration_confirm",
        name=name,
        link=url_for("auth.confirm_registration", token=token, _external=True),
        hours=int(REGISTRATION_VALID.total_seconds() // 3600),
    )


def pending_registration(token: str, now: datetime | None = None) -> PendingRegistration | None:
    """The registration a link names, while it is valid."""
    row = db.session.scalar(
        select(PendingRegistration).where(PendingRegistration.token_hash == _token_hash(token))
    )
    return row if row is not None and row.expires_at > (now or utcnow()) else None


def finish_registration(pending: PendingRegistration) -> tuple[User, bool, str | None]:
    """Create what a confirmed registration asked for; (user, joining, next URL). The link
    works once: of two confirmations at the same moment, one creates the account."""
    if not db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.id == pending.id)
    ).rowcount:
        raise OperationError(gettext("This link was used already. Log in instead."))
    payload = pending.payload
    org = payload["org"] | {
        "stakeholder_type": StakeholderType[payload["org"]["stakeholder_type"]],
        "visibility": Visibility[payload["org"]["visibility"]]
        if payload["org"].get("visibility")
        else None,
    }
    user_fields = {
        "name": payload["user"]["name"],
        "email": payload["user"]["email"],
        # nosec B105: no password at all (the hash below was made when it was checked).
        "password": None,  # nosec B105
        "password_hash": payload["user"]["password_hash"],
        "language": payload["user"].get("language"),
    }
    join_id = payload.get("join_organisation_id")
    if join_id is None:
        twins = [db.session.get(Organisation, i) for i in payload.get("possible_duplicates", [])]
        user = register_organisation(org, user_fields, [o for o in twins if o is not None])
        return user, False, payload.get("next")
    organisation = db.session.get(Organisation, join_id)
    if organisation is None:
        raise OperationError(gettext("That organisation is no longer registered."))
    join = request_to_join(user_fields, organisation, payload.get("join_message"))
    return join.user, True, payload.get("next")


def change_role(user: User, role: Role, by: User | None = None) -> User:
    """Give a user another role; an admin cannot demote themselves (someone must stay admin)."""
    if by is not None and by.id == user.id and role is not Role.admin:
        raise OperationError(gettext("You cannot remove your own administrator role."))
    if role is not user.role:
        security_log.event(
            "role.changed", target=user.email, before=user.role.name, after=role.name
        )
        user.role = role
        # Every session of the user ends: they log in again under the new role (and a
        # coordinator or admin then sets up a second factor).
        security.datastore.set_uniquifier(user)
    db.session.flush()
    return user


def set_scope(user: User, pledge_ids: list[int], regions: list[str]) -> User:
    """Limit a coordinator to some pledges and regions (empty lists: unscoped); the change is
    audited with the user (`User` is audited). Only coordinators have a scope."""
    if user.role is not Role.coordinator:
        raise OperationError(gettext("Only coordinators work within a scope; admins see all."))
    user.scope_pledge_ids = sorted(set(pledge_ids))
    user.scope_regions = sorted(set(regions))
    db.session.flush()
    return user


def set_active(user: User, active: bool, by: User | None = None) -> User:
    """Deactivate (ending every session of the user) or reactivate a login."""
    if by is not None and by.id == user.id and not active:
        raise OperationError(gettext("You cannot deactivate your own account."))
    if active is not user.active:
        security_log.event(
            "user.activated" if active else "user.deactivated", user=by, target=user.email
        )
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
        _l("Your request to join an organisation"),
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
        _l("Your request to join an organisation was approved")
        if approve
        else _l("Your request to join an organisation was declined"),
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
