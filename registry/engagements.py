"""Engagement records (being built)."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("engagements", __name__)


@bp.get("/coordinate/engagements")
@role_required(*STAFF)
def index():
    """Engagement records (being built)."""
    return render_template("errors/error.html", code=200, message="Engagement records")
