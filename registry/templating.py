"""What every template can use: navigation for the current role, dates, and a submission
window's state in words (the one place that says whether a form is open, in every page,
message and command)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from flask import Flask, has_request_context, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from registry.geo import country_name
from registry.i18n import (
    LANGUAGE_NAMES,
    current_language,
    day,
    direction,
    number,
    utc_datetime,
)
from registry.models import ReportingStatus, Role, SubmissionWindow, WindowKind, utcnow

STAFF = frozenset({Role.coordinator, Role.admin})


class NavItem(NamedTuple):
    """One menu entry: a page, what it is called, and whether it is the page shown now."""

    endpoint: str
    label: str
    current: bool = False
    in_section: bool = False  # a page under this entry (a record's page, a step) is shown


class NavGroup(NamedTuple):
    """A menu of related pages (a single page when `items` has one entry)."""

    label: str
    items: list[NavItem]

    @property
    def active(self) -> bool:
        """The page shown now is one of this group's (or under one of them)."""
        return any(item.current or item.in_section for item in self.items)


# (group label or None for a single entry, [(endpoint, label)], the roles that see it, None
# standing for anonymous visitors).
# The coordinator's areas in five menus, so that the bar fits from 1200 px up and collapses
# into one menu button below (phones, tablets, 200 % zoom).
NAVIGATION = [
    (
        None,
        [
            ("pledges.index", _l("Pledges")),
            ("directory.commitments", _l("Commitments")),
            ("directory.signatories", _l("Signatories")),
            ("opendata.dictionary", _l("Open data")),
        ],
        {None, Role.stakeholder},
    ),
    (None, [("organisations.mine", _l("My organisation"))], {Role.stakeholder}),
    (None, [("dashboard.index", _l("Dashboard"))], STAFF),
    (
        _l("Pledges"),
        [
            ("review.queue", _l("Review signatures")),
            ("review.amendment_queue", _l("Review amendments")),
            ("coordinate.windows", _l("Windows")),
            ("invitations.index", _l("Invitations")),
            ("membership.requests", _l("Join requests")),
            ("pledges.index", _l("Public pledge pages")),
            ("directory.commitments", _l("Public directory")),
        ],
        STAFF,
    ),
    (
        _l("Commitments"),
        [
            ("commitments.index", _l("Commitments tracker")),
            ("progress.queue", _l("Progress to verify")),
        ],
        STAFF,
    ),
    (
        _l("Partners & targets"),
        [
            ("engagements.index", _l("Partners and advocacy targets")),
            ("organisations.index", _l("Organisations")),
            ("organisations.new", _l("Add an organisation")),
        ],
        STAFF,
    ),
    (
        _l("Data"),
        [
            ("reports.index", _l("Reports")),
            ("transfer.import_page", _l("Import")),
            ("auditlog.index", _l("Audit log")),
            ("opendata.dictionary", _l("Open data and API")),
            ("api_tokens.index", _l("API tokens")),
        ],
        STAFF,
    ),
    (_l("Admin"), [("admin.users", _l("Users")), ("admin.outbox", _l("Outbox"))], {Role.admin}),
]

#: Pages that belong under a menu entry of another blueprint (endpoint prefix → entry).
SECTIONS = {
    "signing.": "pledges.index",
    "progress.overview": "organisations.mine",
    "progress.edit": "organisations.mine",
    "progress.edit_all": "organisations.mine",
}


def _section_of(shown: str | None, endpoints: list[str]) -> str | None:
    """The menu entry a page without one of its own belongs under: a mapped prefix, else the
    first entry of the same blueprint (a signature's review page under "Review signatures")."""
    if not shown or shown in endpoints:
        return None
    for prefix, entry in SECTIONS.items():
        if shown.startswith(prefix):
            return entry
    blueprint = shown.split(".")[0]
    return next((e for e in endpoints if e.split(".")[0] == blueprint), None)


def navigation() -> list[NavGroup]:
    """The menus the current user may use, with the page shown now marked."""
    role = current_user.role if current_user.is_authenticated else None
    visible = [(label, entries) for label, entries, roles in NAVIGATION if role in roles]
    shown = request.endpoint if has_request_context() else None
    section = _section_of(shown, [e for _label, entries in visible for e, _text in entries])
    return [
        NavGroup(
            str(label) if label else "",
            [NavItem(e, str(text), e == shown, e == section) for e, text in entries],
        )
        for label, entries in visible
    ]


def start_page(user) -> str:
    """Where a user begins after logging in: staff at the dashboard, stakeholders at their
    organisation, everyone else at the home page."""
    if user is not None and user.is_authenticated:
        if user.role in STAFF:
            return url_for("dashboard.index")
        if user.role is Role.stakeholder:
            return url_for("organisations.mine")
    return url_for("main.home")


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
        return WindowWords(False, pgettext("form state", "Closed"), _("closed"), default, default)
    now = now or utcnow()
    if window.is_open(now):
        return WindowWords(True, pgettext("form state", "Open"), *_open_words(window, at))
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
    return WindowWords(False, pgettext("form state", "Closed"), summary, message, message)


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


def bdi(value) -> Markup:
    """User-entered text (a name, a title) isolated from the sentence around it, so that an
    English name keeps its order in an Arabic sentence and the other way round."""
    return Markup("<bdi>{}</bdi>").format("" if value is None else value)


def forward() -> str:
    """The arrow from before to after: it points the way the page reads (← in Arabic)."""
    return "←" if direction() == "rtl" else "→"


def here_without_lang() -> str:
    """The current page's path and query, without `?lang=` (which would outvote the switcher)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.path + ("?" + urlencode(args) if args else "")


def here_in(language: str) -> str:
    """The current page in `language` (a visitor's switcher link)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", language)])


def percent_text(value: int | float | None) -> str:
    """A progress percentage; None is "not reported", which is not 0 %."""
    if value is None:
        return _("not reported")
    return f"{number(value)} %"


def country(code: str | None) -> str:
    """A country's name for an ISO 3166 alpha-3 code (the code itself if unknown); "" for None."""
    if not code:
        return ""
    return country_name(code, current_language()) or code


def countries(codes) -> str:
    """Several countries by name, in the order given: "Bangladesh, Kenya"."""
    return ", ".join(country(code) for code in codes or [])


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""
    app.context_processor(lambda: {"navigation": navigation, "get_locale": get_locale})
    app.jinja_env.filters.update(
        utc=utc_datetime, number=number, day=day, country=country, countries=countries, bdi=bdi
    )
    # Globals, so that imported macros (templates/_badges.html) see them too.
    app.jinja_env.globals.update(
        ReportingStatus=ReportingStatus,
        window_words=window_words,
        percent_text=percent_text,
        language_names=LANGUAGE_NAMES,
        current_language=current_language,
        direction=direction,
        here_without_lang=here_without_lang,
        here_in=here_in,
        forward=forward,
    )
