"""What every list page shares: its URL parameters, text search, and one page of rows.

List filters are dataclasses whose fields are URL parameters of the same name. They are parsed
with the helpers here, where values that mean nothing are dropped, never an error, so a list
page, its export and a dashboard link all read the same parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import ColumnElement, Select, func, or_, select

from registry.extensions import db

#: The largest id a database integer column holds (PostgreSQL `integer`); larger is no id.
MAX_ID = 2**31 - 1


def url_int(value, default=None, low: int = 1, high: int = MAX_ID):
    """`value` as a whole number within [low, high], else `default`."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def enum_name(value, enum_cls) -> str | None:
    """`value` when it names a member of `enum_cls`, else None."""
    return value if value in enum_cls.__members__ else None


def url_text(value, length: int = 200) -> str | None:
    """A free-text parameter: stripped, at most `length` characters, None when empty."""
    return (value or "").strip()[:length] or None


def url_flag(value) -> bool:
    """A tick-box parameter: 1, true, on or yes."""
    return value in ("1", "true", "on", "yes")


class ListFilters:
    """A list's filters as a dataclass of URL parameters; mixed into each area's filters."""

    def to_args(self, **changes) -> dict:
        """The non-default values as URL parameters (for links, pagination, saved filters)."""
        values = asdict(self) | changes
        defaults = {f.name: f.default for f in fields(self)}
        args = {}
        for key, value in values.items():
            if value in (None, False, "") or value == defaults[key]:
                continue
            if value is True:
                value = "1"
            elif isinstance(value, date):
                value = value.isoformat()
            args[key] = value
        return args


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern matching `text` anywhere, its wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains_text(text: str, *columns) -> ColumnElement[bool]:
    """Criterion: any of `columns` contains `text`, ignoring case (`%` and `_` are literal)."""
    pattern = like_pattern(text)
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


@dataclass
class Page:
    """One page of a list and where it sits in the whole list."""

    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least 1)."""
        return last_page(self.total, self.per_page)


def last_page(total: int, per_page: int) -> int:
    """The number of the last page of `total` rows (1 for an empty list)."""
    return max(1, -(-total // per_page))


def count_rows(statement: Select) -> int:
    """How many rows `statement` returns, in one COUNT statement."""
    return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def page_of(statement: Select, requested: int, per_page: int, order_by, *, scalars=True) -> Page:
    """Page `requested` (past the end: the last page) of `statement` sorted by `order_by`: one
    COUNT and one SELECT of the page's rows, whatever the size of the list."""
    total = count_rows(statement)
    page = min(requested, last_page(total, per_page))
    query = statement.order_by(*order_by).limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(query).all() if scalars else db.session.execute(query).all()
    return Page(rows=list(rows), total=total, page=page, per_page=per_page)
