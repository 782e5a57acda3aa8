"""Coordinators' personal API tokens: create one (its secret shown once), see and revoke
their own. Only their own: another user's token answers 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit import acting_as
from registry.errors import OperationError
from registry.extensions import db
from registry.models import utcnow
from registry.policies import STAFF, require_unscoped, role_required

from . import operations, queries
from .forms import RevokeForm, TokenForm

bp = Blueprint("api_tokens", __name__, url_prefix="/coordinate/api-tokens")


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    tokens = queries.tokens_of(current_user)
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens,
        secret=secret,
        revoke=RevokeForm(),
        now=utcnow(),
    ), status


@bp.route("", methods=["GET", "POST"])
@role_required(*STAFF)
def index():
    """The user's tokens and the form for a new one; a new token's secret is shown once (not
    for a scoped coordinator: the API reads the whole registry)."""
    require_unscoped()
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.is_submitted() else 200)
    scopes = [s for s in ("internal", "contacts") if getattr(form, s).data]
    try:
        with acting_as(current_user):
            _token, secret = operations.create_token(
                current_user, form.name.data, scopes, form.days.data
            )
            db.session.commit()
    except OperationError as error:
        form.name.errors.append(error.message)
        return _page(form, status=400)
    flash(_("Token created. Copy it now: it is not shown again."), "success")
    return _page(TokenForm(formdata=None), secret=secret)


@bp.post("/<int:token_id>/revoke")
@role_required(*STAFF)
def revoke(token_id: int):
    """Revoke one of the user's tokens."""
    token = queries.token_of(current_user, token_id) or abort(404)
    if RevokeForm().validate_on_submit():
        try:
            with acting_as(current_user):
                operations.revoke_token(token)
                db.session.commit()
            flash(_("Token “%(name)s” revoked.", name=token.name), "success")
        except OperationError as error:
            flash(error.message, "warning")
    return redirect(url_for("api_tokens.index"))
