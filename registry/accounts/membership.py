"""Join requests: people asking to join an organisation that is already registered."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts import operations, queries
from registry.errors import OperationError
from registry.extensions import db
from registry.forms import BaseForm
from registry.organisations import operations as organisation_operations
from registry.organisations import queries as organisation_queries
from registry.policies import (
    STAFF,
    get_join_request_or_404,
    get_possible_duplicate_or_404,
    role_required,
)

bp = Blueprint("membership", __name__)


def _decide(request_id: int, operation, done):
    """Approve or decline a request (a CSRF-checked button), flash `done(request)`, go back."""
    join_request = get_join_request_or_404(request_id)
    if BaseForm().validate_on_submit():
        try:
            operation(join_request, by=current_user._get_current_object())
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(done(join_request), "success")
    return redirect(url_for("membership.requests"))


@bp.get("/coordinate/join-requests")
@role_required(*STAFF)
def requests():
    """Pending join requests, oldest first, with Approve and Decline buttons; and new
    registrations that may be duplicates of a non-public organisation (merge or keep)."""
    return render_template(
        "accounts/membership/requests.html",
        pending=queries.pending_join_requests(),
        duplicates=organisation_queries.pending_possible_duplicates(),
        button_form=BaseForm(),
    )


@bp.post("/coordinate/possible-duplicates/<int:duplicate_id>/keep")
@role_required(*STAFF)
def keep(duplicate_id: int):
    """Keep a registration that matched a non-public organisation: they are different."""
    duplicate = get_possible_duplicate_or_404(
        organisation_queries.get_possible_duplicate(duplicate_id)
    )
    if BaseForm().validate_on_submit():
        try:
            organisation_operations.keep_possible_duplicate(duplicate, current_user)
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Both organisations are kept."), "success")
    return redirect(url_for("membership.requests"))


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
