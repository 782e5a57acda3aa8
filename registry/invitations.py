"""Invitations: coordinators invite one organisation or address to submit while a form is closed."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("invitations", __name__)


@bp.get("/coordinate/invitations")
@role_required(*STAFF)
def index():
    """Invitations of every window (to be built)."""
    return render_template("errors/error.html", code=200, message="Invitations")
