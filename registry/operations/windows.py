"""Submission windows: open, close, schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import gettext

from registry.extensions import db
from registry.models import (
    DEFAULT_CLOSED_MESSAGE,
    Pledge,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.queries import current_window

from .base import OperationError

__all__ = [
    "end_of_day",
    "find_window",
    "open_window",
    "close_window",
    "schedule_window",
]


def end_of_day(day: date) -> datetime:
    """The end of `day` in UTC: a form open "until 31 March" takes input all that day."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC)


def find_window(pledge: Pledge, kind: WindowKind, now: datetime | None = None):
    """The pledge's window of `kind` that matters now (see `queries.current_window`)."""
    return current_window(pledge, kind, now)


def open_window(
    pledge: Pledge,
    kind: WindowKind,
    until: date | datetime | None = None,
    label: str | None = None,
    now: datetime | None = None,
    *,
    window: SubmissionWindow | None = None,
) -> SubmissionWindow:
    """Open the pledge's window of `kind` (or `window`) now, until `until`; creates one if none."""
    now = now or utcnow()
    closes_at = until
    if isinstance(until, date) and not isinstance(until, datetime):
        closes_at = end_of_day(until)
    if closes_at is not None and closes_at <= now:
        raise OperationError(gettext("The closing date must be in the future."), field="closes_at")
    window = window or find_window(pledge, kind, now)
    if window is None:
        window = SubmissionWindow(pledge=pledge, kind=kind, label=label or kind.value)
        db.session.add(window)
    elif label:
        window.label = label
    window.is_manually_closed = False
    if window.opens_at is None or window.opens_at > now:
        window.opens_at = now
    if closes_at is None and window.closes_at is not None and window.closes_at > now:
        closes_at = window.closes_at  # opening never drops a closing date still ahead
    window.closes_at = closes_at
    db.session.flush()
    return window


def close_window(
    pledge: Pledge,
    kind: WindowKind,
    message: str | None = None,
    now: datetime | None = None,
    *,
    window: SubmissionWindow | None = None,
) -> SubmissionWindow:
    """Close the pledge's window of `kind` (or `window`) by hand, with an optional message."""
    window = window or find_window(pledge, kind, now)
    if window is None:
        raise OperationError(
            gettext("This pledge has no %(kind)s window to close.", kind=kind.name)
        )
    window.is_manually_closed = True
    if message and message.strip():
        window.closed_message = message.strip()
    db.session.flush()
    return window


def schedule_window(
    window: SubmissionWindow,
    opens_at: datetime | None,
    closes_at: datetime | None,
    label: str,
    closed_message: str | None = None,
) -> SubmissionWindow:
    """Set when a window opens and closes (either may be empty) and what it says when closed."""
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise OperationError(
            gettext("The closing time must be after the opening time."), field="closes_at"
        )
    if not (label or "").strip():
        raise OperationError(gettext("Give the window a name."), field="label")
    window.opens_at, window.closes_at = opens_at, closes_at
    window.label = label.strip()
    window.closed_message = (closed_message or "").strip() or DEFAULT_CLOSED_MESSAGE
    # A schedule replaces a manual close: the dates alone now say when the form takes input.
    window.is_manually_closed = False
    db.session.flush()
    return window
