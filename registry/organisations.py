"""A stakeholder's own organisation: its profile, signatures and their review state."""

from flask import Blueprint, render_template
from flask_login import current_user

from registry import queries
from registry.forms import SubmitSignatureForm
from registry.policies import login_required

bp = Blueprint("organisations", __name__)


@bp.get("/my-organisation")
@login_required
def mine():
    """The user's organisation with each signature's status and the reviewers' comments."""
    organisation = current_user.organisation
    signatures = queries.signatures_of(organisation) if organisation else []
    return render_template(
        "organisations/mine.html",
        organisation=organisation,
        signatures=signatures,
        withdraw_form=SubmitSignatureForm(),
    )
