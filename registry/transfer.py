"""Import (being built)."""

from flask import Blueprint, render_template

from registry.policies import STAFF, role_required

bp = Blueprint("transfer", __name__)


@bp.get("/coordinate/import")
@role_required(*STAFF)
def import_page():
    """Import (being built)."""
    return render_template("errors/error.html", code=200, message="Import")
