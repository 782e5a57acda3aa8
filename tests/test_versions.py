"""The change counters (registry/versions.py): every table but the bookkeeping has one, any
write moves it (the registry's, a script's, a database console's), only at commit, and
concurrent writers neither wait for each other's open transactions nor deadlock."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.versions import UNCOUNTED, data_version, renew_counters


def _triggers() -> set[str]:
    """The tables that have a change counter's trigger in the migrated database."""
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(
            sa.text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = 'change_counter'"
            )
        )
        return {row[0] for row in rows}
    rows = db.session.execute(
        sa.text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
    )
    found: dict[str, set[str]] = {}
    for table, name in rows:
        found.setdefault(table, set()).add(name)
    return {
        table
        for table, names in found.items()
        if {f"change_counter_{table}_{op}" for op in ("insert", "update", "delete")} <= names
    }


def test_every_table_but_the_bookkeeping_has_a_counter(db):
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert _triggers() == tables - UNCOUNTED
    assert {"organisations", "commitments", "contacts", "users"} <= _triggers()


def _version(name: str):
    db.session.rollback()  # a fresh snapshot
    return data_version([name])[name]


def test_a_raw_write_moves_the_version_and_a_rollback_does_not(db, make_org):
    org = make_org(name="Counted Org")
    db.session.commit()
    before = _version("organisations")
    with db.engine.connect() as connection:  # as a database console would, no ORM
        connection.execute(
            sa.text("UPDATE organisations SET acronym = 'CO' WHERE id = :id"), {"id": org.id}
        )
        connection.rollback()
    assert _version("organisations") == before
    with db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE organisations SET acronym = 'CO' WHERE id = :id"), {"id": org.id}
        )
    after = _version("organisations")
    assert after != before
    assert after[0] > before[0]
    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM organisations WHERE id = :id"), {"id": org.id})
    assert _version("organisations") not in (before, after)


def test_a_table_written_does_not_move_another(db, make_org):
    make_org(name="Only Organisations")
    db.session.commit()
    pledges = _version("pledges")
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE organisations SET acronym = 'X'"))
    assert _version("pledges") == pledges


def test_renewed_versions_are_above_every_one_before(db, make_org):
    make_org(name="Before Restore")
    db.session.commit()
    before = data_version(["organisations", "pledges"])
    with db.engine.begin() as connection:
        renew_counters(connection)
    after = data_version(["organisations", "pledges"])
    highest = max(values[0] for values in before.values())
    assert all(values[0] > highest for values in after.values())


def test_postgresql_moves_at_commit_and_writers_do_not_deadlock(db, make_org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the deferred renewal is PostgreSQL's (SQLite serialises its writers)")
    make_org(name="Alpha Org")
    make_org(name="Beta Org")
    db.session.commit()
    before = _version("organisations")

    # An open writing transaction moves nothing that others read, and holds no counter row.
    writer = db.engine.connect()
    writer.execute(sa.text("UPDATE organisations SET acronym = 'A' WHERE name = 'Alpha Org'"))
    assert _version("organisations") == before
    with db.engine.begin() as other:  # a second writer commits while the first is open
        other.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
        other.execute(sa.text("UPDATE organisations SET acronym = 'B' WHERE name = 'Beta Org'"))
    middle = _version("organisations")
    assert middle != before
    writer.commit()
    writer.close()
    assert _version("organisations") not in (before, middle)

    # Writers touching the same tables in opposite orders, many times at once: every
    # transaction commits (a deadlock would raise in one of them).
    errors: list[BaseException] = []
    start = threading.Barrier(4)
    engine = db.engine

    def write(order: list[str]) -> None:
        try:
            start.wait()
            for _ in range(25):
                with engine.begin() as connection:
                    for statement in order:
                        connection.execute(sa.text(statement))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    # No row matches: the statements share no data row, only the tables' counters.
    orgs = "UPDATE organisations SET acronym = acronym WHERE id < 0"
    pledges = "UPDATE pledges SET title = title WHERE id < 0"
    contacts = "UPDATE contacts SET name = name WHERE id < 0"
    threads = [
        threading.Thread(target=write, args=(order,))
        for order in ([orgs, pledges, contacts], [contacts, pledges, orgs]) * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    counters = db.session.execute(sa.text("SELECT count(*) FROM change_marks")).scalar()
    assert counters == 0  # each transaction's mark is gone with its commit
