"""Review of submitted signatures: the queue, one signature in full, the decision."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.errors import OperationError
from registry.extensions import db
from registry.policies import STAFF, get_signature_or_404, role_required
from registry.signatures import operations, queries
from registry.signatures.forms import DecisionForm

bp = Blueprint("review", __name__, url_prefix="/coordinate/review")


def _get_signature_or_404(signature_id: int):
    return get_signature_or_404(signature_id, options=queries.FOR_REVIEW)


def _detail_page(signature, form: DecisionForm):
    """The review page of `signature`, with `form` (fresh or failed with its input)."""
    return render_template(
        "signatures/review/detail.html",
        signature=signature,
        form=form,
        change_request=queries.last_change_request(signature),
        changes=queries.changes_since_last_review(signature),
    )


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
    """Accept, request changes or reject; the submitter is told by e-mail."""
    signature = _get_signature_or_404(signature_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            operations.decide_signature(signature, form.status, current_user, form.comment.data)
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
