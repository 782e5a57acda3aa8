"""What every template can use: navigation for the current role, dates, and a submission
window's state in words (the one place that says whether a form is open, in every page,
message and command)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.i18n import utc_datetime
from registry.models import ReportingStatus, Role, SubmissionWindow, WindowKind, utcnow

# (endpoint, label, roles that see it; None = everyone)
NAVIGATION = [
    ("pledges.index", _l("Pledges"), None),
    ("organisations.mine", _l("My organisation"), {Role.stakeholder}),
    ("dashboard.index", _l("Dashboard"), {Role.coordinator, Role.admin}),
    ("review.queue", _l("Review"), {Role.coordinator, Role.admin}),
    ("commitments.index", _l("Commitments"), {Role.coordinator, Role.admin}),
    ("progress.queue", _l("Progress"), {Role.coordinator, Role.admin}),
    ("engagements.index", _l("Partners & targets"), {Role.coordinator, Role.admin}),
    ("coordinate.windows", _l("Windows"), {Role.coordinator, Role.admin}),
    ("invitations.index", _l("Invitations"), {Role.coordinator, Role.admin}),
    ("membership.requests", _l("Join requests"), {Role.coordinator, Role.admin}),
    ("transfer.import_page", _l("Import"), {Role.coordinator, Role.admin}),
    ("reports.index", _l("Reports"), {Role.coordinator, Role.admin}),
    ("auditlog.index", _l("Audit log"), {Role.coordinator, Role.admin}),
    ("admin.users", _l("Users"), {Role.admin}),
]


def navigation() -> list[tuple[str, str]]:
    """The menu entries the current user may use."""
    role = current_user.role if current_user.is_authenticated else None
    return [
        (endpoint, label) for endpoint, label, roles in NAVIGATION if not roles or role in roles
    ]


class WindowWords(NamedTuple):
    """A submission window's state in words."""

    is_open: bool
    label: str  # Open, Not open yet, Closed
    summary: str  # for coordinators: "open until …", "opens on …", "closed since …"
    notice: str  # for visitors of the pledge page: "Open for signatures until …", "Opens on …"
    closed: str | None  # what the closed form says: its message, and when it opens if known
    opens_at: datetime | None = None  # when a closed window opens by itself, if known


def window_words(
    window: SubmissionWindow | None,
    now: datetime | None = None,
    at: Callable[[datetime], str] = utc_datetime,
) -> WindowWords:
    """Say whether `window` takes input now, until when, when it opens, or why it is closed;
    `at` formats the dates (the CLI prints ISO dates)."""
    if window is None:
        default = _("This form is closed to new submissions.")
        return WindowWords(False, _("Closed"), _("closed"), default, default)
    now = now or utcnow()
    if window.is_open(now):
        return WindowWords(True, _("Open"), *_open_words(window, at))
    message = window.display_closed_message()
    if opens_at := window.reopens_at(now):
        summary = _("opens on %(at)s", at=at(opens_at))
        if window.closes_at:
            summary += ", " + _("closes on %(at)s", at=at(window.closes_at))
        closed = message + " " + _("It opens on %(date)s.", date=at(opens_at))
        notice = _("Opens on %(date)s.", date=at(opens_at))
        return WindowWords(False, _("Not open yet"), summary, notice, closed, opens_at)
    if window.is_manually_closed or window.closes_at is None:
        summary = _("closed by a coordinator")
    else:
        summary = _("closed since %(at)s", at=at(window.closes_at))
    return WindowWords(False, _("Closed"), summary, message, message)


def _open_words(window: SubmissionWindow, at) -> tuple[str, str, None]:
    """(summary, notice, closed) of an open window."""
    until = window.closes_at
    signatures = window.kind is WindowKind.signature
    if until is None:
        notice = _("Open for signatures.") if signatures else _("Open for progress reports.")
        return _("open with no closing date"), notice, None
    if signatures:
        notice = _("Open for signatures until %(date)s.", date=at(until))
    else:
        notice = _("Open for progress reports until %(date)s.", date=at(until))
    return _("open until %(at)s", at=at(until)), notice, None


def percent_text(value: int | float | None) -> str:
    """A progress percentage; None is "not reported", which is not 0 %."""
    if value is None:
        return _("not reported")
    return f"{value:g} %"


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""
    app.context_processor(lambda: {"navigation": navigation, "get_locale": get_locale})
    app.jinja_env.filters["utc"] = utc_datetime
    # Globals, so that imported macros (templates/_badges.html) see them too.
    app.jinja_env.globals.update(
        ReportingStatus=ReportingStatus, window_words=window_words, percent_text=percent_text
    )
