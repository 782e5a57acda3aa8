"""Join requests: people asking to join an organisation that is already registered."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import operations
from registry.extensions import db
from registry.forms import BaseForm
from registry.models import JoinRequest, JoinRequestStatus
from registry.policies import STAFF, role_required

bp = Blueprint("membership", __name__)


def _get_request_or_404(request_id: int) -> JoinRequest:
    return db.session.get(JoinRequest, request_id) or abort(404)


def _decide(request_id: int, operation, done):
    """Approve or decline a request (a CSRF-checked button), flash `done(request)`, go back."""
    join_request = _get_request_or_404(request_id)
    if BaseForm().validate_on_submit():
        try:
            operation(join_request, by=current_user._get_current_object())
        except operations.OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(done(join_request), "success")
    return redirect(url_for("membership.requests"))


@bp.get("/coordinate/join-requests")
@role_required(*STAFF)
def requests():
    """Pending join requests, oldest first, with Approve and Decline buttons."""
    pending = db.session.scalars(
        select(JoinRequest)
        .where(JoinRequest.status == JoinRequestStatus.pending)
        .options(selectinload(JoinRequest.user), selectinload(JoinRequest.organisation))
        .order_by(JoinRequest.created_at, JoinRequest.id)
    ).all()
    return render_template("membership/requests.html", pending=pending, button_form=BaseForm())


@bp.post("/coordinate/join-requests/<int:request_id>/approve")
@role_required(*STAFF)
def approve(request_id: int):
    """Approve a join request: the user becomes a member of the organisation."""
    return _decide(
        request_id,
        operations.approve_join_request,
        lambda r: _(
            "%(user)s is now a member of %(org)s.", user=r.user.name, org=r.organisation.name
        ),
    )


@bp.post("/coordinate/join-requests/<int:request_id>/decline")
@role_required(*STAFF)
def decline(request_id: int):
    """Decline a join request: the user stays without an organisation."""
    return _decide(
        request_id,
        operations.decline_join_request,
        lambda r: _("The request of %(user)s was declined.", user=r.user.name),
    )
