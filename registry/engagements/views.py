"""Engagement records: the agency's own partnerships and protection advocacy targets.

Staff only, never public (DESIGN §3, §4). Records are edited by several coordinators, so the edit
form carries the version it was opened at and a save over a newer one is refused, input kept.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.auditlog import queries as audit_queries
from registry.engagements import operations, queries
from registry.engagements.forms import ConvertForm, EngagementForm, StageForm
from registry.errors import OperationError
from registry.extensions import db
from registry.forms import commit_or_conflict
from registry.models import EngagementKind, EngagementStage, GeographicLevel, Region
from registry.organisations import queries as organisation_queries
from registry.policies import STAFF, get_engagement_or_404, role_required
from registry.seed import vocabulary_terms

bp = Blueprint("engagements", __name__, url_prefix="/coordinate/engagements")
staff_only = role_required(*STAFF)


def CONFLICT() -> str:  # noqa: N802 - a message constant that must be translated when used
    return _(
        "Someone else saved this engagement record after you opened it. Your changes are below "
        "and were not saved: compare them with the saved version, then save again."
    )


def _form() -> EngagementForm:
    form = EngagementForm()
    form.set_choices(
        organisation_queries.organisation_choices(), vocabulary_terms(), queries.staff_users()
    )
    return form


@bp.get("")
@staff_only
def index():
    """Engagement records with filters and pagination."""
    filters = queries.EngagementFilters.from_args(request.args)
    return render_template(
        "engagements/index.html",
        page=queries.engagement_page(filters),
        filters=filters,
        terms=vocabulary_terms(),
        staff=queries.staff_users(),
        kinds=EngagementKind,
        stages=EngagementStage,
        regions=Region,
        levels=GeographicLevel,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Create an engagement record, optionally for `?organisation_id=` and of `?kind=`."""
    form = _form()
    if form.validate_on_submit():
        try:
            record = operations.save_engagement(form.engagement_data())
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("Engagement record created."), "success")
            return redirect(url_for("engagements.detail", record_id=record.id))
    elif not form.is_submitted():
        form.organisation.data = request.args.get("organisation_id", 0, type=int)
        kind = request.args.get("kind", "")
        if kind in EngagementKind.__members__:
            form.kind.data = kind
    return render_template("engagements/edit.html", form=form, record=None)


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(record_id: int):
    """Edit every field; a save over someone else's newer one is refused, input kept."""
    record = get_engagement_or_404(record_id)
    form = _form()
    if form.validate_on_submit():
        conflict = form.is_stale(record)
        if conflict:
            form.form_errors.append(CONFLICT())
        else:
            try:
                operations.save_engagement(form.engagement_data(), record)
            except OperationError as exc:
                db.session.rollback()
                form.add_error(exc)
            else:
                if commit_or_conflict(form, CONFLICT()):
                    flash(_("Engagement record saved."), "success")
                    return redirect(url_for("engagements.detail", record_id=record.id))
                conflict = True
        if conflict:
            # They have now seen that it changed: saving again on purpose goes through.
            form.version.data = str(get_engagement_or_404(record_id).version)
    elif not form.is_submitted():
        form.load(record)
    return render_template("engagements/edit.html", form=form, record=record)


@bp.get("/<int:record_id>")
@staff_only
def detail(record_id: int):
    """One record: its fields, stage buttons, conversion links and history."""
    record = get_engagement_or_404(record_id)
    next_stages = sorted(
        (to for frm, to in record.TRANSITIONS[record.kind] if frm is record.stage),
        key=lambda stage: list(EngagementStage).index(stage),
    )
    return render_template(
        "engagements/detail.html",
        record=record,
        next_stages=[s for s in next_stages if s is not EngagementStage.converted],
        can_convert=EngagementStage.converted in next_stages,
        history=audit_queries.history_of(record),
        hrdd_checked_by=record.hrdd_checked_by,
        button_form=StageForm(),
    )


@bp.post("/<int:record_id>/move")
@staff_only
def move(record_id: int):
    """Move the record to the stage of the button pressed."""
    record = get_engagement_or_404(record_id)
    form = StageForm()
    if form.validate_on_submit():
        stage = EngagementStage.__members__.get(form.stage.data)
        try:
            if stage is None:
                raise OperationError(_("Unknown stage."))
            operations.move_engagement(record, stage)
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Moved to “%(stage)s”.", stage=stage.label), "success")
    return redirect(url_for("engagements.detail", record_id=record_id))


@bp.route("/<int:record_id>/convert", methods=["GET", "POST"])
@staff_only
def convert(record_id: int):
    """Confirm, then convert a committed advocacy target into a linked partnership that keeps
    the target's notes and due diligence unless unticked."""
    record = get_engagement_or_404(record_id)
    form = ConvertForm()
    if not form.is_submitted():
        form.keep_notes.data = form.keep_due_diligence.data = True
    elif form.validate():
        try:
            partnership = operations.convert_engagement(
                record,
                current_user._get_current_object(),
                keep_notes=form.keep_notes.data,
                keep_due_diligence=form.keep_due_diligence.data,
            )
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("Converted into a partnership."), "success")
            return redirect(url_for("engagements.detail", record_id=partnership.id))
    return render_template("engagements/convert.html", record=record, form=form)
