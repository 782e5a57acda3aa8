"""Review queue (being built)."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("review", __name__)


@bp.get("/coordinate/review")
@role_required(*STAFF)
def queue():
    """Review queue (being built)."""
    return render_template("errors/error.html", code=200, message="Review queue")
