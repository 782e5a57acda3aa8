"""What every import kind shares: rows, their outcomes, the all-or-nothing refusal, lookups."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select

from registry.errors import OperationError
from registry.extensions import db


@dataclass
class ImportRow:
    """One data row: its number in the spreadsheet and its cells by column name."""

    number: int
    values: dict[str, str]


@dataclass
class ImportTable:
    """A file read for import: its recognised columns, the ones ignored, its rows."""

    kind: str | None
    columns: list[str]
    ignored: list[str]
    rows: list[ImportRow]
    header: list[str] = field(default_factory=list, repr=False)


@dataclass
class RowOutcome:
    """What importing one row does: create, update, skip (unchanged), duplicate or error."""

    row: int
    external_ref: str | None
    action: str
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict, repr=False)
    target: object | None = field(default=None, repr=False)

    @property
    def details(self) -> str:
        """One line saying why: the errors with their columns, changes or probable twins."""
        if self.errors:
            return "; ".join(f"{col}: {msg}" if col else msg for col, msg in self.errors)
        if self.duplicates:
            return gettext("probably the same as %(others)s", others="; ".join(self.duplicates))
        if self.changes:
            return gettext("changes %(columns)s", columns=", ".join(self.changes))
        return ""

    def describe(self) -> str:
        """`row N (ref): action — details` for the shell and error messages."""
        ref = f" ({self.external_ref})" if self.external_ref else ""
        details = f" — {self.details}" if self.details else ""
        return f"row {self.row}{ref}: {self.action}{details}"


class ImportRefused(OperationError):
    """Nothing was imported because some rows have errors; `outcomes` holds every row."""

    def __init__(self, outcomes: list[RowOutcome], allow_duplicates: bool = False):
        self.outcomes = outcomes
        bad = [o for o in outcomes if blocks(o, allow_duplicates)]
        shown = "; ".join(o.describe() for o in bad[:5])
        more = gettext(" (and %(n)d more)", n=len(bad) - 5) if len(bad) > 5 else ""
        super().__init__(
            gettext("Nothing was imported: %(n)d row(s) need fixing: ", n=len(bad)) + shown + more
        )


def blocks(outcome: RowOutcome, allow_duplicates: bool) -> bool:
    """Whether the row stops the import: an error, or a duplicate not explicitly allowed."""
    return outcome.action == "error" or (outcome.action == "duplicate" and not allow_duplicates)


def check_ref(ref: str, row: int, seen: dict, errors: list) -> None:
    """The row's external_ref is present, not too long and not already used in the file."""
    if not ref:
        errors.append(("external_ref", gettext("is required")))
    elif len(ref) > 100:
        errors.append(("external_ref", gettext("is longer than %(n)d characters", n=100)))
    elif ref in seen:
        errors.append(("external_ref", gettext("is also on row %(n)d", n=seen[ref])))
    else:
        seen[ref] = row


def by_refs(model, refs: set[str], *options) -> dict:
    """Records of `model` keyed by external_ref, looked up in chunks."""
    found, refs = {}, sorted(r for r in refs if r)
    for start in range(0, len(refs), 500):
        query = select(model).where(model.external_ref.in_(refs[start : start + 500]))
        for obj in db.session.scalars(query.options(*options)):
            found[obj.external_ref] = obj
    return found


def as_rows(rows) -> list[ImportRow]:
    """`ImportRow`s from rows that may be plain dicts (numbered as if under a header row)."""
    return [
        row if isinstance(row, ImportRow) else ImportRow(number, dict(row))
        for number, row in enumerate(rows, start=2)
    ]
