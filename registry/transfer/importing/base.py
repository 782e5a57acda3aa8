"""What every import kind shares: rows, their outcomes, the plan of a whole file, the
all-or-nothing refusal, lookups."""

from __future__ import annotations

import enum
import json
import pickle  # nosec B403
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import islice

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import ARRAY

from registry.errors import OperationError
from registry.extensions import db


@dataclass
class ImportRow:
    """One data row: its number in the spreadsheet and its cells by column name."""

    number: int
    values: dict[str, str]


@dataclass
class ImportTable:
    """A file read for import: its recognised columns, the ones ignored, its rows (read as they
    are iterated, so a large file is never held in memory whole) and how many there are."""

    kind: str | None
    columns: list[str]
    ignored: list[str]
    rows: Iterable[ImportRow]
    header: list[str] = field(default_factory=list, repr=False)
    total: int | None = None


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
        return describe(self)


#: Writes a plan keeps as they are (plain values, no JSON): a file of up to this many rows
#: (most files) is applied without a round trip through JSON; beyond it every write is kept
#: compressed, which bounds the memory of a large file's plan.
KEEP_PLAIN = 20_000
#: Writes per compressed block beyond `KEEP_PLAIN`.
BLOCK = 1000
#: Outcomes a plan keeps to show (every row of a file up to this size; beyond it the blocking
#: rows first): the rest are counted, and their writes kept compressed (see `Plan`).
KEEP_OUTCOMES = 1000


class Plan:
    """What importing a file does: counts of every action, the outcomes to show, and the write
    of each row to create or update: as they are while there are up to `KEEP_PLAIN`, then in
    zlib-compressed blocks so that a 100,000-row file's plan takes a few MB. Stored for the
    confirmation as compressed JSON lines (see `dump` and `load`)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.counts: Counter = Counter()
        self.rows = 0
        self.outcomes: list[RowOutcome] = []
        self._kept_blocking = 0
        #: The writes as they are: all of them up to `KEEP_PLAIN`, then those since the last
        #: block.
        self._plain: list[tuple[str, dict]] = []
        #: Past `KEEP_PLAIN`: the earlier writes, `BLOCK` at a time, pickled and compressed.
        #: They never leave this process (what is stored is `dump`'s JSON).
        self._blocks: list[bytes] = []
        self._spilled = False
        #: A stored plan's writes (`load`): compressed JSON lines.
        self._stored: bytes | None = None

    def add(self, outcome: RowOutcome, op: dict | None) -> None:
        """Count the row, keep it to show if there is room, and keep its write."""
        self.rows += 1
        self.counts[outcome.action] += 1
        blocking = outcome.action in ("error", "duplicate")
        if self.rows <= KEEP_OUTCOMES or (blocking and self._kept_blocking < KEEP_OUTCOMES):
            self.outcomes.append(outcome)
            self._kept_blocking += blocking
        if op is None:
            return
        self._plain.append((outcome.action, op))
        if not self._spilled and len(self._plain) > KEEP_PLAIN:
            self._spilled = True
        if self._spilled and len(self._plain) >= BLOCK:
            for start in range(0, len(self._plain), BLOCK):
                block = pickle.dumps(self._plain[start : start + BLOCK], pickle.HIGHEST_PROTOCOL)
                self._blocks.append(zlib.compress(block, 1))
            self._plain = []

    def ops(self) -> Iterator[tuple[str, dict]]:
        """(action, write) of every row to write, in file order."""
        if self._stored is not None:
            yield from _json_lines(self._stored)
            return
        for block in self._blocks:
            # Bytes this plan pickled itself, in this process (never read from outside).
            yield from pickle.loads(zlib.decompress(block))  # nosec B301
        yield from self._plain

    @property
    def writes(self) -> int:
        """How many rows the import writes (created, updated, or created as duplicates)."""
        return sum(self.counts[a] for a in ("create", "update", "duplicate"))

    def blocking(self, allow_duplicates: bool) -> int:
        """How many rows stop the import."""
        return self.counts["error"] + (0 if allow_duplicates else self.counts["duplicate"])

    def shown(self) -> list[RowOutcome]:
        """The kept outcomes in row order."""
        return sorted(self.outcomes, key=lambda o: o.row)

    def dump(self) -> bytes:
        """The writes, to store with the checked file: zlib-compressed JSON lines."""
        if self._stored is not None:
            return self._stored
        zip_, out = zlib.compressobj(1), bytearray()
        for action, op in self.ops():
            out += zip_.compress(_ENCODER.encode([action, op]).encode() + b"\n")
        return bytes(out + zip_.flush())

    @classmethod
    def load(cls, kind: str, counts: dict, ops: bytes) -> Plan:
        """A stored plan again (its counts and writes; the shown outcomes are stored apart)."""
        plan = cls(kind)
        plan.counts.update(counts)
        plan.rows = sum(counts.values())
        plan._stored = bytes(ops)
        return plan

    # Tests and small callers read a plan as the list of its outcomes.
    def __iter__(self):
        return iter(self.shown())

    def __len__(self) -> int:
        return len(self.outcomes)

    def __getitem__(self, index):
        return self.shown()[index]


def _json_lines(stored: bytes) -> Iterator[tuple[str, dict]]:
    """The (action, write) of each line of a stored plan."""
    unzip, rest = zlib.decompressobj(), b""
    step = 1 << 16
    for start in range(0, len(stored), step):
        rest += unzip.decompress(stored[start : start + step])
        *lines, rest = rest.split(b"\n")
        for line in lines:
            action, op = _DECODER.decode(line.decode())
            yield action, op


def _encode(value):
    """Enum members and dates in a plan's JSON (`_decode` reads them back)."""
    if isinstance(value, enum.Enum):
        return {"$enum": type(value).__name__, "name": value.name}
    if isinstance(value, datetime):  # a dated fact (aware UTC)
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__} in an import plan")


def _decode(obj: dict):
    if "$datetime" in obj:
        return datetime.fromisoformat(obj["$datetime"])
    if "$date" in obj:
        return date.fromisoformat(obj["$date"])
    if "$enum" in obj:
        return _enum_class(obj["$enum"])[obj["name"]]
    return obj


# Made once: `json.dumps` and `json.loads` with options build a new encoder or decoder per call,
# which cost more than the row's own JSON.
_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_encode)
_DECODER = json.JSONDecoder(object_hook=_decode)


@lru_cache(maxsize=64)
def _enum_class(name: str) -> type[enum.Enum]:
    """The model enum called `name` (looked up once: a plan holds one per cell)."""
    from registry import models

    enum_cls = getattr(models, name)
    if not (isinstance(enum_cls, type) and issubclass(enum_cls, enum.Enum)):
        raise ValueError(f"{name} is not an enum")
    return enum_cls


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """`items` in lists of `size` (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ImportRefused(OperationError):
    """Nothing was imported because some rows have errors; `outcomes` holds the rows kept to
    show (every blocking one, up to `KEEP_OUTCOMES`)."""

    def __init__(self, plan: Plan, allow_duplicates: bool = False, shown=None):
        self.plan = plan
        self.outcomes = plan.shown() if shown is None else shown
        bad = [o for o in self.outcomes if blocks(o, allow_duplicates)]
        count = plan.blocking(allow_duplicates)
        shown = "; ".join(o.describe() for o in bad[:5])
        more = gettext(" (and %(n)d more)", n=count - 5) if count > 5 else ""
        super().__init__(
            gettext("Nothing was imported: %(n)d row(s) need fixing: ", n=count) + shown + more
        )

    @classmethod
    def from_preview(cls, plan: Plan, preview: list[dict], allow_duplicates: bool):
        """The refusal of a stored plan, naming the rows its preview keeps."""
        shown = [
            StoredOutcome(p["row"], p["external_ref"], p["action"], p["details"]) for p in preview
        ]
        return cls(plan, allow_duplicates, shown)


@dataclass
class StoredOutcome:
    """A row's outcome as an import run keeps it for its preview."""

    row: int
    external_ref: str | None
    action: str
    details: str

    def describe(self) -> str:
        """`row N (ref): action — details`, as `RowOutcome.describe`."""
        return describe(self)


def action_word(action: str) -> str:
    """What a row's action is called, as the import page says it, in the current language."""
    words = {
        "create": gettext("create"),
        "update": gettext("update"),
        "skip": gettext("unchanged"),
        "duplicate": gettext("probable duplicate"),
        "error": gettext("error"),
    }
    return words.get(action, action)


def describe(outcome) -> str:
    """`row N (ref): action — details` of a row's outcome, in the current language."""
    ref = f" ({outcome.external_ref})" if outcome.external_ref else ""
    details = f" — {outcome.details}" if outcome.details else ""
    return gettext(
        "row %(row)d%(ref)s: %(action)s%(details)s",
        row=outcome.row,
        ref=ref,
        action=action_word(outcome.action),
        details=details,
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


def one_of(column, values: list):
    """`column IN (values)`; on PostgreSQL `column = ANY(:values)`, one array parameter
    rather than one parameter per value (what a chunk of 1,000 keys costs to bind and plan)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def by_refs(model, refs: set[str], *options) -> dict:
    """Records of `model` keyed by external_ref, looked up in chunks."""
    found, refs = {}, sorted(r for r in refs if r)
    step = 1000 if db.session.get_bind().dialect.name == "postgresql" else 500
    for start in range(0, len(refs), step):
        query = select(model).where(one_of(model.external_ref, refs[start : start + step]))
        for obj in db.session.scalars(query.options(*options)):
            found[obj.external_ref] = obj
    return found


def as_rows(rows) -> Iterator[ImportRow]:
    """`ImportRow`s from rows that may be plain dicts (numbered as if under a header row)."""
    for number, row in enumerate(rows, start=2):
        yield row if isinstance(row, ImportRow) else ImportRow(number, dict(row))
