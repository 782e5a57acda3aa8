"""Languages: translation helpers shared by models, forms and views, the locale of a request,
and dates as people read them (Flask-Babel does the work)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_login import current_user


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext "mark only" name
    """Mark a string for translation without translating it (translated when shown)."""
    return text


class LabelledEnum(enum.Enum):
    """An enum stored by name whose value is an English label marked for translation."""

    @property
    def label(self) -> str:
        """The label in the current language."""
        return gettext(self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(name, label) pairs for select fields."""
        return [(member.name, member.label) for member in cls]


def select_locale() -> str:
    """The user's preferred language, else the browser's, among those the registry speaks."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.preferred_language in languages:
        return current_user.preferred_language
    return request.accept_languages.best_match(languages) or languages[0]


def utc_datetime(value: datetime | None) -> str:
    """A datetime shown with its time zone (UTC), e.g. '31 March 2027, 23:59 UTC'."""
    if value is None:
        return ""
    return format_datetime(value, "d MMMM y, HH:mm") + " UTC"


def number(value: float | int | Decimal | None, digits: int = 2) -> str:
    """A number as people read it in the current language: grouped thousands, no ".0" on a
    whole number (757, not 757.0), at most `digits` decimals (12.5, 1,234.57); "" for None."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal) and value == int(value):
        value = int(value)
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern)


def day(value: date | datetime | None) -> str:
    """A date as people read it, e.g. '31 March 2027'; "" for None."""
    if value is None:
        return ""
    return format_date(value, "d MMMM y")
