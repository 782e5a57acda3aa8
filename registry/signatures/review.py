"""Review of submitted signatures: the queue, one signature in full (with the identifiers of
protected organisations marked and the public wording), the decision, approving the public
wording, and the public preview of a signature."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.disclosure import View
from registry.disclosure.review import wording_reviews, wording_version
from registry.errors import OperationError
from registry.extensions import db
from registry.forms import ApproveWordingForm, commit_or_conflict
from registry.models import SignatureStatus
from registry.policies import (
    STAFF,
    get_amendment_or_404,
    get_commitment_or_404,
    get_signature_or_404,
    role_required,
)
from registry.seed import vocabulary_terms
from registry.signatures import amendments, operations, queries
from registry.signatures.forms import AmendmentDecisionForm, DecisionForm, OnBehalfForm

bp = Blueprint("review", __name__, url_prefix="/coordinate/review")


def _get_signature_or_404(signature_id: int):
    return get_signature_or_404(signature_id, options=queries.FOR_REVIEW)


def _detail_page(signature, form: DecisionForm):
    """The review page of `signature`, with `form` (fresh or failed with its input)."""
    view = View()
    records = queries.wording_records(signature)
    reviews = wording_reviews(view, signature.organisation, records)
    version = wording_version(view, [obj for obj, _label in records if _has(reviews, obj)])
    form.wording_version.data = version
    return render_template(
        "signatures/review/detail.html",
        signature=signature,
        form=form,
        approve_form=ApproveWordingForm(formdata=None, version=version),
        wording=reviews,
        change_request=queries.last_change_request(signature),
        changes=queries.changes_since_last_review(signature),
    )


def _has(reviews, obj) -> bool:
    return any((r.kind, r.record_id) == (type(obj).__name__, obj.id) for r in reviews)


@bp.get("")
@role_required(*STAFF)
def queue():
    """Signatures waiting for a decision, oldest submission first."""
    return render_template("signatures/review/queue.html", rows=queries.review_queue())


@bp.get("/<int:signature_id>")
@role_required(*STAFF)
def detail(signature_id: int):
    """Everything the organisation entered, what changed since the last review, the decision."""
    return _detail_page(_get_signature_or_404(signature_id), DecisionForm())


@bp.post("/<int:signature_id>/decide")
@role_required(*STAFF)
def decide(signature_id: int):
    """Accept, request changes or reject (and approve the public wording); the submitter is
    told by e-mail."""
    signature = _get_signature_or_404(signature_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            operations.decide_signature(signature, form.status, current_user, form.comment.data)
            if form.approve_wording.data:
                operations.approve_signature_wording(
                    signature, current_user, form.wording_version.data
                )
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "%(organisation)s — %(pledge)s: %(status)s.",
                    organisation=signature.organisation.name,
                    pledge=signature.pledge.title,
                    status=signature.status.label,
                ),
                "success",
            )
            return redirect(url_for("review.queue"))
    return _detail_page(signature, form)


@bp.post("/<int:signature_id>/wording")
@role_required(*STAFF)
def approve_wording(signature_id: int):
    """Approve the public wording of the signature as read on its review page (audit-logged;
    any later change to the text withdraws it)."""
    signature = _get_signature_or_404(signature_id)
    form = ApproveWordingForm()
    if form.validate_on_submit():
        try:
            operations.approve_signature_wording(signature, current_user, form.version.data)
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("The public wording is approved."), "success")
    return redirect(url_for("review.detail", signature_id=signature.id) + "#wording")


@bp.get("/<int:signature_id>/preview")
@role_required(*STAFF)
def preview(signature_id: int):
    """The signature and its commitments exactly as the public will see them."""
    signature = _get_signature_or_404(signature_id)
    shown = queries.signature_preview(View(preview=True), signature)
    return render_template("signatures/preview.html", **shown)


# -- amendments after acceptance ------------------------------------------------------------


@bp.get("/amendments")
@role_required(*STAFF)
def amendment_queue():
    """Proposed amendments of accepted signatures waiting for a decision, oldest first."""
    return render_template(
        "signatures/review/amendments.html", amendments=queries.amendment_queue()
    )


def _amendment_page(amendment, form: AmendmentDecisionForm, code: int = 200):
    commitment = amendment.commitment
    before = amendments.published_values(commitment) if commitment else {}
    diff = amendments.changed_values(before, amendment.proposed)
    if not form.is_submitted():
        form.version.data = str(amendment.version)
    return render_template(
        "signatures/review/amendment.html",
        amendment=amendment,
        commitment=commitment,
        rows=queries.readable_changes(diff, lambda o: o.name),
        stale=commitment is not None and commitment.version != amendment.base_version,
        form=form,
    ), code


@bp.get("/amendments/<int:amendment_id>")
@role_required(*STAFF)
def amendment(amendment_id: int):
    """A proposal beside the published version it would change, and the decision."""
    return _amendment_page(get_amendment_or_404(amendment_id), AmendmentDecisionForm())


@bp.post("/amendments/<int:amendment_id>/decide")
@role_required(*STAFF)
def decide_amendment(amendment_id: int):
    """Accept (the change is published and recorded in the commitment's history), request
    changes or reject; refused over a newer change to the proposal or the commitment."""
    amendment = get_amendment_or_404(amendment_id)
    form = AmendmentDecisionForm()
    if form.validate_on_submit():
        try:
            amendments.decide_amendment(
                amendment, form.status, current_user, form.comment.data, form.version.data
            )
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            if commit_or_conflict(form, amendments.stale_proposal()):
                flash(_("Proposal: %(status)s.", status=amendment.status.label), "success")
                return redirect(url_for("review.amendment_queue"))
        return _amendment_page(get_amendment_or_404(amendment_id), form, 409)
    return _amendment_page(amendment, form, 400)


@bp.route("/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_on_behalf(commitment_id: int):
    """Change a published commitment on its organisation's behalf (recorded as such)."""
    commitment = get_commitment_or_404(commitment_id)
    signature = commitment.signature
    if signature.status is not SignatureStatus.accepted:
        abort(404)
    form = OnBehalfForm()
    candidates = queries.partner_candidates(signature.organisation_id, commitment.co_implementers)
    partners = [(o.id, o.name) for o in candidates]
    form.set_choices(signature.pledge, vocabulary_terms(), partners)
    if form.validate_on_submit():
        try:
            amendments.edit_on_behalf(
                commitment, form.commitment_data(), current_user, form.version.data
            )
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            if commit_or_conflict(form, amendments.stale_proposal()):
                flash(_("Saved on the organisation's behalf."), "success")
                return redirect(url_for("commitments.detail", commitment_id=commitment.id))
    elif not form.is_submitted():
        form.load(commitment)
    return render_template(
        "signatures/review/edit_on_behalf.html",
        commitment=commitment,
        form=form,
        match_q=request.args.get("match_q", ""),
        candidates=queries.match_candidates(View(), request.args.get("match_q"), commitment.id),
    ), 400 if form.errors else 200
