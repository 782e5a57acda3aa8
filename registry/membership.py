"""Join requests: people asking to join an organisation that is already registered."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("membership", __name__)


@bp.get("/coordinate/join-requests")
@role_required(*STAFF)
def requests():
    """Pending join requests (to be built)."""
    return render_template("errors/error.html", code=200, message="Join requests")
