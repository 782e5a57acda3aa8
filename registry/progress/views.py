"""Progress reporting: signatories report on their commitments; coordinators verify and remind.

Every progress write by a stakeholder is refused by the server (403) outside an open progress
window, unless an invitation held in the session lets the organisation in.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry import evidence
from registry.disclosure import View
from registry.errors import OperationError, Refused
from registry.extensions import db
from registry.forms import ApproveWordingForm, BaseForm, commit_or_conflict
from registry.models import ProgressUpdate, Role, WindowKind, utcnow
from registry.policies import (
    STAFF,
    can_write,
    get_evidence_file_or_404,
    get_pledge_or_404,
    get_update_or_404,
    login_required,
    require_open_window,
    role_required,
)
from registry.progress import operations, queries
from registry.progress.forms import (
    EvidencePublicForm,
    ProgressUpdateForm,
    RemindForm,
    ReturnUpdateForm,
    ReviewUpdateForm,
    VerifyUpdateForm,
)
from registry.signatures import queries as signature_queries
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


def CONFLICT() -> str:  # noqa: N802 - a message constant that must be translated when used
    return operations.conflict_message()


def REVIEWED_MEANWHILE() -> str:  # noqa: N802 - translated when used
    return _("Another coordinator reviewed this update at the same moment. Read it again.")


def _store(row, window, form: ProgressUpdateForm, submit: bool) -> bool:
    """Save one form's update, or put the refusal on the form (someone else's save since it
    was opened, or at this very moment)."""
    try:
        update = operations.save_progress_update(
            row.commitment,
            window,
            form.update_data(),
            current_user,
            submit,
            seen_version=form.version.data,
        )
        if form.checked_evidence is not None:
            # Stored now; deleted again by the rollback if the save fails below.
            operations.attach_evidence(update, form.checked_evidence, current_user)
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return False
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        form.form_errors.append(CONFLICT())
        return False
    return True


def _save(form: ProgressUpdateForm, pledge, organisation, window, row) -> bool:
    """Save and commit the update the form holds (a write the open window or an invitation
    allows), or show the refusal on the form."""
    invitation = require_open_window(pledge, WindowKind.progress, organisation)
    if not _store(row, window, form, form.submitting):
        return False
    _spend(invitation, pledge, window, organisation)
    return commit_or_conflict(form, CONFLICT())


def _edit_page(pledge, organisation, window, row, form, warnings=()):
    """The report on one commitment, told whether it takes input and what it says if not, and
    the warnings about the organisation's own identifiers in its text."""
    closed = window_words(window).closed
    if closed is None and not _editable(row):
        closed = _("This update is verified and can no longer be changed.")
    lead_view = View(viewer=organisation)
    return render_template(
        "progress/edit.html",
        pledge=pledge,
        organisation=organisation,
        warnings=warnings,
        window=window,
        row=row,
        form=form,
        can_write=can_write(window, organisation) and _editable(row),
        closed=closed,
        # A joint commitment: the co-implementers' own notes, for the consolidated report.
        partner_notes=signature_queries.partner_notes(row.commitment),
        partner_name=lambda o: lead_view.name(o) or _("An organisation"),
        note_text=lead_view.text,
        files=queries.evidence_of([row.update.id]).get(row.update.id, []) if row.update else [],
        max_mb=evidence.max_bytes() / 1024 / 1024,
    )


@bp.route("/report/<slug>/commitments/<int:commitment_id>", methods=["GET", "POST"])
@stakeholder_only
def edit(slug: str, commitment_id: int):
    """Report on one commitment: save a draft or submit it for verification."""
    pledge, organisation, window = _context(slug)
    row = _own_row(pledge, organisation, window, commitment_id)
    form, warnings = ProgressUpdateForm(), []
    if form.validate_on_submit():
        warnings = form.disclosure_warnings(organisation)
        if not warnings and _save(form, pledge, organisation, window, row):
            flash(_("Update submitted.") if form.submitting else _("Draft saved."), "success")
            return redirect(url_for("progress.overview", slug=slug))
    elif not form.is_submitted() and row.update is not None:
        form.load(row.update)
    elif not form.is_submitted():
        form.status.data = row.commitment.status.name
    if not form.is_submitted():
        form.version.data = form.version_of(row.update)
    return _edit_page(pledge, organisation, window, row, form, warnings)


def _all_forms(rows) -> list[tuple]:
    forms = []
    for row in rows:
        form = ProgressUpdateForm(prefix=f"c{row.commitment.id}")
        if not form.is_submitted():
            form.version.data = form.version_of(row.update)
            if row.update is not None:
                form.load(row.update)
        forms.append((row, form))
    return forms


@bp.route("/report/<slug>/all", methods=["GET", "POST"])
@stakeholder_only
def edit_all(slug: str):
    """Report on every commitment of the organisation on one page (rows left empty are skipped)."""
    pledge, organisation, window = _context(slug)
    rows = queries.reporting_rows(pledge, window, organisation)
    forms, warnings = _all_forms(rows), {}
    if request.method == "POST":
        invitation = require_open_window(pledge, WindowKind.progress, organisation)
        filled = [(row, f) for row, f in forms if f.status.data and _editable(row)]
        valid = bool(filled) and all(f.validate() for _row, f in filled)
        warnings = _warnings(filled, organisation) if valid else {}
        if valid and not warnings:
            if _save_all(filled, window, submit=request.form.get("action") == "submit"):
                _spend(invitation, pledge, window, organisation)
                if commit_or_conflict(filled[0][1], CONFLICT()):
                    saved = ngettext("%(num)d update saved.", "%(num)d updates saved.", len(filled))
                    flash(saved, "success")
                    return redirect(url_for("progress.overview", slug=slug))
        if not filled:
            flash(_("Fill in at least one commitment."), "warning")
    return render_template(
        "progress/edit_all.html",
        pledge=pledge,
        organisation=organisation,
        warnings=warnings,
        window=window,
        forms=forms,
        can_write=can_write(window, organisation),
        closed=window_words(window).closed,
    )


def _warnings(filled: list[tuple], organisation) -> dict:
    """Per commitment id, the own-identifier warnings of its filled-in form (see the form)."""
    found = {row.commitment.id: form.disclosure_warnings(organisation) for row, form in filled}
    return {commitment_id: w for commitment_id, w in found.items() if w}


def _save_all(filled: list[tuple], window, submit: bool) -> bool:
    """Save each filled-in form of the all-on-one-page report; at the first refusal (shown on
    its form) nothing is saved."""
    return all(_store(row, window, form, submit) for row, form in filled)


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
    page = queries.verification_page(filters)
    return render_template(
        "progress/queue.html",
        page=page,
        wording=queries.update_wording(page.rows),
        filters=filters,
        counts=queries.verification_counts(),
        choices=queries.queue_choices(),
        return_form=ReturnUpdateForm(),
        remind_form=remind_form,
        evidence=queries.evidence_of([u.id for u in page.rows]),
        evidence_form=EvidencePublicForm(formdata=None),
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
    """Verify or return `update` (an operation of the queue) and say so on the queue; of two
    coordinators acting on it at the same moment, one is told to read it again."""
    try:
        operation(update, current_user, *args)
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    except StaleDataError:  # another coordinator reviewed it at this very moment
        db.session.rollback()
        flash(REVIEWED_MEANWHILE(), "warning")
    else:
        flash(done % {"title": update.commitment.title}, "success")
    return _back_to_queue()


def _verify(update: ProgressUpdate, by, approve_wording: bool) -> None:
    """Verify, and approve the public wording as read when the coordinator ticked it."""
    operations.verify_progress_update(update, by)
    if approve_wording:
        operations.approve_update_wording(update, by)


@bp.post("/coordinate/progress/<int:update_id>/verify")
@role_required(*STAFF)
def verify(update_id: int):
    """Verify an update: it now counts for the commitment's status and progress."""
    update = get_update_or_404(update_id)
    form = VerifyUpdateForm()
    if not form.validate_on_submit() or _changed_since_read(form, update):
        return _back_to_queue()
    done = _("Verified: “%(title)s”.")
    return _review(update, _verify, done, form.approve_wording.data)


@bp.post("/coordinate/progress/<int:update_id>/wording")
@role_required(*STAFF)
def approve_wording(update_id: int):
    """Approve an update's public wording as read on the page (audit-logged; any later change
    to the text withdraws it)."""
    update = get_update_or_404(update_id)
    form = ApproveWordingForm()
    if form.validate_on_submit() and not _changed_since_read(form, update):
        operations.approve_update_wording(update, current_user)
        db.session.commit()
        flash(_("The public wording is approved."), "success")
    return redirect(url_for("commitments.detail", commitment_id=update.commitment_id) + "#wording")


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


@bp.get("/evidence/<int:file_id>")
@login_required
def evidence_file(file_id: int):
    """Download an evidence file: its organisation's people and coordinators (within their
    scope) only; anyone else gets 404."""
    return evidence.download(get_evidence_file_or_404(file_id))


@bp.post("/coordinate/progress/evidence/<int:file_id>/public")
@role_required(*STAFF)
def publish_evidence(file_id: int):
    """Publish an evidence file with its verified update, or take it back (audited); the
    public view never shows a non-public organisation's files."""
    kept = get_evidence_file_or_404(file_id)
    form = EvidencePublicForm()
    if form.validate_on_submit():
        operations.set_evidence_public(kept, form.public.data == "1")
        db.session.commit()
        if kept.is_public:
            flash(_("“%(name)s” may be published.", name=kept.filename), "success")
        else:
            flash(_("“%(name)s” is no longer published.", name=kept.filename), "success")
    return _back_to_queue()


@bp.post("/report/<slug>/evidence/<int:file_id>/remove")
@stakeholder_only
def remove_evidence(slug: str, file_id: int):
    """Remove one of the organisation's evidence files while its update can still change."""
    pledge, organisation, _window = _context(slug)
    kept = get_evidence_file_or_404(file_id)
    if kept.progress_update.commitment.signature.pledge_id != pledge.id:
        abort(404)  # another pledge's file: its own window decides, not this one's
    commitment_id = kept.progress_update.commitment_id
    if BaseForm().validate_on_submit():
        require_open_window(pledge, WindowKind.progress, organisation)
        try:
            operations.remove_evidence(kept)
        except OperationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            name = kept.filename
            db.session.commit()
            flash(_("“%(name)s” is removed.", name=name), "success")
    return redirect(url_for("progress.edit", slug=slug, commitment_id=commitment_id))
