"""Following pages: the Follow / Unfollow buttons and the account's following page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_security.utils import validate_redirect_url

from registry.extensions import db
from registry.following import operations, queries
from registry.following.forms import FollowForm
from registry.models import FollowKind
from registry.policies import get_followable_or_404, login_required

bp = Blueprint("following", __name__, url_prefix="/account/following")


def _kind(name: str) -> FollowKind:
    return FollowKind.__members__.get(name) or abort(404)


def _back(form: FollowForm) -> str:
    target = form.next.data
    if target and target.startswith("/") and validate_redirect_url(target):
        return target
    return url_for("following.index")


@bp.get("")
@login_required
def index():
    """Everything the user follows, each with its Unfollow button."""
    return render_template(
        "following/index.html", items=queries.followed_items(current_user), form=FollowForm()
    )


@bp.post("/<kind>/<int:entity_id>")
@login_required
def follow(kind: str, entity_id: int):
    """Follow a commitment, organisation or pledge the user may see (else 404)."""
    chosen = _kind(kind)
    get_followable_or_404(chosen, entity_id)
    form = FollowForm()
    if form.validate_on_submit():
        operations.follow(current_user, chosen, entity_id)
        db.session.commit()
        flash(_("Followed: its changes will be in your daily digest e-mail."), "success")
    return redirect(_back(form))


@bp.post("/<kind>/<int:entity_id>/unfollow")
@login_required
def unfollow(kind: str, entity_id: int):
    """Stop following (also what no longer can be seen: it stays on the following page)."""
    chosen = _kind(kind)
    if queries.follow_of(current_user, chosen, entity_id) is None:
        get_followable_or_404(chosen, entity_id)
    form = FollowForm()
    if form.validate_on_submit():
        operations.unfollow(current_user, chosen, entity_id)
        db.session.commit()
        flash(_("No longer followed."), "success")
    return redirect(_back(form))


@bp.app_context_processor
def follow_button():
    """`follow_state(kind, id)` for the Follow / Unfollow button on pages: None when signed
    out, else whether the user follows it."""

    def follow_state(kind: str, entity_id: int) -> bool | None:
        if not current_user.is_authenticated:
            return None
        return queries.follow_of(current_user, FollowKind[kind], entity_id) is not None

    return {"follow_state": follow_state, "follow_form": FollowForm}
