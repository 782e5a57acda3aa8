"""Importing organisations, commitments and progress reports from CSV or XLSX files.

An import is read (`load_import`), planned (`plan_import`: every row validated, nothing written)
and applied (`apply_import`: all rows in the caller's one transaction, or none). Rows are keyed by
`external_ref` (progress rows by commitment and window), so importing the same file twice changes
nothing the second time. Row numbers are those a spreadsheet shows: the header is row 1.

The work is done in `registry.transfer.importing`, one module per kind (files and columns in
`importing.files`); this module is what the import page and the CLI call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from registry.errors import OperationError
from registry.extensions import db
from registry.models import InvalidTransition, User
from registry.transfer.importing.base import ImportRefused, RowOutcome, as_rows, blocks
from registry.transfer.importing.commitments import plan_commitments, write_commitment
from registry.transfer.importing.files import IMPORT_KINDS, missing_columns
from registry.transfer.importing.organisations import plan_organisations, write_organisation
from registry.transfer.importing.progress import plan_progress, write_progress

#: kind -> (plan every row, write one planned row with `(outcome, by, cache)`)
KIND_HANDLERS = {
    "organisations": (plan_organisations, write_organisation),
    "commitments": (plan_commitments, write_commitment),
    "progress": (plan_progress, write_progress),
}


def plan_import(kind: str, rows: Iterable) -> list[RowOutcome]:
    """Validate every row and say what importing it would do; writes nothing."""
    if kind not in IMPORT_KINDS:
        raise OperationError(
            gettext("Choose organisations, commitments or progress."), field="kind"
        )
    rows = as_rows(rows)
    if rows:
        missing = missing_columns(kind, rows[0].values)
        if missing:
            raise OperationError(
                gettext("The file lacks the column(s) %(names)s.", names=", ".join(missing)),
                field="file",
            )
    plan, _write = KIND_HANDLERS[kind]
    with db.session.no_autoflush:
        return plan(rows)


def apply_import(
    kind: str, rows: Iterable, by: User | None = None, allow_duplicates: bool = False
) -> dict[str, int]:
    """Import every row or none: raises `ImportRefused` listing the rows to fix; the caller
    commits. Probable duplicates are refused unless `allow_duplicates` (then created)."""
    outcomes = plan_import(kind, rows)
    if any(blocks(o, allow_duplicates) for o in outcomes):
        raise ImportRefused(outcomes, allow_duplicates)
    _plan, write = KIND_HANDLERS[kind]
    cache: dict = {}
    try:
        for outcome in outcomes:
            if outcome.action in ("create", "update", "duplicate"):
                write(outcome, by, cache)
        db.session.flush()
    except (IntegrityError, InvalidTransition) as exc:
        raise OperationError(
            gettext(
                "Nothing was imported: the data changed while importing (%(reason)s). Try again.",
                reason=type(exc).__name__,
            )
        ) from exc
    counts = Counter("create" if o.action == "duplicate" else o.action for o in outcomes)
    return {action: counts.get(action, 0) for action in ("create", "update", "skip")}
