"""Audit log (being built)."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("auditlog", __name__)


@bp.get("/coordinate/audit")
@role_required(*STAFF)
def index():
    """Audit log (being built)."""
    return render_template("errors/error.html", code=200, message="Audit log")
