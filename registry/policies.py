"""Who may see and do what (DESIGN §3): role decorators, every object loader, and the rule
that a form takes input only while its window is open or an invitation lets the user in.

Every view is marked: `@public` or `@role_required(...)`. The permission walk in the tests reads
these marks, so a view without one fails the suite. Object loaders answer 404 for another
organisation's objects, so a stakeholder cannot even learn that they exist. A loader takes the
eager-loading `options` of the page that asks (from its area's queries).

A coordinator may be scoped to some pledges and regions (`Scope`): the loaders answer 404
outside the scope, and every list query of a coordinator page applies `in_scope` (or
`scope_criteria`), so the scope is enforced here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask import abort, flash, has_request_context, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload, undefer

from registry import mfa
from registry.errors import Refused
from registry.extensions import db, security
from registry.models import (
    Commitment,
    CommitmentAmendment,
    CommitmentPartner,
    EngagementRecord,
    EvidenceFile,
    FollowKind,
    Invitation,
    JoinRequest,
    Organisation,
    OutboxMessage,
    Pledge,
    ProgressUpdate,
    Region,
    ReportRun,
    Role,
    SavedFilter,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    User,
    Visibility,
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


@dataclass(frozen=True)
class Scope:
    """What a coordinator works on: a set of pledges (ids) and a set of UNHCR regions; an empty
    set does not restrict. Admins, stakeholders (kept to their own organisation by the loaders)
    and code outside a request (jobs, the CLI) are unscoped."""

    pledge_ids: frozenset[int] = frozenset()
    regions: frozenset[Region] = frozenset()

    @property
    def is_scoped(self) -> bool:
        """True when the scope restricts anything."""
        return bool(self.pledge_ids or self.regions)

    def allows_pledge(self, pledge_id: int | None) -> bool:
        """The pledge with `pledge_id` is in the scope."""
        return not self.pledge_ids or pledge_id in self.pledge_ids

    def allows_region(self, region: Region | None) -> bool:
        """An organisation of `region` is in the scope (no region: only when unrestricted)."""
        return not self.regions or region in self.regions

    def allows_organisation(self, organisation: Organisation | None) -> bool:
        """`organisation` is in the scope (by its region)."""
        return self.allows_region(organisation.region if organisation is not None else None)

    def allows_signature(self, signature: Signature) -> bool:
        """`signature` (its pledge and its organisation's region) is in the scope."""
        return self.allows_pledge(signature.pledge_id) and self.allows_organisation(
            signature.organisation
        )


UNSCOPED = Scope()


def scope_of(user) -> Scope:
    """The scope `user` works in: a coordinator's own, everyone else unscoped."""
    if user is None or not getattr(user, "is_authenticated", False):
        return UNSCOPED
    if user.role != Role.coordinator:
        return UNSCOPED
    names = user.scope_regions or ()
    regions = frozenset(Region[name] for name in names if name in Region.__members__)
    return Scope(frozenset(user.scope_pledge_ids or ()), regions)


def current_scope() -> Scope:
    """The scope of the signed-in user (unscoped outside a request)."""
    return scope_of(current_user) if has_request_context() else UNSCOPED


def scope_criteria(*, pledge_id=None, organisation_id=None, scope: Scope | None = None) -> list:
    """The criteria that keep rows to the current user's scope, given the rows' pledge-id
    column and organisation-id column (a half of the scope without its column is not
    applied); none for unscoped users."""
    scope = current_scope() if scope is None else scope
    criteria = []
    if pledge_id is not None and scope.pledge_ids:
        criteria.append(pledge_id.in_(sorted(scope.pledge_ids)))
    if organisation_id is not None and scope.regions:
        regions = sorted(scope.regions, key=lambda r: r.name)
        in_regions = select(Organisation.id).where(Organisation.region.in_(regions))
        criteria.append(organisation_id.in_(in_regions))
    return criteria


def in_scope(
    query: Select, *, pledge_id=None, organisation_id=None, scope: Scope | None = None
) -> Select:
    """`query` kept to the current user's scope: every list query of a coordinator page,
    export, dashboard and report form passes its pledge-id and organisation-id columns here."""
    criteria = scope_criteria(pledge_id=pledge_id, organisation_id=organisation_id, scope=scope)
    return query.where(*criteria) if criteria else query


def require_unscoped() -> None:
    """404 for a scoped coordinator: the route acts on the whole registry (imports, API tokens)."""
    if current_scope().is_scoped:
        abort(404)


def _in_scope_or_404(record, allowed: bool):
    if record is None or not allowed:
        abort(404)
    return record


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


def get_possible_duplicate_or_404(duplicate) -> object:
    """A possible duplicate (staff; both organisations in their scope), loaded by its area's
    query, else 404."""
    staff_only_or_404(duplicate)
    scope = current_scope()
    organisations = [o for o in (duplicate.organisation, duplicate.existing) if o is not None]
    return _in_scope_or_404(duplicate, all(scope.allows_organisation(o) for o in organisations))


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
    return _in_scope_or_404(organisation, current_scope().allows_organisation(organisation))


def get_signature_or_404(signature_id: int, for_edit: bool = False, options=()) -> Signature:
    """A signature of the user's organisation (any for staff); `for_edit` needs it editable."""
    signature = _load(Signature, signature_id, options)
    if signature is None or not can_act_for(signature.organisation_id):
        abort(404)
    _in_scope_or_404(signature, current_scope().allows_signature(signature))
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
    return _in_scope_or_404(commitment, current_scope().allows_signature(commitment.signature))


def may_see_publicly(record) -> bool:
    """What the public pages show: a pledge; an organisation that is public and has an
    accepted signature; a commitment of an accepted signature of an organisation not hidden."""
    if isinstance(record, Pledge):
        return True
    if isinstance(record, Organisation):
        return record.visibility is Visibility.public and any(
            s.status is SignatureStatus.accepted for s in record.signatures
        )
    signature = record.signature
    return (
        signature.status is SignatureStatus.accepted
        and signature.organisation.visibility is not Visibility.hidden
    )


def get_followable_or_404(kind: FollowKind, entity_id: int):
    """The commitment, organisation or pledge `kind` names, if the user may see its page:
    staff within their scope; a stakeholder their own organisation's, or what the public
    pages show. Anything else answers 404 (following it would tell that it exists)."""
    model = {
        FollowKind.commitment: Commitment,
        FollowKind.organisation: Organisation,
        FollowKind.pledge: Pledge,
    }[kind]
    record = _load(model, entity_id)
    if record is None:
        abort(404)
    if isinstance(record, Pledge):
        return _in_scope_or_404(record, not is_staff() or current_scope().allows_pledge(record.id))
    owner_id = record.id if isinstance(record, Organisation) else record.signature.organisation_id
    if is_staff():
        scope = current_scope()
        allowed = (
            scope.allows_organisation(record)
            if isinstance(record, Organisation)
            else scope.allows_signature(record.signature)
        )
        return _in_scope_or_404(record, allowed)
    return _in_scope_or_404(record, can_act_for(owner_id) or may_see_publicly(record))


def get_evidence_file_or_404(file_id: int) -> EvidenceFile:
    """An evidence file of a progress update the user may see: of their own organisation's
    updates (staff: any within their scope), else 404 (another organisation learns nothing)."""
    evidence = db.session.get(EvidenceFile, file_id)
    if evidence is None:
        abort(404)
    signature = evidence.progress_update.commitment.signature
    if not can_act_for(signature.organisation_id):
        abort(404)
    return _in_scope_or_404(evidence, current_scope().allows_signature(signature))


def get_amendment_or_404(amendment_id: int) -> CommitmentAmendment:
    """A proposed amendment of the user's organisation (staff: any within their scope), else
    404."""
    amendment = _load(CommitmentAmendment, amendment_id)
    if amendment is None or not can_act_for(amendment.signature.organisation_id):
        abort(404)
    return _in_scope_or_404(amendment, current_scope().allows_signature(amendment.signature))


def get_partner_part_or_404(commitment_id: int) -> CommitmentPartner:
    """The current user's organisation's part in a joint commitment it is named on as a
    co-implementer (the lead's and everyone else's: 404; a hidden lead's too, for its page,
    its answer and its notes alike)."""
    organisation_id = getattr(current_user, "organisation_id", None)
    part = db.session.get(CommitmentPartner, (commitment_id, organisation_id or 0))
    if part is None or part.commitment.signature.status not in _JOINT_SHOWN:
        abort(404)
    if part.commitment.signature.organisation.visibility is Visibility.hidden:
        abort(404)
    return part


_JOINT_SHOWN = frozenset({SignatureStatus.submitted, SignatureStatus.accepted})


def get_window_or_404(window_id: int) -> SubmissionWindow:
    """A submission window (staff, of a pledge in their scope), else 404."""
    window = _staff_record_or_404(SubmissionWindow, window_id)
    return _in_scope_or_404(window, current_scope().allows_pledge(window.pledge_id))


def get_update_or_404(update_id: int) -> ProgressUpdate:
    """A progress update (staff, in their scope), else 404."""
    update = _staff_record_or_404(ProgressUpdate, update_id)
    return _in_scope_or_404(update, current_scope().allows_signature(update.commitment.signature))


def get_engagement_or_404(record_id: int) -> EngagementRecord:
    """An engagement record (staff only, never public; of an organisation of a region in their
    scope), else 404."""
    record = _staff_record_or_404(EngagementRecord, record_id)
    return _in_scope_or_404(record, current_scope().allows_organisation(record.organisation))


def get_join_request_or_404(request_id: int) -> JoinRequest:
    """A request to join an organisation (staff, of a region in their scope), else 404."""
    join_request = _staff_record_or_404(JoinRequest, request_id)
    allowed = current_scope().allows_organisation(join_request.organisation)
    return _in_scope_or_404(join_request, allowed)


def get_user_or_404(user_id: int) -> User:
    """A login (staff routes; admins manage them), else 404."""
    return _staff_record_or_404(User, user_id)


def get_outbox_message_or_404(message_id: int) -> OutboxMessage:
    """An e-mail in the outbox (admin routes), else 404."""
    return _staff_record_or_404(OutboxMessage, message_id)


def get_run_or_404(run_id: int, *, with_pdf: bool = False) -> ReportRun:
    """A report run (staff; of parameters within their scope), its PDF loaded only when asked
    for, else 404."""
    run = _staff_record_or_404(ReportRun, run_id, (undefer(ReportRun.pdf),) if with_pdf else ())
    return _in_scope_or_404(run, report_in_scope(run.kind, run.parameters or {}))


def report_in_scope(kind: str, parameters: dict, scope: Scope | None = None) -> bool:
    """A report of `kind` with `parameters` stays within the scope: a scoped coordinator's
    reports name a pledge and a region of the scope (never "all"), an organisation of it."""
    scope = current_scope() if scope is None else scope
    if not scope.is_scoped:
        return True
    region = parameters.get("region")
    region_ok = not scope.regions or (
        region in Region.__members__ and Region[region] in scope.regions
    )
    if kind == "engagement":
        return region_ok
    slug = parameters.get("pledge")
    pledge_id = db.session.scalar(select(Pledge.id).where(Pledge.slug == slug)) if slug else None
    pledge_ok = not scope.pledge_ids or pledge_id in scope.pledge_ids
    if kind == "signatory":
        organisation = db.session.get(Organisation, parameters.get("organisation") or 0)
        return pledge_ok and organisation is not None and scope.allows_organisation(organisation)
    return pledge_ok and region_ok


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
