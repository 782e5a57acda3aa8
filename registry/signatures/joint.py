"""Joint commitments, the co-implementer's side: the organisation named on another's
commitment sees it (as the public view shows it to that organisation), confirms or declines
its part, and adds its own progress notes. The lead's progress report stays the consolidated
one; notes go to the lead and the coordinators, never to public output."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.errors import OperationError
from registry.extensions import db
from registry.models import Role
from registry.organisations import queries as organisation_queries
from registry.policies import get_partner_part_or_404, role_required
from registry.signatures import operations, queries
from registry.signatures.forms import PartnerAnswerForm, PartnerNoteForm

bp = Blueprint("joint", __name__, url_prefix="/my-organisation/joint")
stakeholder_only = role_required(Role.stakeholder)


def _page(part, answer_form=None, note_form=None, code=200):
    entry = organisation_queries.joint_entry(part) or abort(404)
    return render_template(
        "signatures/joint/detail.html",
        part=part,
        commitment=entry["commitment"],
        notes=queries.partner_notes(part.commitment, part.organisation_id),
        answer_form=answer_form or PartnerAnswerForm(formdata=None),
        note_form=note_form or PartnerNoteForm(formdata=None),
    ), code


@bp.get("/<int:commitment_id>")
@stakeholder_only
def detail(commitment_id: int):
    """A joint commitment the user's organisation is named on, its answer and its notes."""
    return _page(get_partner_part_or_404(commitment_id))


@bp.post("/<int:commitment_id>/answer")
@stakeholder_only
def answer(commitment_id: int):
    """Confirm or decline the organisation's part (a declined partner is never listed)."""
    part = get_partner_part_or_404(commitment_id)
    form = PartnerAnswerForm()
    if not form.validate_on_submit():
        return _page(part, answer_form=form, code=400)
    operations.answer_as_partner(part, form.status, current_user)
    db.session.commit()
    flash(_("Your answer is recorded: %(status)s.", status=part.status.label), "success")
    return redirect(url_for("joint.detail", commitment_id=commitment_id))


@bp.post("/<int:commitment_id>/notes")
@stakeholder_only
def add_note(commitment_id: int):
    """Add the organisation's own progress note on the joint commitment."""
    part = get_partner_part_or_404(commitment_id)
    form = PartnerNoteForm()
    if form.validate_on_submit():
        try:
            operations.add_partner_note(part, form.text.data, current_user)
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("Your note was added."), "success")
            return redirect(url_for("joint.detail", commitment_id=commitment_id))
    return _page(part, note_form=form, code=400)
