"""Languages: translation helpers shared by models, forms and views, the locale of a request,
and dates as people read them (Flask-Babel does the work)."""

from __future__ import annotations

import enum
import logging
import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    pgettext,
)
from flask_login import current_user

log = logging.getLogger(__name__)

#: The languages the registry speaks, each in its own name (the switcher shows these).
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
#: Languages written right to left.
RTL = frozenset({"ar"})
#: The cookie that keeps a visitor's choice (a signed-in user's is User.preferred_language): a
#: plain cookie, not the session, so that a visitor browsing public pages has no session row.
COOKIE = "registry_language"
COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext "mark only" name
    """Mark a string for translation without translating it (translated when shown)."""
    return text


class ContextualText(str):
    """An English label with the gettext context that tells its meaning apart from the same
    word meaning something else ("State": a country's government, or where a record stands)."""

    context: str

    def __new__(cls, context: str, text: str) -> ContextualText:
        made = super().__new__(cls, text)
        made.context = context
        return made


def NP_(context: str, text: str) -> ContextualText:  # noqa: N802 - as N_, with a context
    """Mark a string for translation in `context` without translating it (babel.cfg makes
    `pybabel extract` read NP_'s first argument as the msgctxt)."""
    return ContextualText(context, text)


class LabelledEnum(enum.Enum):
    """An enum stored by name whose value is an English label marked for translation."""

    @property
    def label(self) -> str:
        """The label in the current language (in its context when it has one)."""
        context = getattr(self.value, "context", None)
        return pgettext(context, self.value) if context else gettext(self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(name, label) pairs for select fields."""
        return [(member.name, member.label) for member in cls]


def select_locale() -> str:
    """The language of this request, among those the registry speaks: `?lang=` on the URL
    (the visitors' switcher, links to public pages and the API in one language), else the
    signed-in user's preferred language, else a visitor's earlier choice (the cookie), else the
    browser's Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    if current_user.is_authenticated and current_user.preferred_language in languages:
        return current_user.preferred_language
    if request.cookies.get(COOKIE) in languages:
        return request.cookies[COOKIE]
    return request.accept_languages.best_match(languages) or languages[0]


def language_or_default(code: str | None) -> str:
    """`code` when the registry speaks it, else the default language."""
    languages = current_app.config["LANGUAGES"]
    return code if code in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language code of the current request (or job): "en", "fr", "es" or "ar"."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def direction(language: str | None = None) -> str:
    """ "rtl" for a language written right to left, else "ltr"."""
    return "rtl" if (language or current_language()) in RTL else "ltr"


def compile_catalogues(directory: Path) -> int:
    """Compile every `<lang>/LC_MESSAGES/*.po` under `directory` whose .mo is missing or older,
    so that a fresh clone speaks every language at its first start (the .mo files are build
    output, not in git). Each .mo is written to a temporary file and renamed, so that two
    workers starting at once never read half a file. Returns how many were compiled."""
    compiled = 0
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        try:
            handle, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalog)
            # mkstemp makes it private; a catalogue is read by whoever serves the app.
            os.chmod(tmp, 0o644)
            os.replace(tmp, mo_path)
        except OSError as exc:  # a read-only install: it must have been compiled at build
            log.warning("cannot compile %s: %s", po_path, exc)
            continue
        compiled += 1
    return compiled


def remember_language(response: Response, language: str | None = None) -> Response:
    """Keep a language chosen with `?lang=` on a page (or `language`) for the next visits."""
    language = language or request.args.get("lang")
    if (
        language in current_app.config["LANGUAGES"]
        and response.mimetype == "text/html"
        and request.cookies.get(COOKIE) != language
    ):
        response.set_cookie(
            COOKIE,
            language,
            max_age=COOKIE_MAX_AGE,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    """Point Flask-Babel at the catalogues in `translations/`, compiled if need be, and keep a
    visitor's choice of language."""
    directory = Path(app.root_path) / "translations"
    compile_catalogues(directory)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(directory))
    app.after_request(remember_language)


def utc_datetime(value: datetime | None) -> str:
    """A datetime shown with its time zone (UTC), e.g. '31 March 2027, 23:59 UTC'."""
    if value is None:
        return ""
    if current_language() == "en":
        return format_datetime(value, "d MMMM y, HH:mm") + " UTC"
    # Each language's own long date ("31 de marzo de 2027"), then the 24-hour time.
    return f"{format_date(value, 'long')}, {format_datetime(value, 'HH:mm')} UTC"


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
    if current_language() == "en":
        return format_date(value, "d MMMM y")
    return format_date(value, "long")  # "31 mars 2027", "31 de marzo de 2027", "31 مارس 2027"
