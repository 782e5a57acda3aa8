"""What every PDF report module shares: parameter checks, the base template's context, the
safe embedding of chart SVG, and how an organisation or a percentage is printed.

Every report module has the same contract (the job runner and the CLI call exactly these):
`KIND`, `INTERNAL_ONLY`, `parse_params(raw)`, `gather(params)`,
`render_html(params, data, *, fingerprint, generated_at)` and `title(params, data)`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from registry.i18n import N_, current_language
from registry.models import utcnow
from registry.reports.render import report_static
from registry.templating import percent_text

AUDIENCES = ("public", "internal")
#: Audiences a template may be made for: also an organisation's own report (never a parameter).
TEMPLATE_AUDIENCES = (*AUDIENCES, "own")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
WHOLE_NUMBER = N_("The parameter %(name)s must be a whole number.")


class ReportParameterError(ValueError):
    """Report parameters that cannot make a report; the message is one line for the user."""


def check_keys(raw: dict, allowed: set[str] | frozenset[str]) -> dict:
    """`raw` as a dict, refusing keys the report does not know."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ReportParameterError(_("Report parameters must be a mapping of names to values."))
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ReportParameterError(
            _(
                "Unknown report parameter(s): %(names)s; allowed: %(allowed)s.",
                names=", ".join(map(str, unknown)),
                allowed=", ".join(sorted(allowed)),
            )
        )
    return raw


def language_param(raw: dict) -> str | None:
    """The language a report is written in: "fr", "es" or "ar"; None for English, the default
    (so that an English report's parameters, and its cache key, stay as they were)."""
    value = str(raw.get("language") or "en").strip()
    languages = current_app.config["LANGUAGES"]
    if value not in languages:
        raise ReportParameterError(
            _("The language must be one of %(languages)s.", languages=", ".join(languages))
        )
    return None if value == "en" else value


def audience_of(raw: dict, default: str = "public") -> str:
    """The `audience` parameter: "public" or "internal" (empty means `default`)."""
    value = raw.get("audience")
    if value in (None, ""):
        return default
    value = getattr(value, "name", value)  # the Audience enum is accepted too
    if value not in AUDIENCES:
        raise ReportParameterError(
            _(
                "Audience must be one of %(audiences)s, not %(value)s.",
                audiences=", ".join(AUDIENCES),
                value=repr(value),
            )
        )
    return value


def integer_param(raw: dict, key: str, *, required: bool = False) -> int | None:
    """A positive whole-number parameter (an int or a string of digits)."""
    value = raw.get(key)
    if value in (None, ""):
        if required:
            raise ReportParameterError(_("The parameter %(name)s is required.", name=repr(key)))
        return None
    if isinstance(value, bool):
        raise ReportParameterError(_(WHOLE_NUMBER, name=repr(key)))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ReportParameterError(_(WHOLE_NUMBER, name=repr(key))) from None
    if number < 1:
        raise ReportParameterError(
            _("The parameter %(name)s must be a positive number.", name=repr(key))
        )
    return number


def enum_param(raw: dict, key: str, enum_cls) -> str | None:
    """The name of a member of `enum_cls` (given as a name or a member), or None if empty."""
    value = raw.get(key)
    if value in (None, ""):
        return None
    value = str(getattr(value, "name", value)).strip()
    if value not in enum_cls.__members__:
        raise ReportParameterError(
            _(
                "The parameter %(name)s must be one of %(values)s, not %(value)s.",
                name=repr(key),
                values=", ".join(enum_cls.__members__),
                value=repr(value),
            )
        )
    return value


def date_param(raw: dict, key: str) -> str | None:
    """A date as YYYY-MM-DD (a date, a datetime or a string), not in the future; or None."""
    value = raw.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    try:
        if not DATE.fullmatch(text):
            raise ValueError
        parsed = date.fromisoformat(text)
    except ValueError:
        raise ReportParameterError(
            _(
                "The parameter %(name)s must be a date as YYYY-MM-DD, not %(value)s.",
                name=repr(key),
                value=repr(text),
            )
        ) from None
    if parsed > utcnow().date():
        raise ReportParameterError(
            _("The parameter %(name)s is in the future (%(value)s).", name=repr(key), value=text)
        )
    return text


def chart_markup(svg: str) -> Markup:
    """A chart from `registry.reports.charts` as Markup for `{{ }}` in a report template.

    Safe because the charts are serialised by pygal's XML writer (text escaped, scripts
    removed); never pass anything else here.
    """
    if not svg.lstrip().startswith("<svg"):
        raise ValueError("chart_markup takes only SVG from registry.charts")
    # nosec B704: the SVG comes from registry.charts (checked above), which escapes labels.
    return Markup(svg)  # nosec B704


def base_context(
    *,
    title: str,
    subject: str,
    audience: str,
    generated_at: datetime,
    fingerprint: str | None,
    lang: str | None = None,
    keywords: str | None = None,
    marking: str | None = None,
) -> dict:
    """The context `templates/reports/_base.html` needs, plus the helpers report templates use.
    `marking` heads every page (internal reports: "Internal — not for distribution")."""
    if audience not in TEMPLATE_AUDIENCES:
        raise ReportParameterError(
            _("Audience must be one of %(audiences)s.", audiences=", ".join(AUDIENCES))
        )
    return {
        "title": title,
        "subject": subject,
        "audience": audience,
        "generated_at": generated_at,
        "fingerprint": fingerprint,
        "lang": lang or current_language(),
        "keywords": keywords,
        "marking": marking,
        "report_static": report_static,
        "chart_markup": chart_markup,
        "percent_text": percent_text,
    }
