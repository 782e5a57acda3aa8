"""The public records of many commitments at once (a report's annex), kept between outputs so
that after one commitment changed only its record is built again.

A set of records is kept under everything a record reads but the commitment's own row: the
view (audience, whose output, the small-group threshold, the protected organisations' state:
`View.state_key`), the language, the organisations counted for the small-group rule, and the
change counters of every other table a public record reads (`PUBLIC_TABLES` but the
commitments and their updates: its organisation, signature, pledge, links, partners, matches,
vocabulary, approved wording). Inside a set each record is kept with the rows, as they were
read, of its commitment and of the commitments it shows as matches (every column: a write from
a database console that leaves `version` and `updated_at` alone is seen too). A record is built
again when one of those rows differs. Nothing is kept while the session has its own
uncommitted changes.

The key is read before the rows (`commitment_loads`), so what is kept under it is never older
than it says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.kept import Kept
from registry.models import Commitment, Signature
from registry.versions import data_version

from .records import PublicCommitment
from .version import PUBLIC_TABLES
from .view import COMMITMENT_LOADS, View

#: What the records depend on besides the commitments' own rows: they are built without
#: progress updates (an output adds those it shows), so updates and their windows and files
#: are not among them.
RECORD_TABLES = tuple(
    name
    for name in PUBLIC_TABLES
    if name not in {"commitments", "progress_updates", "submission_windows", "evidence_files"}
)
#: What a caller needs loaded to count the organisations before the records are built; the
#: rest of `COMMITMENT_LOADS` is loaded here, for the records built again only.
LIGHT_LOADS = (
    selectinload(Commitment.signature).selectinload(Signature.organisation),
    selectinload(Commitment.signature).selectinload(Signature.pledge),
    selectinload(Commitment.key_outcome),
    selectinload(Commitment.co_implementers),
)
#: Ids per statement when the rest of the records' relations are loaded.
BATCH = 1000
_COLUMNS = tuple(attribute.key for attribute in Commitment.__mapper__.column_attrs)
_KEY = "_kept_records_key"


@dataclass(frozen=True)
class _Entry:
    rows: dict[int, tuple]  # the commitment's row, and those of the commitments it shows
    record: PublicCommitment | None


#: Sets of records by key, then by the organisations counted (a report of one pledge counts
#: others than one of all): at most two keys (audiences or languages in use), four counts
#: each. A set holds at most one record per commitment of the registry.
_SETS: Kept[Kept[dict[int, _Entry]]] = Kept(2)
#: How many records the last `commitment_records` call built (for tests and benchmarks).
last_built = 0


def _key(view: View) -> tuple | None:
    state = view.state_key
    if state is None:
        return None
    flags = (view.audience, view.preview, view.viewer_id, view.only_id, view.own_id)
    version = data_version(RECORD_TABLES)
    return (*flags, view.threshold, str(get_locale()), state, repr(sorted(version.items())))


def commitment_loads(view: View) -> tuple:
    """The loader options to read the commitments with before `commitment_records`: the few
    relations needed to count their organisations when a set is kept, else all of them. Reads
    (and pins on the view) the key the records will be kept under."""
    key = _key(view)
    view.__dict__[_KEY] = key
    return LIGHT_LOADS if key is not None and _SETS.get(key) is not None else COMMITMENT_LOADS


def _row(commitment: Commitment) -> tuple:
    return tuple(getattr(commitment, name) for name in _COLUMNS)


def _rows_of(ids: set[int]) -> dict[int, tuple]:
    """The rows of commitments outside the output (shown as matches), read as they are now."""
    columns = [Commitment.__mapper__.column_attrs[name].columns[0] for name in _COLUMNS]
    found: dict[int, tuple] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        statement = select(Commitment.id, *columns).where(Commitment.id.in_(batch))
        found.update({row[0]: tuple(row[1:]) for row in db.session.execute(statement)})
    return found


def _load_rest(commitments: list[Commitment]) -> None:
    """Load the records' other relations of `commitments` (already in the session: only what
    is not loaded yet is read)."""
    missing = [c.id for c in commitments if "matched_by" not in c.__dict__]
    for start in range(0, len(missing), BATCH):
        ids = missing[start : start + BATCH]
        db.session.scalars(
            select(Commitment).where(Commitment.id.in_(ids)).options(*COMMITMENT_LOADS)
        ).all()


def _entry(view: View, commitment: Commitment) -> _Entry:
    rows = {c.id: _row(c) for c in (commitment, *commitment.matches, *commitment.matched_by)}
    return _Entry(rows, view.commitment(commitment))


def commitment_records(
    view: View, commitments: Sequence[Commitment]
) -> dict[int, PublicCommitment]:
    """The record of each commitment the view shows, by id, in the order given. Count the
    organisations (`View.include`) first; call `commitment_loads` before reading the rows."""
    global last_built
    key = view.__dict__.pop(_KEY) if _KEY in view.__dict__ else _key(view)
    population = view.included()
    sets = _SETS.get(key) if key is not None else None
    kept = (sets.get(population) if sets is not None else None) or {}
    now = {c.id: _row(c) for c in commitments}
    candidates = [kept.get(c.id) for c in commitments]
    outside = {i for e in candidates if e is not None for i in e.rows} - now.keys()
    now |= _rows_of(outside) if outside else {}
    stale = [
        c
        for c, entry in zip(commitments, candidates, strict=True)
        if entry is None or any(now.get(i) != row for i, row in entry.rows.items())
    ]
    _load_rest(stale)
    built = {c.id: _entry(view, c) for c in stale}
    last_built = len(built)
    if key is not None:
        sets = sets if sets is not None else _SETS.put(key, Kept(4))
        sets.put(population, kept | built)
    records = ((c.id, (built.get(c.id) or kept[c.id]).record) for c in commitments)
    return {i: record for i, record in records if record is not None}


def forget() -> None:
    """Drop every kept set (a restore, the tests)."""
    _SETS.clear()
