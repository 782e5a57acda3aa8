"""Importing organisations, commitments and progress reports from CSV or XLSX files.

An import is read (`load_import`), planned (`plan_import`: every row validated, nothing written)
and applied (`apply_import`: all rows in the caller's one transaction, or none). Rows are keyed by
`external_ref` (progress rows by commitment and window), so importing the same file twice changes
nothing the second time. Row numbers are those a spreadsheet shows: the header is row 1.

Both steps go through the file a chunk of rows at a time: lookups are a few statements per
chunk, writes are bulk inserts, and memory holds one chunk plus the plan (its counts, the
outcomes to show and the writes, compressed past 20,000, see `importing.base.Plan`). The plan
made for the dry run is the one applied: the CLI applies it at once, the import page stores it
with the file (`ImportRun`) and applies it while the data it looked at is unchanged
(`plan_version`).

The work is done in `registry.transfer.importing`, one module per kind (files and columns in
`importing.files`); this module is what the import page and the CLI call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from registry.errors import OperationError
from registry.extensions import db
from registry.models import InvalidTransition, User, utcnow
from registry.summary import touch_organisations
from registry.transfer.importing.base import ImportRefused, Plan, as_rows, chunks
from registry.transfer.importing.commitment_writes import write_commitments
from registry.transfer.importing.commitments import CommitmentPlanner
from registry.transfer.importing.files import IMPORT_KINDS, missing_columns
from registry.transfer.importing.organisations import OrganisationPlanner, write_organisations
from registry.transfer.importing.progress import ProgressPlanner, write_progress
from registry.versions import data_version

#: kind -> (planner class, write a chunk of planned rows with `(ops, by, now)`)
KIND_HANDLERS = {
    "organisations": (OrganisationPlanner, write_organisations),
    "commitments": (CommitmentPlanner, write_commitments),
    "progress": (ProgressPlanner, write_progress),
}
#: The tables each kind looks at while planning: its plan holds while they are unchanged.
PLAN_TABLES = {
    "organisations": ("organisations",),
    "commitments": (
        "organisations",
        "signatures",
        "commitments",
        "pledges",
        "key_outcomes",
        "vocabulary_terms",
        "commitment_countries",
        "commitment_risks",
        "commitment_action_areas",
        "commitment_target_populations",
    ),
    "progress": ("signatures", "commitments", "submission_windows", "progress_updates"),
}
#: Rows planned or written at a time.
CHUNK = 1000

Progress = Callable[[int], None]


def plan_version(kind: str) -> dict:
    """The version of what planning `kind` looks at (`registry.versions`)."""
    return data_version(PLAN_TABLES[kind])


def plan_import(kind: str, rows: Iterable, progress: Progress | None = None) -> Plan:
    """Validate every row and say what importing it would do; writes nothing. `progress` is
    told how many rows each chunk held."""
    if kind not in IMPORT_KINDS:
        raise OperationError(
            gettext("Choose organisations, commitments or progress."), field="kind"
        )
    planner_cls, _write = KIND_HANDLERS[kind]
    plan = Plan(kind)
    with db.session.no_autoflush:
        planner = planner_cls()
        for chunk in chunks(as_rows(rows), CHUNK):
            if plan.rows == 0:
                _check_columns(kind, chunk[0].values)
            for outcome, op in planner.plan(chunk):
                plan.add(outcome, op)
            if progress:
                progress(len(chunk))
    return plan


def _check_columns(kind: str, values: dict) -> None:
    missing = missing_columns(kind, values)
    if missing:
        raise OperationError(
            gettext("The file lacks the column(s) %(names)s.", names=", ".join(missing)),
            field="file",
        )


def apply_import(
    kind: str,
    rows: Iterable | None = None,
    by: User | None = None,
    allow_duplicates: bool = False,
    *,
    plan: Plan | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Import every row or none: raises `ImportRefused` listing the rows to fix; the caller
    commits. Probable duplicates are refused unless `allow_duplicates` (then created). `plan`
    is the dry run's (planned again from `rows` when not given)."""
    plan = plan if plan is not None else plan_import(kind, rows)
    if plan.blocking(allow_duplicates):
        raise ImportRefused(plan, allow_duplicates)
    _plan, write = KIND_HANDLERS[kind]
    now = utcnow()
    try:
        for chunk in chunks(plan.ops(), CHUNK):
            _touch(kind, chunk)
            write(chunk, by, now)
            db.session.flush()
            if progress:
                progress(len(chunk))
    except (IntegrityError, InvalidTransition) as exc:
        raise OperationError(
            gettext(
                "Nothing was imported: the data changed while importing (%(reason)s). Try again.",
                reason=type(exc).__name__,
            )
        ) from exc
    counts = plan.counts
    return {
        "create": counts["create"] + counts["duplicate"],
        "update": counts["update"],
        "skip": counts["skip"],
    }


def _touch(kind: str, ops: list[tuple[str, dict]]) -> None:
    """Tell the dashboard's summary which organisations the chunk's bulk writes change."""
    if kind == "commitments":
        touch_organisations({op["org"] for action, op in ops if action == "create"})
    elif kind == "progress":
        touch_organisations(commitment_ids={op["commitment"] for _action, op in ops})
