"""Submission windows of every pledge (open, close, schedule), for coordinators.

The blueprint keeps its first name, "coordinate", so that its endpoints and URLs stay as they
were published (`coordinate.windows`, /coordinate/windows)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from registry.errors import OperationError
from registry.extensions import db
from registry.forms import BaseForm
from registry.models import SubmissionWindow, utcnow
from registry.pledges import operations, queries
from registry.pledges.forms import WindowScheduleForm
from registry.policies import STAFF, get_window_or_404, role_required
from registry.templating import window_words

bp = Blueprint("coordinate", __name__, url_prefix="/coordinate")


def _schedule_form(window: SubmissionWindow, **kwargs) -> WindowScheduleForm:
    # One form per window on the same page: the prefix keeps field ids and names apart.
    return WindowScheduleForm(prefix=f"window-{window.id}", obj=window, **kwargs)


def _windows_page(failed: WindowScheduleForm | None = None, failed_id: int | None = None):
    """The windows page; `failed` is a schedule form to show again with its errors and input."""
    pledges = queries.all_pledges()
    forms = {
        window.id: failed if window.id == failed_id else _schedule_form(window, formdata=None)
        for pledge in pledges
        for window in pledge.windows
    }
    return render_template(
        "pledges/windows.html",
        pledges=pledges,
        forms=forms,
        button_form=BaseForm(),
        now=utcnow(),
    )


def _flash_state(window: SubmissionWindow) -> None:
    """Say what the window's state now is."""
    state = window_words(window).summary
    flash(_("%(label)s: %(state)s.", label=window.label, state=state), "success")


@bp.get("/windows")
@role_required(*STAFF)
def windows():
    """Every pledge's submission windows, their state and controls."""
    return _windows_page()


def _now(window_id: int, operation):
    """Open or close a window now (a CSRF-checked button), say its state, back to the page."""
    window = get_window_or_404(window_id)
    if BaseForm().validate_on_submit():
        operation(window.pledge, window.kind, window=window)
        db.session.commit()
        _flash_state(window)
    return redirect(url_for("coordinate.windows"))


@bp.post("/windows/<int:window_id>/open")
@role_required(*STAFF)
def open_window(window_id: int):
    """Open a window now, keeping a closing time that is still ahead."""
    return _now(window_id, operations.open_window)


@bp.post("/windows/<int:window_id>/close")
@role_required(*STAFF)
def close_window(window_id: int):
    """Close a window now, whatever its dates say."""
    return _now(window_id, operations.close_window)


@bp.post("/windows/<int:window_id>/schedule")
@role_required(*STAFF)
def schedule_window(window_id: int):
    """Set when a window opens and closes, its name and its closed message."""
    window = get_window_or_404(window_id)
    form = _schedule_form(window)
    if form.validate_on_submit():
        try:
            operations.schedule_window(window, **form.schedule_data())
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            _flash_state(window)
            return redirect(url_for("coordinate.windows"))
    return _windows_page(failed=form, failed_id=window.id)
