"""Who may see and do what (DESIGN §3): role decorators and object loaders.

Every view is marked: `@public` or `@role_required(...)`. The permission walk in the tests reads
these marks, so a view without one fails the suite. Object loaders answer 404 for another
organisation's objects, so a stakeholder cannot even learn that they exist.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, session
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from registry.extensions import db, security
from registry.models import Invitation, Organisation, Role, Signature, utcnow

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


class WindowClosed(Forbidden):
    """A write refused because the form is closed; the page shows the form's own message."""

    show_to_user = True


INVITATIONS_SESSION_KEY = "invitations"


def usable_invitation(window, organisation=None, now=None):
    """The invitation held in this browser session that lets the current user into `window`."""
    ids = session.get(INVITATIONS_SESSION_KEY) or []
    if window is None or not ids or not current_user.is_authenticated:
        return None
    now = now or utcnow()
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.id.in_(ids), Invitation.window_id == window.id)
    )
    for invitation in invitations:
        org_matches = organisation is not None and invitation.organisation_id == organisation.id
        email_matches = bool(invitation.email) and invitation.email == current_user.email
        if invitation.is_usable(now) and (org_matches or email_matches):
            return invitation
    return None


def closed_message(window, now=None) -> str:
    """What a closed form says: its message, and when it reopens if that is known."""
    if window is None:
        return gettext("This form is closed to new submissions.")
    now = now or utcnow()
    message = window.display_closed_message()
    if reopens := window.reopens_at(now):
        from registry.templating import utc_datetime

        message += " " + gettext("It opens on %(date)s.", date=utc_datetime(reopens))
    return message


def require_open_window(pledge, kind, organisation=None, now=None):
    """Allow a write only while the pledge's `kind` window is open or an invitation lets the
    user in; otherwise refuse with 403 and the form's closed message. Returns the invitation
    used, if any."""
    from registry.queries import current_window

    now = now or utcnow()
    window = current_window(pledge, kind, now)
    if window is not None and window.is_open(now):
        return None
    invitation = usable_invitation(window, organisation, now)
    if invitation is None:
        raise WindowClosed(closed_message(window, now))
    return invitation
