"""The summary counts behind the dashboard, kept up to date in the transaction of every change.

Every figure the dashboard (and the GRF report, the tracker's total, the public pledge page)
counts is a sum over organisations: an organisation's signatures, their commitments and those
commitments' progress updates belong to it alone. So each change is applied as a difference:
before a flush changes an organisation's records, its *contribution* (the counts its own rows
add to every figure) is read with the organisation row locked; when the transaction commits (or
a reader asks, `settle`), the contribution is read again and the difference is added to
`summary_counts`. Reading a figure is then one small statement whatever the data size, and
writing costs a few statements for the organisations it touched.

Writes the ORM does not see (bulk inserts of an import) call `touch_organisations` first.
`rebuild` recomputes everything (demo data, the migration that created the table); a test
checks the counts against the direct queries after random changes.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models import (
    Commitment,
    KeyOutcome,
    Organisation,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    SummaryCount,
)

PENDING = "summary_before"
CHUNK = 500
#: Attributes whose change moves a figure (others, such as a title, do not).
WATCHED = {
    Organisation: ("stakeholder_type", "region", "visibility", "is_refugee_led"),
    Signature: ("status", "organisation_id", "pledge_id", "organisation", "pledge"),
    Commitment: ("status", "key_outcome_id", "signature_id", "signature", "key_outcome"),
    ProgressUpdate: ("review_state", "window_id", "commitment_id", "commitment", "window"),
}

signatures = Signature.__table__
commitments = Commitment.__table__
updates = ProgressUpdate.__table__
organisations = Organisation.__table__
counts_table = SummaryCount.__table__


def _name(value) -> str:
    return "" if value is None else getattr(value, "name", str(value))


def contributions(connection, org_ids: list[int]) -> dict[int, Counter]:
    """{organisation id: Counter of (pledge id, figure, key) → n} from its own rows."""
    result: dict[int, Counter] = {org_id: Counter() for org_id in org_ids}
    for start in range(0, len(org_ids), CHUNK):
        _add_contributions(connection, org_ids[start : start + CHUNK], result)
    return result


def _add_contributions(connection, ids: list[int], result: dict[int, Counter]) -> None:
    accepted = signatures.c.status == SignatureStatus.accepted
    signed = connection.execute(
        select(
            signatures.c.organisation_id,
            signatures.c.pledge_id,
            organisations.c.stakeholder_type,
            organisations.c.region,
            organisations.c.visibility,
            organisations.c.is_refugee_led,
        )
        .join(organisations, organisations.c.id == signatures.c.organisation_id)
        .where(signatures.c.organisation_id.in_(ids), accepted)
    )
    for org_id, pledge_id, kind, region, visibility, refugee_led in signed:
        counts = result[org_id]
        # Pledge 0 (every pledge) counts an organisation once however many it signed.
        for pledge in (pledge_id, 0):
            counts[(pledge, "signatories_type", _name(kind))] = 1
            counts[(pledge, "signatories_region", _name(region))] = 1
        counts[(pledge_id, "signatories_visibility", _name(visibility))] = 1
        if _name(visibility) == "anonymised":
            # How the public pledge page describes it: refugee-led or not, region, type.
            described = f"{int(bool(refugee_led))}:{_name(region)}:{_name(kind)}"
            counts[(pledge_id, "signatories_described", described)] = 1
    committed = connection.execute(
        select(
            signatures.c.organisation_id,
            signatures.c.pledge_id,
            signatures.c.status,
            commitments.c.status,
            commitments.c.key_outcome_id,
            func.count(),
        )
        .join(signatures, signatures.c.id == commitments.c.signature_id)
        .where(signatures.c.organisation_id.in_(ids))
        .group_by(signatures.c.organisation_id, signatures.c.pledge_id, signatures.c.status)
        .group_by(commitments.c.status, commitments.c.key_outcome_id)
    )
    for org_id, pledge_id, signature_status, status, outcome_id, n in committed:
        counts = result[org_id]
        counts[(pledge_id, "tracker", _name(status))] += n
        if _name(signature_status) == SignatureStatus.accepted.name:
            outcome = _name(outcome_id)
            counts[(pledge_id, "commitments_status", _name(status))] += n
            counts[(pledge_id, "commitments_key_outcome", outcome)] += n
            counts[(pledge_id, "key_outcome_status", f"{outcome}:{_name(status)}")] += n
    reported = connection.execute(
        select(
            signatures.c.organisation_id,
            signatures.c.pledge_id,
            updates.c.window_id,
            commitments.c.key_outcome_id,
            func.count(),
        )
        .join(commitments, commitments.c.id == updates.c.commitment_id)
        .join(signatures, signatures.c.id == commitments.c.signature_id)
        .where(
            signatures.c.organisation_id.in_(ids),
            accepted,
            updates.c.review_state != ReviewState.draft,
        )
        .group_by(signatures.c.organisation_id, signatures.c.pledge_id, updates.c.window_id)
        .group_by(commitments.c.key_outcome_id)
    )
    for org_id, pledge_id, window_id, outcome_id, n in reported:
        counts = result[org_id]
        counts[(pledge_id, "reported", str(window_id))] += n
        counts[(pledge_id, "key_outcome_reported", f"{window_id}:{_name(outcome_id)}")] += n


def _add(connection, delta: Counter) -> None:
    """Add `delta` to the stored counts (rows in key order, so writers lock them in order)."""
    rows = [
        {"pledge_id": p, "figure": f, "key": k, "n": n}
        for (p, f, k), n in sorted(delta.items())
        if n
    ]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(counts_table)
    statement = statement.on_conflict_do_update(
        index_elements=["pledge_id", "figure", "key"],
        set_={"n": counts_table.c.n + statement.excluded.n},
    )
    connection.execute(statement, rows)


def _lock(connection, org_ids: list[int]) -> None:
    """Hold the organisations' rows until the transaction ends, so that a concurrent change
    of the same organisation reads its contribution after this one commits."""
    for start in range(0, len(org_ids), CHUNK):
        chunk = org_ids[start : start + CHUNK]
        if connection.dialect.name == "postgresql":
            connection.execute(
                select(organisations.c.id).where(organisations.c.id.in_(chunk)).with_for_update()
            )
        else:  # SQLite: a write takes the database's one write lock before anything is read
            connection.execute(
                organisations.update()
                .where(organisations.c.id.in_(chunk))
                .values(id=organisations.c.id, updated_at=organisations.c.updated_at)
            )


def _remember(session: Session, org_ids) -> None:
    """Read (once per transaction) the contribution of organisations about to change."""
    known = session.info.setdefault(PENDING, {})
    todo = sorted({i for i in org_ids if i is not None} - set(known))
    if todo:
        connection = session.connection()
        _lock(connection, todo)
        known.update(contributions(connection, todo))


def touch_organisations(org_ids=(), commitment_ids=()) -> None:
    """Before writes the ORM does not see: these organisations (or those of these
    commitments) are about to change."""
    session = db.session()
    ids = set(org_ids)
    commitment_ids = sorted(commitment_ids)
    for start in range(0, len(commitment_ids), CHUNK):
        ids |= set(
            session.execute(
                select(signatures.c.organisation_id)
                .join(commitments, commitments.c.signature_id == signatures.c.id)
                .where(commitments.c.id.in_(commitment_ids[start : start + CHUNK]))
            ).scalars()
        )
    _remember(session, ids)


def settle(session: Session | None = None, forget: bool = False) -> None:
    """Add to the counts what the transaction changed so far (readers call it; the commit
    does, with `forget`)."""
    session = session or db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit flushes only after `before_commit`
    if not session.info.get(PENDING):
        return
    known = session.info[PENDING]
    connection = session.connection()
    now = contributions(connection, sorted(known))
    delta: Counter = Counter()
    for org_id, before in known.items():
        delta.update(now[org_id])
        delta.subtract(before)
    _add(connection, delta)
    if forget:
        session.info.pop(PENDING, None)
    else:
        session.info[PENDING] = now


def _changed(obj) -> bool:
    state = inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in WATCHED[type(obj)])


def _organisations_of(session: Session, objects) -> set[int]:
    """The organisations whose figures these (persistent or new) objects move, before the flush
    (the old owner too, when a record moves)."""
    org_ids, signature_ids, commitment_ids = set(), set(), set()
    for obj in objects:
        state = inspect(obj)
        if isinstance(obj, Organisation):
            org_ids.add(obj.id)
        elif isinstance(obj, KeyOutcome):
            commitment_ids |= set(
                session.execute(
                    select(commitments.c.id).where(commitments.c.key_outcome_id == obj.id)
                ).scalars()
            )
        else:
            fk, parent = {
                Signature: ("organisation_id", "organisation"),
                Commitment: ("signature_id", "signature"),
                ProgressUpdate: ("commitment_id", "commitment"),
            }[type(obj)]
            values = {getattr(obj, fk), *state.attrs[fk].history.deleted}
            related = [getattr(obj, parent), *state.attrs[parent].history.deleted]
            values |= {getattr(r, "id", None) for r in related if r is not None}
            target = {Signature: org_ids, Commitment: signature_ids, ProgressUpdate: commitment_ids}
            target[type(obj)].update(v for v in values if v is not None)
            for r in related:
                if r is not None and getattr(r, "id", None) is None:
                    # A new parent: its own parent is what counts.
                    org_ids |= _organisations_of(session, [r])
    if commitment_ids:
        signature_ids |= set(
            session.execute(
                select(commitments.c.signature_id).where(commitments.c.id.in_(commitment_ids))
            ).scalars()
        )
    if signature_ids:
        org_ids |= set(
            session.execute(
                select(signatures.c.organisation_id).where(signatures.c.id.in_(signature_ids))
            ).scalars()
        )
    return org_ids


def _relevant(session: Session, new: bool):
    tracked = (Organisation, Signature, Commitment, ProgressUpdate)
    if new:
        # A new organisation adds nothing until it signs (then its signature names it).
        return [o for o in session.new if isinstance(o, tracked[1:])]
    dirty = [o for o in session.dirty if isinstance(o, tracked) and _changed(o)]
    deleted = [o for o in session.deleted if isinstance(o, (*tracked, KeyOutcome))]
    return dirty + deleted + [o for o in session.new if isinstance(o, tracked[1:])]


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances):
    objects = _relevant(session, new=False)
    if objects:
        _remember(session, _organisations_of(session, objects))


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context):
    # Organisations new in this flush had no rows before it: their contribution was nothing.
    known = session.info.setdefault(PENDING, {})
    new = _relevant(session, new=True)
    for org_id in _organisations_of(session, new) if new else ():
        known.setdefault(org_id, Counter())
    if not known:
        session.info.pop(PENDING, None)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    settle(session, forget=True)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING, None)


def rebuild(connection) -> int:
    """Recompute every count from the data (on `connection`, in its transaction); returns how
    many organisations were counted."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE summary_counts IN EXCLUSIVE MODE"))
    connection.execute(counts_table.delete())
    org_ids = list(connection.execute(select(organisations.c.id).order_by(organisations.c.id)))
    org_ids = [row[0] for row in org_ids]
    total: Counter = Counter()
    for start in range(0, len(org_ids), CHUNK * 10):
        for counts in contributions(connection, org_ids[start : start + CHUNK * 10]).values():
            total.update(counts)
    _add(connection, total)
    return len(org_ids)


def read(pledge_ids, figures) -> dict[tuple[int, str], dict[str, int]]:
    """{(pledge id, figure): {key: n}} for these pledges (0: every pledge; None: all rows) and
    figures, in one statement (after adding what the current transaction changed)."""
    settle()
    query = select(
        SummaryCount.pledge_id, SummaryCount.figure, SummaryCount.key, SummaryCount.n
    ).where(SummaryCount.figure.in_(figures), SummaryCount.n != 0)
    if pledge_ids is not None:
        query = query.where(SummaryCount.pledge_id.in_(list(pledge_ids)))
    rows = db.session.execute(query)
    found: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for pledge_id, figure, key, n in rows:
        found[(pledge_id, figure)][key] = n
    return found
