"""Dashboard (being built)."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("dashboard", __name__)


@bp.get("/coordinate/dashboard")
@role_required(*STAFF)
def index():
    """Dashboard (being built)."""
    return render_template("errors/error.html", code=200, message="Dashboard")
