"""Cell parsers of imports: each takes the column name and the cell's text, and returns the value
or raises `CellError` with a message fit for the row's outcome."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache

from flask_babel import gettext

from registry.geo import is_country


class CellError(Exception):
    """A cell that cannot be imported, with the column it is in."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def text(column: str, raw: str, max_length: int | None = None, required: bool = False):
    """Text up to `max_length` characters; empty is None (or an error when required)."""
    if not raw:
        if required:
            raise CellError(column, gettext("is required"))
        return None
    if max_length and len(raw) > max_length:
        raise CellError(column, gettext("is longer than %(n)d characters", n=max_length))
    return raw


def choice(column: str, raw: str, enum_cls, required: bool = False):
    """A member of `enum_cls`, by code (any case, spaces for _) or English label."""
    if not raw:
        if required:
            raise CellError(column, gettext("is required"))
        return None
    member = _choices(enum_cls).get(raw.strip().lower().replace(" ", "_")) or _labels(enum_cls).get(
        raw.casefold()
    )
    if member is not None:
        return member
    names = ", ".join(m.name.rstrip("_") for m in enum_cls)
    raise CellError(column, gettext("“%(value)s” is not one of %(names)s", value=raw, names=names))


@lru_cache(maxsize=64)
def _choices(enum_cls) -> dict:
    """Members by code (and by code without its trailing _, as `global_` → `global`)."""
    found = {}
    for member in enum_cls:
        found.setdefault(member.name, member)
        found.setdefault(member.name.rstrip("_"), member)
    return found


@lru_cache(maxsize=64)
def _labels(enum_cls) -> dict:
    """Members by their English label, case-folded."""
    return {str(member.value).casefold(): member for member in enum_cls}


def boolean(column: str, raw: str) -> bool | None:
    """yes/no (y, true, 1, x / n, false, 0); empty is None."""
    value = raw.lower()
    if not value:
        return None
    if value in ("yes", "y", "true", "1", "x"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise CellError(column, gettext("“%(value)s” is not yes or no", value=raw))


def country(column: str, raw: str) -> str | None:
    """An ISO 3166 alpha-3 country code, upper-cased."""
    if not raw:
        return None
    if not is_country(raw):
        raise CellError(
            column, gettext("“%(value)s” is not an ISO 3166 alpha-3 country code", value=raw)
        )
    return raw.upper()


def url(column: str, raw: str) -> str | None:
    """A web address starting with http:// or https://."""
    if not raw:
        return None
    if not re.match(r"^https?://[^\s/]+", raw, re.IGNORECASE) or len(raw) > 500:
        raise CellError(column, gettext("enter a web address starting with http:// or https://"))
    return raw


def whole_number(column: str, raw: str) -> int | None:
    """A number without a fractional part, as int."""
    value = number(column, raw)
    if value is not None and not value.is_integer():
        raise CellError(column, gettext("“%(value)s” is not a whole number", value=raw))
    return None if value is None else int(value)


def split(raw: str) -> list[str]:
    """The non-empty parts of a ;-separated cell."""
    return [part.strip() for part in raw.split(";") if part.strip()]


def iso_date(column: str, raw: str) -> date | None:
    """A date written 2026-12-31 (a time after it is ignored)."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10] if re.match(r"^\d{4}-\d\d-\d\d", raw) else raw)
    except ValueError:
        raise CellError(
            column, gettext("“%(value)s” is not a date like 2026-12-31", value=raw)
        ) from None


def fact_date(column: str, raw: str) -> datetime | None:
    """The date of a fact (pledged, accepted, verified…): not in the future, as the start of
    that day in UTC."""
    day = iso_date(column, raw)
    if day is None:
        return None
    if day > datetime.now(UTC).date():
        raise CellError(column, gettext("“%(value)s” is in the future", value=raw))
    return datetime.combine(day, time.min, tzinfo=UTC)


def number(column: str, raw: str) -> float | None:
    """A finite number, as float."""
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise CellError(column, gettext("“%(value)s” is not a number", value=raw)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(column, gettext("“%(value)s” is not a number", value=raw))
    return value


def parse_row(values: dict, parsers: dict, errors: list) -> dict:
    """Parse the columns present in the row; absent columns are left out (left unchanged)."""
    parsed = {}
    for column, parser in parsers.items():
        if column not in values:
            continue
        try:
            parsed[column] = parser(column, values[column])
        except CellError as exc:
            errors.append((exc.column, str(exc)))
    return parsed


def list_of(parser):
    """A parser of ;-separated cells whose every part `parser` accepts."""

    def parse(column: str, raw: str) -> list:
        return [parser(column, part) for part in split(raw)]

    return parse
