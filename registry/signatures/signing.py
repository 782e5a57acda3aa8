"""The pledge form: a stakeholder signs a pledge and adds commitments, step by step.

Steps: organisation profile → who signs → commitments (add, edit, remove) → check answers →
submit. Every step saves the draft, so a person on a slow connection can stop and come back.
While the signature window is closed every page shows the closed message and every write is
refused by the server (403), unless an invitation held in the session lets the user in.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from registry.disclosure import View
from registry.errors import OperationError, Refused
from registry.extensions import db
from registry.forms import BaseForm, commit_or_conflict
from registry.models import Role, WindowKind, utcnow
from registry.organisations import operations as organisation_operations
from registry.organisations import queries as organisation_queries
from registry.policies import (
    can_write,
    get_commitment_or_404,
    get_pledge_or_404,
    require_open_window,
    role_required,
)
from registry.seed import vocabulary_terms
from registry.signatures import operations, queries
from registry.signatures.forms import (
    CommitmentForm,
    OrganisationProfileForm,
    SignatoryForm,
    SubmitSignatureForm,
)
from registry.templating import window_words

bp = Blueprint("signing", __name__, url_prefix="/pledges/<slug>/sign")
stakeholder_only = role_required(Role.stakeholder)


@bp.before_request
def _closed_to_visitors():
    """An anonymous visitor of a closed pledge form reads its closed message (and when it
    reopens) before any login; an open form asks them to log in or register as before."""
    if current_user.is_authenticated or request.method != "GET":
        return None
    try:
        pledge = get_pledge_or_404((request.view_args or {}).get("slug", ""))
    except NotFound:
        return None  # the view asks for a login first, as for any page of the form
    now = utcnow()
    window = pledge.current_window(WindowKind.signature, now)
    if window is not None and window.is_open(now):
        return None
    return render_template(
        "signatures/signing/closed.html", pledge=pledge, closed=window_words(window, now).closed
    )


def _load(slug: str, *, must_exist: bool = False):
    """The pledge, the user's organisation and its signature (None before the first save)."""
    pledge = get_pledge_or_404(slug)
    organisation = current_user.organisation
    if organisation is None:
        raise Refused(_("Your account is not linked to an organisation yet."))
    signature = queries.signature_of(pledge, organisation)
    if must_exist and signature is None:
        abort(404)
    return pledge, organisation, signature


def _writable(pledge, organisation, signature=None):
    """Refuse a write while the form is closed or the signature is locked; returns the
    invitation that let the user in, if any."""
    invitation = require_open_window(pledge, WindowKind.signature, organisation)
    if signature is not None and not signature.is_editable:
        raise Refused(
            _(
                "This signature is %(status)s and can no longer be changed.",
                status=signature.status.label.lower(),
            )
        )
    return invitation


def _render(template: str, pledge, organisation, signature, **context):
    """A step page, told whether the form takes input and what it says if not."""
    now = utcnow()
    window = pledge.current_window(WindowKind.signature, now)
    writable = can_write(window, organisation, now)
    return render_template(
        f"signatures/signing/{template}.html",
        pledge=pledge,
        organisation=organisation,
        signature=signature,
        can_write=writable and (signature is None or signature.is_editable),
        closed=None if writable else window_words(window, now).closed,
        todo=queries.steps_needing_attention(signature),
        **context,
    )


def CONFLICT() -> str:  # noqa: N802 - a message constant that must be translated when used
    return _(
        "Someone else in your organisation saved this after you opened it. Your changes are "
        "below and were not saved: compare them with the saved version, then save again."
    )


@bp.get("")
@stakeholder_only
def start(slug: str):
    """Where the pledge form begins, or where a saved draft continues: the first step that
    needs attention (the check-and-submit page after a change request)."""
    pledge, _organisation, signature = _load(slug)
    if signature is None or signature.is_editable:
        return redirect(url_for(queries.first_step_to_continue(signature), slug=pledge.slug))
    return redirect(url_for("signing.review", slug=pledge.slug))


@bp.route("/organisation", methods=["GET", "POST"])
@stakeholder_only
def organisation(slug: str):
    """Step 1: confirm or edit the organisation profile; saving starts the draft."""
    pledge, org, signature = _load(slug)
    form = OrganisationProfileForm()
    form.set_country_choices()
    warnings = []
    if form.validate_on_submit():
        _writable(pledge, org, signature)
        if not (warnings := form.disclosure_warnings(org, form.profile(org))):
            organisation_operations.update_organisation_profile(org, form.organisation_data())
            operations.start_signature(pledge, org)
            db.session.commit()
            return redirect(url_for("signing.signatory", slug=slug))
    if not form.is_submitted():
        form.load(org)
    return _render("organisation", pledge, org, signature, form=form, warnings=warnings, step=1)


@bp.route("/signatory", methods=["GET", "POST"])
@stakeholder_only
def signatory(slug: str):
    """Step 2: who signs, their title, and the statement."""
    pledge, org, signature = _load(slug, must_exist=True)
    form = SignatoryForm(obj=None if request.method == "POST" else signature)
    if form.validate_on_submit():
        _writable(pledge, org, signature)
        if form.is_stale(signature):
            form.form_errors.append(CONFLICT())
        else:
            data = form.data
            operations.update_signatory(
                signature, data["signed_by_name"], data["signed_by_title"], data["statement"] or ""
            )
            if commit_or_conflict(form, CONFLICT()):
                return redirect(url_for("signing.commitments", slug=slug))
    form.version.data = str(signature.version)
    return _render("signatory", pledge, org, signature, form=form, step=2)


@bp.get("/commitments")
@stakeholder_only
def commitments(slug: str):
    """Step 3: the commitments so far, with add, change and remove."""
    pledge, org, signature = _load(slug, must_exist=True)
    return _render("commitments", pledge, org, signature, remove_form=BaseForm(), step=3)


def _partner_name(view: View, partner) -> str:
    """Another organisation as this one's pages may name it: by its display name."""
    return view.name(partner) or _("An organisation that is not listed")


def _commitment_form(pledge, org, commitment=None) -> CommitmentForm:
    """The commitment form; partners chosen earlier that are no longer public stay chosen,
    named by their display name."""
    form = CommitmentForm()
    view = View(viewer=org)
    kept = [o for o in (commitment.co_implementers if commitment else []) if not o.is_public]
    view.include(kept)
    partners = [(o.id, o.name) for o in organisation_queries.partner_choices(org.id)]
    partners += [(o.id, _partner_name(view, o)) for o in kept]
    form.set_choices(pledge, vocabulary_terms(), partners)
    return form


def _match_search(commitment) -> dict:
    """The search for published commitments to name as matching ones (`match_q`)."""
    q = request.args.get("match_q", "")
    exclude = commitment.id if commitment else None
    return {"match_q": q, "candidates": queries.match_candidates(View(), q, exclude)}


@bp.route("/commitments/new", methods=["GET", "POST"])
@stakeholder_only
def new_commitment(slug: str):
    """Add a commitment (a double-posted form creates it once)."""
    pledge, org, signature = _load(slug, must_exist=True)
    form = _commitment_form(pledge, org)
    warnings = []
    if form.validate_on_submit():
        _writable(pledge, org, signature)
        if not (warnings := form.disclosure_warnings(org)):
            try:
                operations.save_commitment(signature, form.commitment_data(), token=form.token.data)
            except OperationError as exc:
                db.session.rollback()
                form.add_error(exc)
            else:
                db.session.commit()
                flash(_("Commitment saved."), "success")
                return redirect(url_for("signing.commitments", slug=slug))
    if not form.is_submitted():
        form.token.data = secrets.token_hex(16)
    return _render(
        "commitment",
        pledge,
        org,
        signature,
        form=form,
        commitment=None,
        warnings=warnings,
        step=3,
        **_match_search(None),
    )


@bp.route("/commitments/<int:commitment_id>", methods=["GET", "POST"])
@stakeholder_only
def edit_commitment(slug: str, commitment_id: int):
    """Change a commitment; a save over someone else's newer one is refused, input kept."""
    pledge, org, signature = _load(slug, must_exist=True)
    commitment = get_commitment_or_404(commitment_id, signature)
    form = _commitment_form(pledge, org, commitment)
    warnings = []
    if form.validate_on_submit():
        _writable(pledge, org, signature)
        if form.is_stale(commitment):
            form.form_errors.append(CONFLICT())
        elif not (warnings := form.disclosure_warnings(org)):
            try:
                operations.save_commitment(signature, form.commitment_data(), commitment)
            except OperationError as exc:
                db.session.rollback()
                form.add_error(exc)
            else:
                if commit_or_conflict(form, CONFLICT()):
                    flash(_("Commitment saved."), "success")
                    return redirect(url_for("signing.commitments", slug=slug))
    elif not form.is_submitted():
        form.load(commitment)
    form.version.data = str(commitment.version)
    return _render(
        "commitment",
        pledge,
        org,
        signature,
        form=form,
        commitment=commitment,
        warnings=warnings,
        step=3,
        **_match_search(commitment),
    )


@bp.post("/commitments/<int:commitment_id>/remove")
@stakeholder_only
def remove_commitment(slug: str, commitment_id: int):
    """Remove a commitment from the draft."""
    pledge, org, signature = _load(slug, must_exist=True)
    commitment = get_commitment_or_404(commitment_id, signature)
    if BaseForm().validate_on_submit():
        _writable(pledge, org, signature)
        operations.remove_commitment(signature, commitment)
        db.session.commit()
        flash(_("Commitment removed."), "success")
    return redirect(url_for("signing.commitments", slug=slug))


@bp.get("/review")
@stakeholder_only
def review(slug: str):
    """Step 4: check your answers, with a link to change each part."""
    pledge, org, signature = _load(slug, must_exist=True)
    view = View(viewer=org)
    partners = [p for c in signature.commitments for p in c.co_implementers]
    view.include(partners)
    names = {p.id: _partner_name(view, p) for p in partners}
    return _render(
        "review", pledge, org, signature, form=SubmitSignatureForm(), partner_names=names, step=4
    )


@bp.get("/preview")
@stakeholder_only
def preview(slug: str):
    """The signature and its commitments as the public will see them once accepted."""
    pledge, org, signature = _load(slug, must_exist=True)
    shown = queries.signature_preview(View(preview=True, only=org), signature)
    return render_template("signatures/preview.html", **shown)


@bp.post("/submit")
@stakeholder_only
def submit(slug: str):
    """Send the signature for review; it is then locked until a coordinator decides."""
    pledge, org, signature = _load(slug, must_exist=True)
    form = SubmitSignatureForm()
    if form.validate_on_submit():
        invitation = _writable(pledge, org, signature)
        try:
            operations.submit_signature(signature, current_user, invitation)
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("signing.review", slug=slug))
        db.session.commit()
        return redirect(url_for("signing.done", slug=slug))
    return redirect(url_for("signing.review", slug=slug))


@bp.get("/done")
@stakeholder_only
def done(slug: str):
    """Confirmation that the signature was received."""
    pledge, org, signature = _load(slug, must_exist=True)
    return _render("done", pledge, org, signature)


@bp.post("/withdraw")
@stakeholder_only
def withdraw(slug: str):
    """Withdraw the signature (possible until a coordinator has decided)."""
    _pledge, _org, signature = _load(slug, must_exist=True)
    if BaseForm().validate_on_submit():
        try:
            operations.withdraw_signature(signature)
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("The signature was withdrawn."), "success")
    return redirect(url_for("organisations.mine"))
