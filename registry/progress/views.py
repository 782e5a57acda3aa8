"""Progress reporting: signatories report on their commitments; coordinators verify and remind.

Every progress write by a stakeholder is refused by the server (403) outside an open progress
window, unless an invitation held in the session lets the organisation in.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from registry.errors import OperationError, Refused
from registry.extensions import db
from registry.models import ProgressUpdate, Role, WindowKind, utcnow
from registry.policies import (
    STAFF,
    can_write,
    get_pledge_or_404,
    get_update_or_404,
    require_open_window,
    role_required,
)
from registry.progress import operations, queries
from registry.progress.forms import (
    ProgressUpdateForm,
    RemindForm,
    ReturnUpdateForm,
    ReviewUpdateForm,
)
from registry.templating import window_words

bp = Blueprint("progress", __name__)
stakeholder_only = role_required(Role.stakeholder)


def _context(slug: str):
    """The pledge, the user's organisation and the progress window that matters now."""
    pledge = get_pledge_or_404(slug)
    organisation = current_user.organisation
    if organisation is None:
        raise Refused(_("Your account is not linked to an organisation yet."))
    window = pledge.current_window(WindowKind.progress, utcnow())
    if window is None:
        raise Refused(_("There is no progress reporting cycle for this pledge yet."))
    return pledge, organisation, window


def _own_row(pledge, organisation, window, commitment_id: int):
    """The reporting row of one of the organisation's tracked commitments, else 404."""
    rows = queries.reporting_rows(pledge, window, organisation)
    row = next((r for r in rows if r.commitment.id == commitment_id), None)
    if row is None:
        abort(404)
    return row


@bp.get("/report/<slug>")
@stakeholder_only
def overview(slug: str):
    """The organisation's commitments with their reporting status in the current window."""
    pledge, organisation, window = _context(slug)
    rows = queries.reporting_rows(pledge, window, organisation)
    return render_template(
        "progress/overview.html",
        pledge=pledge,
        window=window,
        rows=rows,
        overall=queries.organisation_status(rows) if rows else None,
        can_write=can_write(window, organisation),
        closed=window_words(window).closed,
    )


def _save(form: ProgressUpdateForm, pledge, organisation, window, row) -> bool:
    """Save the update the form holds (a write the open window or an invitation allows),
    or show the refusal on the form."""
    invitation = require_open_window(pledge, WindowKind.progress, organisation)
    try:
        operations.save_progress_update(
            row.commitment, window, form.update_data(), current_user, form.submitting
        )
        _spend(invitation, pledge, window, organisation)
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return False
    return True


def _edit_page(pledge, organisation, window, row, form):
    """The report on one commitment, told whether it takes input and what it says if not."""
    closed = window_words(window).closed
    if closed is None and not _editable(row):
        closed = _("This update is verified and can no longer be changed.")
    return render_template(
        "progress/edit.html",
        pledge=pledge,
        window=window,
        row=row,
        form=form,
        can_write=can_write(window, organisation) and _editable(row),
        closed=closed,
    )


@bp.route("/report/<slug>/commitments/<int:commitment_id>", methods=["GET", "POST"])
@stakeholder_only
def edit(slug: str, commitment_id: int):
    """Report on one commitment: save a draft or submit it for verification."""
    pledge, organisation, window = _context(slug)
    row = _own_row(pledge, organisation, window, commitment_id)
    form = ProgressUpdateForm()
    if form.validate_on_submit():
        if _save(form, pledge, organisation, window, row):
            db.session.commit()
            flash(_("Update submitted.") if form.submitting else _("Draft saved."), "success")
            return redirect(url_for("progress.overview", slug=slug))
    elif not form.is_submitted() and row.update is not None:
        form.load(row.update)
    elif not form.is_submitted():
        form.status.data = row.commitment.status.name
    return _edit_page(pledge, organisation, window, row, form)


def _all_forms(rows) -> list[tuple]:
    forms = []
    for row in rows:
        form = ProgressUpdateForm(prefix=f"c{row.commitment.id}")
        if not form.is_submitted() and row.update is not None:
            form.load(row.update)
        forms.append((row, form))
    return forms


@bp.route("/report/<slug>/all", methods=["GET", "POST"])
@stakeholder_only
def edit_all(slug: str):
    """Report on every commitment of the organisation on one page (rows left empty are skipped)."""
    pledge, organisation, window = _context(slug)
    rows = queries.reporting_rows(pledge, window, organisation)
    forms = _all_forms(rows)
    if request.method == "POST":
        invitation = require_open_window(pledge, WindowKind.progress, organisation)
        filled = [(row, f) for row, f in forms if f.status.data and _editable(row)]
        if all(f.validate() for _row, f in filled) and filled:
            _save_all(filled, window, submit=request.form.get("action") == "submit")
            _spend(invitation, pledge, window, organisation)
            db.session.commit()
            flash(
                ngettext("%(num)d update saved.", "%(num)d updates saved.", len(filled)), "success"
            )
            return redirect(url_for("progress.overview", slug=slug))
        if not filled:
            flash(_("Fill in at least one commitment."), "warning")
    return render_template(
        "progress/edit_all.html",
        pledge=pledge,
        window=window,
        forms=forms,
        can_write=can_write(window, organisation),
        closed=window_words(window).closed,
    )


def _save_all(filled: list[tuple], window, submit: bool) -> None:
    """Save each filled-in form of the all-on-one-page report."""
    for row, form in filled:
        operations.save_progress_update(
            row.commitment, window, form.update_data(), current_user, submit
        )


def _spend(invitation, pledge, window, organisation) -> None:
    """Spend a late reporter's invitation once all the organisation's commitments reported."""
    if invitation is not None:
        rows = queries.reporting_rows(pledge, window, organisation)
        operations.spend_invitation_when_reported(invitation, rows)


def _editable(row) -> bool:
    return row.update is None or row.update.is_editable


@bp.get("/coordinate/progress")
@role_required(*STAFF)
def queue():
    """Progress updates by review state (waiting ones first), filtered and paginated, and the
    reminder form."""
    filters = queries.VerificationFilters.from_args(request.args)
    remind_form = RemindForm()
    remind_form.window.choices = _window_choices(queries.open_progress_windows())
    return render_template(
        "progress/queue.html",
        page=queries.verification_page(filters),
        filters=filters,
        counts=queries.verification_counts(),
        choices=queries.queue_choices(),
        return_form=ReturnUpdateForm(),
        remind_form=remind_form,
    )


def _window_choices(windows) -> list[tuple[int, str]]:
    return [(w.id, f"{w.pledge.title} — {w.label}") for w in windows]


def _back_to_queue():
    """The queue page the action was taken on (its filters are posted with the action)."""
    filters = queries.VerificationFilters.from_args(request.form)
    return redirect(url_for("progress.queue", **filters.to_args()))


def _changed_since_read(form: ReviewUpdateForm, update: ProgressUpdate) -> bool:
    """The reporter changed the update after the coordinator opened the page: refuse to
    verify or return text the coordinator has not read."""
    if not form.is_stale(update):
        return False
    flash(
        _("The reporter changed this update after you opened the page. Read it again."), "warning"
    )
    return True


def _review(update: ProgressUpdate, operation, done: str, *args):
    """Verify or return `update` (an operation of the queue) and say so on the queue."""
    try:
        operation(update, current_user, *args)
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(done % {"title": update.commitment.title}, "success")
    return _back_to_queue()


@bp.post("/coordinate/progress/<int:update_id>/verify")
@role_required(*STAFF)
def verify(update_id: int):
    """Verify an update: it now counts for the commitment's status and progress."""
    update = get_update_or_404(update_id)
    form = ReviewUpdateForm()
    if not form.validate_on_submit() or _changed_since_read(form, update):
        return _back_to_queue()
    return _review(update, operations.verify_progress_update, _("Verified: “%(title)s”."))


@bp.post("/coordinate/progress/<int:update_id>/return")
@role_required(*STAFF)
def return_update(update_id: int):
    """Return an update to its reporter with a comment (e-mailed)."""
    update = get_update_or_404(update_id)
    form = ReturnUpdateForm()
    if _changed_since_read(form, update):
        return _back_to_queue()
    if not form.validate_on_submit():
        flash(_("Say what needs changing before returning the update."), "danger")
        return _back_to_queue()
    return _review(
        update,
        operations.return_progress_update,
        _("Returned with your comment: “%(title)s”."),
        form.comment.data,
    )


@bp.post("/coordinate/progress/remind")
@role_required(*STAFF)
def remind():
    """Remind every organisation with due commitments in a window (once a day at most)."""
    windows = {w.id: w for w in queries.open_progress_windows()}
    form = RemindForm()
    form.window.choices = _window_choices(windows.values())
    if form.validate_on_submit():
        window = windows[form.window.data]
        sent = operations.send_reminders(window, queries.due_by_organisation(window.pledge, window))
        db.session.commit()
        flash(
            ngettext(
                "Reminders sent to %(num)d organisation.",
                "Reminders sent to %(num)d organisations.",
                len(sent),
            ),
            "success",
        )
    else:
        flash(_("Choose an open progress window."), "danger")
    return redirect(url_for("progress.queue"))
