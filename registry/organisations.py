"""A stakeholder's own organisation: profile, signatures and their review state."""

from flask import Blueprint, render_template

from registry.policies import login_required

bp = Blueprint("organisations", __name__)


@bp.get("/my-organisation")
@login_required
def mine():
    """The current user's organisation (to be built)."""
    return render_template("errors/error.html", code=200, message="My organisation")
