"""Commitments tracker (being built)."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("commitments", __name__)


@bp.get("/coordinate/commitments")
@role_required(*STAFF)
def index():
    """Commitments tracker (being built)."""
    return render_template("errors/error.html", code=200, message="Commitments tracker")
