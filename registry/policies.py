"""Who may see and do what (DESIGN §3): role decorators and object loaders.

Every view is marked: `@public` or `@role_required(...)`. The permission walk in the tests reads
these marks, so a view without one fails the suite. Object loaders answer 404 for another
organisation's objects, so a stakeholder cannot even learn that they exist.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from registry.extensions import db, security
from registry.models import Organisation, Role, Signature

ANYONE_LOGGED_IN = (Role.stakeholder, Role.coordinator, Role.admin)
STAFF = (Role.coordinator, Role.admin)


def public(view):
    """Mark a view as open to anonymous visitors."""
    view.access = "public"
    return view


def role_required(*roles: Role):
    """Allow only logged-in, active users with one of `roles`; others get login or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return security.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = frozenset(roles)
        return wrapped

    return decorator


def login_required(view):
    """Any logged-in user, whatever the role."""
    return role_required(*ANYONE_LOGGED_IN)(view)


def is_staff(user=None) -> bool:
    """True for coordinators and admins."""
    user = user or current_user
    return bool(user and user.is_authenticated and user.role in STAFF)


def can_act_for(organisation_id: int | None, user=None) -> bool:
    """Staff act for every organisation; a stakeholder only for their own."""
    user = user or current_user
    if is_staff(user):
        return True
    return bool(
        user.is_authenticated and organisation_id and user.organisation_id == organisation_id
    )


def get_organisation_or_404(organisation_id: int) -> Organisation:
    """Load an organisation the current user may act for, else 404."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can_act_for(organisation.id):
        abort(404)
    return organisation


def get_signature_or_404(signature_id: int, for_edit: bool = False) -> Signature:
    """Load a signature of the user's organisation (any for staff); `for_edit` needs it editable."""
    signature = db.session.get(Signature, signature_id)
    if signature is None or not can_act_for(signature.organisation_id):
        abort(404)
    if for_edit and not (signature.is_editable or is_staff()):
        abort(403)
    return signature


def own_signatures():
    """A select of the signatures the current user may see."""
    query = select(Signature)
    if not is_staff():
        query = query.where(Signature.organisation_id == current_user.organisation_id)
    return query
