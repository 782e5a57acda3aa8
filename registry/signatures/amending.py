"""Amendments after acceptance: an accepted signatory proposes changes to its published
commitments, and new ones, while the pledge's signature window is open (or an invitation lets
it in). Each proposal is reviewed like a signature; the published version stays in force until
a coordinator accepts it. The lead of a joint commitment also sees here its co-implementers'
answers and notes, and invites one that is not registered yet.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.disclosure import View
from registry.errors import OperationError, Refused
from registry.extensions import db
from registry.forms import commit_or_conflict
from registry.models import Role, WindowKind, utcnow
from registry.organisations import queries as organisation_queries
from registry.policies import (
    can_write,
    get_amendment_or_404,
    get_commitment_or_404,
    get_pledge_or_404,
    require_open_window,
    role_required,
)
from registry.seed import vocabulary_terms
from registry.signatures import amendments, operations, queries
from registry.signatures.forms import AmendmentForm, PartnerInvitationForm
from registry.templating import window_words

bp = Blueprint("amending", __name__, url_prefix="/pledges/<slug>/amend")
stakeholder_only = role_required(Role.stakeholder)


def _load(slug: str):
    """The pledge, the user's organisation and its accepted signature; a withdrawn (or not yet
    accepted) signature is refused with the reason."""
    pledge = get_pledge_or_404(slug)
    organisation = current_user.organisation
    signature = queries.signature_of(pledge, organisation) if organisation else None
    if signature is None:
        abort(404)
    try:
        amendments.require_amendable(signature)
    except OperationError as exc:
        raise Refused(str(exc)) from exc
    return pledge, organisation, signature


def _partner_name(view: View, partner) -> str:
    return view.name(partner) or _("An organisation that is not listed")


def _form(pledge, org, commitment=None) -> AmendmentForm:
    """The commitment form for a proposal (partners chosen before that are no longer public
    stay chosen, named by their display name)."""
    form = AmendmentForm()
    view = View(viewer=org)
    kept = [o for o in (commitment.co_implementers if commitment else []) if not o.is_public]
    view.include(kept)
    partners = [(o.id, o.name) for o in organisation_queries.partner_choices(org.id)]
    partners += [(o.id, _partner_name(view, o)) for o in kept]
    form.set_choices(pledge, vocabulary_terms(), partners)
    return form


def _page(template: str, pledge, org, signature, **context):
    now = utcnow()
    window = pledge.current_window(WindowKind.signature, now)
    writable = can_write(window, org, now)
    return render_template(
        f"signatures/amending/{template}.html",
        pledge=pledge,
        organisation=org,
        signature=signature,
        can_write=writable,
        closed=None if writable else window_words(window, now).closed,
        **context,
    )


@bp.get("")
@stakeholder_only
def overview(slug: str):
    """The published commitments, the proposals and their review, each commitment's history,
    and the co-implementers' answers and notes."""
    return _overview(*_load(slug))


def _overview(pledge, org, signature, invite_form=None, invite_for=None, code=200):
    view = View(viewer=org)
    partners = {c.id: queries.partners_of(c) for c in signature.commitments}
    view.include([p.organisation for parts in partners.values() for p in parts])
    return _page(
        "overview",
        pledge,
        org,
        signature,
        proposals=queries.amendments_of(signature),
        partners=partners,
        notes={c.id: queries.partner_notes(c) for c in signature.commitments},
        invitations={c.id: queries.partner_invitations(c) for c in signature.commitments},
        revisions={c.id: queries.revisions_of(c) for c in signature.commitments},
        changes=lambda diff: queries.readable_changes(diff, lambda o: _partner_name(view, o)),
        name=lambda o: _partner_name(view, o),
        # A partner's note as the lead may read it: no other protected organisation named.
        note_text=view.text,
        invite_forms={
            c.id: invite_form
            if invite_for == c.id
            else PartnerInvitationForm(formdata=None, prefix=f"invite-{c.id}")
            for c in signature.commitments
        },
        invite_for=invite_for,
    ), code


def _propose(pledge, org, signature, form, commitment, amendment):
    """Send the proposal; True when it was stored (else the form shows why)."""
    require_open_window(pledge, WindowKind.signature, org)
    try:
        amendments.propose_amendment(
            signature,
            form.commitment_data(),
            current_user,
            commitment=commitment,
            read_version=form.version.data,
            amendment=amendment,
            read_proposal=form.proposal_version.data,
        )
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return False
    return commit_or_conflict(form, amendments.stale_proposal())


def _proposal_page(pledge, org, signature, form, commitment, amendment, warnings=()):
    if not form.is_submitted():
        form.proposal_version.data = str(amendment.version) if amendment else "new"
        form.version.data = str(commitment.version) if commitment else "new"
    view = View()
    return _page(
        "propose",
        pledge,
        org,
        signature,
        form=form,
        commitment=commitment,
        amendment=amendment,
        warnings=warnings,
        waiting=amendment is not None and amendment.status.name == "submitted",
        candidates=queries.match_candidates(
            view, request.args.get("match_q"), commitment.id if commitment else None
        ),
        match_q=request.args.get("match_q", ""),
    )


@bp.route("/commitments/<int:commitment_id>", methods=["GET", "POST"])
@stakeholder_only
def propose_change(slug: str, commitment_id: int):
    """Propose a change to a published commitment (the form starts from the published version,
    or from the open proposal the coordinators asked to change)."""
    pledge, org, signature = _load(slug)
    commitment = get_commitment_or_404(commitment_id, signature)
    amendment = queries.open_amendment(commitment)
    form = _form(pledge, org, commitment)
    warnings = []
    if form.validate_on_submit():
        if not (warnings := form.disclosure_warnings(org)):
            if _propose(pledge, org, signature, form, commitment, amendment):
                flash(_("Your proposal was sent for review."), "success")
                return redirect(url_for("amending.overview", slug=slug))
    elif not form.is_submitted():
        if amendment is not None:
            form.load_proposal(operations.commitment_data(amendment.proposed))
        else:
            form.load(commitment)
    return _proposal_page(pledge, org, signature, form, commitment, amendment, warnings)


@bp.route("/new", methods=["GET", "POST"])
@stakeholder_only
def propose_new(slug: str):
    """Propose a new commitment for the accepted signature."""
    pledge, org, signature = _load(slug)
    form = _form(pledge, org)
    warnings = []
    if form.validate_on_submit():
        if not (warnings := form.disclosure_warnings(org)):
            if _propose(pledge, org, signature, form, None, None):
                flash(_("Your proposal was sent for review."), "success")
                return redirect(url_for("amending.overview", slug=slug))
    return _proposal_page(pledge, org, signature, form, None, None, warnings)


@bp.route("/proposals/<int:amendment_id>", methods=["GET", "POST"])
@stakeholder_only
def edit_proposal(slug: str, amendment_id: int):
    """Change a proposal the coordinators asked to change, and send it again."""
    pledge, org, signature = _load(slug)
    amendment = get_amendment_or_404(amendment_id)
    if amendment.signature_id != signature.id:
        abort(404)
    if amendment.commitment is not None:
        return redirect(
            url_for("amending.propose_change", slug=slug, commitment_id=amendment.commitment_id)
        )
    form = _form(pledge, org)
    warnings = []
    if form.validate_on_submit():
        if not (warnings := form.disclosure_warnings(org)):
            if _propose(pledge, org, signature, form, None, amendment):
                flash(_("Your proposal was sent for review."), "success")
                return redirect(url_for("amending.overview", slug=slug))
    elif not form.is_submitted():
        form.load_proposal(operations.commitment_data(amendment.proposed))
    return _proposal_page(pledge, org, signature, form, None, amendment, warnings)


@bp.post("/commitments/<int:commitment_id>/invite")
@stakeholder_only
def invite_partner(slug: str, commitment_id: int):
    """Invite a co-implementer that is not registered yet, by e-mail."""
    pledge, org, signature = _load(slug)
    commitment = get_commitment_or_404(commitment_id, signature)
    form = PartnerInvitationForm(prefix=f"invite-{commitment.id}")
    if form.validate_on_submit():
        try:
            operations.invite_partner(
                commitment, form.organisation_name.data, form.email.data, current_user
            )
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("The invitation was sent."), "success")
            return redirect(url_for("amending.overview", slug=slug))
    return _overview(pledge, org, signature, form, commitment.id, 400)
