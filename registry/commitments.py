"""Commitments tracker: every commitment, filtered and sorted; saved filters; bulk actions;
one commitment's page with its progress timeline and history."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from registry import operations, queries
from registry.extensions import db
from registry.forms import BaseForm
from registry.forms.tracker import (
    REPORTING_LABELS,
    BulkReminderForm,
    BulkStatusForm,
    SavedFilterForm,
    TrackerFilterForm,
)
from registry.models import SavedFilter, SubmissionWindow, WindowKind, utcnow
from registry.policies import STAFF, role_required
from registry.queries.commitments import (
    CommitmentFilters,
    commitment_detail,
    commitment_history,
    commitment_page,
    reporting_statuses,
    saved_filters,
    tracker_pledges,
)

bp = Blueprint("commitments", __name__, url_prefix="/coordinate/commitments")

AREA = "commitments"


def _filters_from(query_string: str | None) -> CommitmentFilters:
    """Filters from a query string carried by a form (never an open redirect: re-parsed)."""
    return CommitmentFilters.from_args(MultiDict(parse_qsl(query_string or "")))


def _back(filters: CommitmentFilters):
    return redirect(url_for("commitments.index", **filters.to_args()))


def _tracker(filters: CommitmentFilters, status_form=None, saved_form=None, code=200):
    """The tracker page for `filters`; failed forms are shown again with their errors."""
    pledges = tracker_pledges()
    windows = [w for p in pledges for w in p.windows if w.kind is WindowKind.progress]
    window = next((w for w in windows if w.id == filters.window), None)
    filter_form = TrackerFilterForm(formdata=None)
    filter_form.set_choices(
        pledges, queries.vocabulary_terms(), [o for p in pledges for o in p.key_outcomes], windows
    )
    filter_form.load(filters)
    page = commitment_page(filters)
    reporting = reporting_statuses([c.id for c in page.rows], window) if window else {}
    query = urlencode(filters.to_args())
    status_form = status_form or BulkStatusForm(formdata=None, back=query)
    saved_form = saved_form or SavedFilterForm(formdata=None, query=query)
    html = render_template(
        "commitments/index.html",
        filters=filters,
        page=page,
        window=window,
        reporting=reporting,
        reporting_labels=REPORTING_LABELS,
        filter_form=filter_form,
        status_form=status_form,
        saved_form=saved_form,
        saved=saved_filters(current_user.id, AREA),
        button_form=BaseForm(),
        selected=set(status_form.ids.data or []),
    )
    return html, code


@bp.get("")
@role_required(*STAFF)
def index():
    """The tracker: filters, sortable columns, pages, saved filters and bulk actions."""
    return _tracker(CommitmentFilters.from_args(request.args))


@bp.get("/<int:commitment_id>")
@role_required(*STAFF)
def detail(commitment_id: int):
    """One commitment: every field, its organisation, progress timeline and history."""
    commitment = commitment_detail(commitment_id) or abort(404)
    updates = sorted(
        commitment.progress_updates,
        key=lambda u: (u.window.opens_at is None, u.window.opens_at or utcnow(), u.window_id),
    )
    return render_template(
        "commitments/detail.html",
        commitment=commitment,
        updates=updates,
        history=commitment_history(commitment.id),
    )


@bp.post("/saved-filters")
@role_required(*STAFF)
def save_filter():
    """Keep the tracker's current filters under a name."""
    form = SavedFilterForm()
    filters = _filters_from(form.query.data)
    if not form.validate_on_submit():
        return _tracker(filters, saved_form=form, code=400)
    try:
        operations.save_filter(current_user, form.name.data, filters.to_args(page=1), AREA)
    except operations.OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return _tracker(filters, saved_form=form, code=400)
    db.session.commit()
    flash(_("Filters saved as “%(name)s”.", name=form.name.data.strip()), "success")
    return _back(filters)


@bp.post("/saved-filters/<int:filter_id>/delete")
@role_required(*STAFF)
def delete_filter(filter_id: int):
    """Forget one of your saved filters (another user's answers 404)."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != current_user.id or saved.area != AREA:
        abort(404)
    if BaseForm().validate_on_submit():
        operations.delete_saved_filter(saved)
        db.session.commit()
        flash(_("Saved filter “%(name)s” deleted.", name=saved.name), "success")
    return redirect(url_for("commitments.index"))


@bp.post("/bulk/status")
@role_required(*STAFF)
def bulk_status():
    """Change the status of the selected commitments, with a comment; report rows skipped."""
    form = BulkStatusForm()
    filters = _filters_from(form.back.data)
    if not form.validate_on_submit():
        return _tracker(filters, status_form=form, code=400)
    commitments = operations.load_commitments(form.ids.data)
    result = operations.change_commitment_statuses(
        commitments, form.status.member, form.comment.data
    )
    db.session.commit()
    _flash_status_result(result, form.status.member.label)
    return _back(filters)


def _flash_status_result(result, status_label) -> None:
    changed = len(result.changed)
    flash(
        ngettext(
            "%(num)d commitment is now %(status)s.",
            "%(num)d commitments are now %(status)s.",
            changed,
            status=status_label,
        ),
        "success" if changed else "info",
    )
    if result.unchanged:
        flash(
            ngettext(
                "%(num)d commitment already had this status.",
                "%(num)d commitments already had this status.",
                len(result.unchanged),
            ),
            "info",
        )
    if result.skipped:
        lines = "; ".join(f"“{c.title}” (#{c.id}): {reason}" for c, reason in result.skipped)
        flash(_("Skipped, not allowed: %(rows)s.", rows=lines), "warning")


@bp.post("/bulk/remind")
@role_required(*STAFF)
def bulk_remind():
    """E-mail a reminder to the organisations of the selected commitments (one each)."""
    form = BulkReminderForm()
    filters = _filters_from(form.back.data)
    if not form.validate_on_submit():
        status_form = BulkStatusForm(formdata=None, back=form.back.data, ids=form.ids.data)
        status_form.ids.errors = list(form.ids.errors)
        return _tracker(filters, status_form=status_form, code=400)
    window = db.session.get(SubmissionWindow, filters.window) if filters.window else None
    result = operations.send_commitment_reminders(
        operations.load_commitments(form.ids.data), window=window
    )
    db.session.commit()
    flash(
        ngettext(
            "Reminder sent to %(num)d organisation.",
            "Reminder sent to %(num)d organisations.",
            len(result.organisations),
        ),
        "success" if result.organisations else "info",
    )
    if result.without_users:
        names = ", ".join(o.name for o in result.without_users)
        flash(_("Nobody to remind (no active user): %(names)s.", names=names), "warning")
    return _back(filters)
