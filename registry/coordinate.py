"""Coordination: submission windows of every pledge (open, close, schedule)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import operations
from registry.extensions import db
from registry.forms import BaseForm, WindowScheduleForm
from registry.models import Pledge, SubmissionWindow, utcnow
from registry.policies import STAFF, role_required
from registry.templating import utc_datetime

bp = Blueprint("coordinate", __name__, url_prefix="/coordinate")


def _get_window_or_404(window_id: int) -> SubmissionWindow:
    return db.session.get(SubmissionWindow, window_id) or abort(404)


def _schedule_form(window: SubmissionWindow, **kwargs) -> WindowScheduleForm:
    # One form per window on the same page: the prefix keeps field ids and names apart.
    return WindowScheduleForm(prefix=f"window-{window.id}", obj=window, **kwargs)


def _windows_page(failed: WindowScheduleForm | None = None, failed_id: int | None = None):
    """The windows page; `failed` is a schedule form to show again with its errors and input."""
    pledges = db.session.scalars(
        select(Pledge).options(selectinload(Pledge.windows)).order_by(Pledge.title)
    ).all()
    forms = {
        window.id: failed if window.id == failed_id else _schedule_form(window, formdata=None)
        for pledge in pledges
        for window in pledge.windows
    }
    return render_template(
        "coordinate/windows.html",
        pledges=pledges,
        forms=forms,
        button_form=BaseForm(),
        now=utcnow(),
    )


def _state(window: SubmissionWindow) -> str:
    """The window's state as a sentence for a flash message."""
    now = utcnow()
    if window.is_open(now):
        if window.closes_at:
            return _("open until %(at)s", at=utc_datetime(window.closes_at))
        return _("open with no closing date")
    if window.reopens_at(now):
        return _("closed; opens on %(at)s", at=utc_datetime(window.reopens_at(now)))
    return _("closed")


@bp.get("/windows")
@role_required(*STAFF)
def windows():
    """Every pledge's submission windows, their state and controls."""
    return _windows_page()


@bp.post("/windows/<int:window_id>/open")
@role_required(*STAFF)
def open_window(window_id: int):
    """Open a window now, keeping a closing time that is still ahead."""
    window = _get_window_or_404(window_id)
    if BaseForm().validate_on_submit():
        operations.open_window(window.pledge, window.kind, window=window)
        db.session.commit()
        flash(_("%(label)s: %(state)s.", label=window.label, state=_state(window)), "success")
    return redirect(url_for("coordinate.windows"))


@bp.post("/windows/<int:window_id>/close")
@role_required(*STAFF)
def close_window(window_id: int):
    """Close a window now, whatever its dates say."""
    window = _get_window_or_404(window_id)
    if BaseForm().validate_on_submit():
        operations.close_window(window.pledge, window.kind, window=window)
        db.session.commit()
        flash(_("%(label)s: %(state)s.", label=window.label, state=_state(window)), "success")
    return redirect(url_for("coordinate.windows"))


@bp.post("/windows/<int:window_id>/schedule")
@role_required(*STAFF)
def schedule_window(window_id: int):
    """Set when a window opens and closes, its name and its closed message."""
    window = _get_window_or_404(window_id)
    form = _schedule_form(window)
    if form.validate_on_submit():
        try:
            operations.schedule_window(window, **form.schedule_data())
        except operations.OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("%(label)s: %(state)s.", label=window.label, state=_state(window)), "success")
            return redirect(url_for("coordinate.windows"))
    return _windows_page(failed=form, failed_id=window.id)
