"""What every template can use: navigation for the current role, date formatting."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.models import Role

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


def utc_datetime(value: datetime | None) -> str:
    """A datetime shown with its time zone (UTC), e.g. '31 March 2027, 23:59 UTC'."""
    if value is None:
        return ""
    return format_datetime(value, "d MMMM y, HH:mm") + " UTC"


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""
    app.context_processor(lambda: {"navigation": navigation, "get_locale": get_locale})
    app.jinja_env.filters["utc"] = utc_datetime
