"""Who may see and do what (DESIGN §3): role decorators, every object loader, and the rule
that a form takes input only while its window is open or an invitation lets the user in.

Every view is marked: `@public` or `@role_required(...)`. The permission walk in the tests reads
these marks, so a view without one fails the suite. Object loaders answer 404 for another
organisation's objects, so a stakeholder cannot even learn that they exist. A loader takes the
eager-loading `options` of the page that asks (from its area's queries).
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from registry import mfa
from registry.errors import Refused
from registry.extensions import db, security
from registry.models import (
    Commitment,
    CommitmentAmendment,
    CommitmentPartner,
    EngagementRecord,
    Invitation,
    JoinRequest,
    Organisation,
    OutboxMessage,
    Pledge,
    ProgressUpdate,
    ReportRun,
    Role,
    SavedFilter,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    User,
    WindowKind,
    utcnow,
)
from registry.templating import window_words

ANYONE_LOGGED_IN = (Role.stakeholder, Role.coordinator, Role.admin)
STAFF = (Role.coordinator, Role.admin)
INVITATIONS_SESSION_KEY = "invitations"


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
            if mfa.needs_setup(current_user):
                flash(_("Set up your authenticator app first: staff accounts need it."), "info")
                return redirect(url_for("security.two_factor_setup"))
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


def _load(model, object_id: int, options=()):
    """The row of `model` with `object_id` (with `options` applied), or None."""
    if not options:
        return db.session.get(model, object_id)
    return db.session.scalar(select(model).where(model.id == object_id).options(*options))


def _staff_record_or_404(model, object_id: int, options=()):
    """A record only staff work with (their routes are staff-only), else 404."""
    record = _load(model, object_id, options)
    if record is None or not is_staff():
        abort(404)
    return record


def staff_only_or_404(record):
    """A record only staff work with, loaded by an area's query: 404 if missing or not staff."""
    if record is None or not is_staff():
        abort(404)
    return record


def get_pledge_or_404(slug: str) -> Pledge:
    """A pledge by slug, with its key outcomes, co-leads and windows, else 404."""
    pledge = db.session.scalar(
        select(Pledge)
        .where(Pledge.slug == slug)
        .options(
            selectinload(Pledge.key_outcomes),
            selectinload(Pledge.co_leads),
            selectinload(Pledge.windows),
        )
    )
    return pledge or abort(404)


def get_organisation_or_404(organisation_id: int, options=()) -> Organisation:
    """An organisation the current user may act for (staff: any), else 404."""
    organisation = _load(Organisation, organisation_id, options)
    if organisation is None or not can_act_for(organisation.id):
        abort(404)
    return organisation


def get_signature_or_404(signature_id: int, for_edit: bool = False, options=()) -> Signature:
    """A signature of the user's organisation (any for staff); `for_edit` needs it editable."""
    signature = _load(Signature, signature_id, options)
    if signature is None or not can_act_for(signature.organisation_id):
        abort(404)
    if for_edit and not (signature.is_editable or is_staff()):
        abort(403)
    return signature


def get_commitment_or_404(
    commitment_id: int, signature: Signature | None = None, options=()
) -> Commitment:
    """A commitment the user may act for; with `signature`, only one of that signature (a
    pledge form never reaches another pledge's commitment), else 404."""
    commitment = _load(Commitment, commitment_id, options)
    if commitment is None or (signature is not None and commitment.signature_id != signature.id):
        abort(404)
    if not can_act_for(commitment.signature.organisation_id):
        abort(404)
    return commitment


def get_amendment_or_404(amendment_id: int) -> CommitmentAmendment:
    """A proposed amendment of the user's organisation (any for staff), else 404."""
    amendment = _load(CommitmentAmendment, amendment_id)
    if amendment is None or not can_act_for(amendment.signature.organisation_id):
        abort(404)
    return amendment


def get_partner_part_or_404(commitment_id: int) -> CommitmentPartner:
    """The current user's organisation's part in a joint commitment it is named on as a
    co-implementer (the lead's and everyone else's: 404)."""
    organisation_id = getattr(current_user, "organisation_id", None)
    part = db.session.get(CommitmentPartner, (commitment_id, organisation_id or 0))
    if part is None or part.commitment.signature.status not in _JOINT_SHOWN:
        abort(404)
    return part


_JOINT_SHOWN = frozenset({SignatureStatus.submitted, SignatureStatus.accepted})


def get_window_or_404(window_id: int) -> SubmissionWindow:
    """A submission window (staff), else 404."""
    return _staff_record_or_404(SubmissionWindow, window_id)


def get_update_or_404(update_id: int) -> ProgressUpdate:
    """A progress update (staff), else 404."""
    return _staff_record_or_404(ProgressUpdate, update_id)


def get_engagement_or_404(record_id: int) -> EngagementRecord:
    """An engagement record (staff only, never public), else 404."""
    return _staff_record_or_404(EngagementRecord, record_id)


def get_join_request_or_404(request_id: int) -> JoinRequest:
    """A request to join an organisation (staff), else 404."""
    return _staff_record_or_404(JoinRequest, request_id)


def get_user_or_404(user_id: int) -> User:
    """A login (staff routes; admins manage them), else 404."""
    return _staff_record_or_404(User, user_id)


def get_outbox_message_or_404(message_id: int) -> OutboxMessage:
    """An e-mail in the outbox (admin routes), else 404."""
    return _staff_record_or_404(OutboxMessage, message_id)


def get_run_or_404(run_id: int, *, with_pdf: bool = False) -> ReportRun:
    """A report run (staff), its PDF loaded only when asked for, else 404."""
    return _staff_record_or_404(ReportRun, run_id, (undefer(ReportRun.pdf),) if with_pdf else ())


def get_saved_filter_or_404(filter_id: int, area: str) -> SavedFilter:
    """One of the current user's saved filters of list `area` (another user's: 404)."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != current_user.id or saved.area != area:
        abort(404)
    return saved


def usable_invitation(window, organisation=None, now=None) -> Invitation | None:
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


def can_write(window, organisation=None, now: datetime | None = None) -> bool:
    """The form of `window` takes input from the current user now (open, or invited)."""
    now = now or utcnow()
    if window is not None and window.is_open(now):
        return True
    return usable_invitation(window, organisation, now) is not None


def require_open_window(pledge: Pledge, kind: WindowKind, organisation=None, now=None):
    """Allow a write only while the pledge's `kind` window is open or an invitation lets the
    user in; otherwise refuse with 403 and the form's closed message. Returns the invitation
    used, if any."""
    now = now or utcnow()
    window = pledge.current_window(kind, now)
    if window is not None and window.is_open(now):
        return None
    invitation = usable_invitation(window, organisation, now)
    if invitation is None:
        raise Refused(window_words(window, now).closed)
    return invitation
