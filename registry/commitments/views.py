"""Commitments tracker: every commitment, filtered and sorted; saved filters; bulk actions;
one commitment's page with its progress timeline and history."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from registry.auditlog import queries as audit_queries
from registry.commitments import operations, queries
from registry.commitments.forms import (
    BulkReminderForm,
    BulkStatusForm,
    SavedFilterForm,
    TrackerFilterForm,
)
from registry.commitments.queries import CommitmentFilters
from registry.errors import OperationError
from registry.extensions import db
from registry.forms import ApproveWordingForm, BaseForm
from registry.models import WindowKind, utcnow
from registry.policies import STAFF, get_commitment_or_404, get_saved_filter_or_404, role_required
from registry.seed import vocabulary_terms
from registry.signatures import queries as signature_queries

bp = Blueprint("commitments", __name__, url_prefix="/coordinate/commitments")

AREA = "commitments"


def _filters_from(query_string: str | None) -> CommitmentFilters:
    """Filters from a query string carried by a form (never an open redirect: re-parsed)."""
    return CommitmentFilters.from_args(MultiDict(parse_qsl(query_string or "")))


def _back(filters: CommitmentFilters):
    return redirect(url_for("commitments.index", **filters.to_args()))


def _tracker(filters: CommitmentFilters, status_form=None, saved_form=None, code=200):
    """The tracker page for `filters`; failed forms are shown again with their errors."""
    pledges = queries.tracker_pledges()
    windows = [w for p in pledges for w in p.windows if w.kind is WindowKind.progress]
    window = next((w for w in windows if w.id == filters.window), None)
    filter_form = TrackerFilterForm(formdata=None)
    filter_form.set_choices(
        pledges, vocabulary_terms(), [o for p in pledges for o in p.key_outcomes], windows
    )
    filter_form.load(filters)
    page = queries.commitment_page(filters)
    reporting = queries.reporting_statuses([c.id for c in page.rows], window) if window else {}
    query = urlencode(filters.to_args())
    status_form = status_form or BulkStatusForm(formdata=None, back=query)
    saved_form = saved_form or SavedFilterForm(formdata=None, query=query)
    html = render_template(
        "commitments/index.html",
        filters=filters,
        page=page,
        window=window,
        reporting=reporting,
        filter_form=filter_form,
        status_form=status_form,
        saved_form=saved_form,
        saved=queries.saved_filters(current_user.id, AREA),
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
    commitment = get_commitment_or_404(commitment_id, options=queries.FOR_DETAIL)
    updates = sorted(
        commitment.progress_updates,
        key=lambda u: (u.window.opens_at is None, u.window.opens_at or utcnow(), u.window_id),
    )
    return render_template(
        "commitments/detail.html",
        commitment=commitment,
        updates=updates,
        wording=queries.commitment_wording(commitment, updates),
        wording_form=ApproveWordingForm(),
        history=audit_queries.history_of(commitment),
        partners=signature_queries.partners_of(commitment),
        notes=signature_queries.partner_notes(commitment),
        revisions=signature_queries.revisions_of(commitment),
        open_amendment=signature_queries.open_amendment(commitment),
        changes=lambda diff: signature_queries.readable_changes(diff, lambda o: o.name),
    )


@bp.get("/<int:commitment_id>/preview")
@role_required(*STAFF)
def preview(commitment_id: int):
    """One commitment exactly as the public will see it (once its signature is accepted)."""
    commitment = get_commitment_or_404(commitment_id, options=queries.FOR_DETAIL)
    return render_template("commitments/preview.html", **queries.commitment_preview(commitment))


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
    except OperationError as exc:
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
    saved = get_saved_filter_or_404(filter_id, AREA)
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
    commitments = queries.load_commitments(form.ids.data)
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
    window = queries.progress_window(filters.window)
    result = operations.send_commitment_reminders(
        queries.load_commitments(form.ids.data), window=window
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
