"""The version of a set of tables, for what is kept while they are unchanged: the public
view's identifiers and listings, public pages' and the API's `ETag`, a report's cache, an
import's checked plan.

Every table but the registry's own bookkeeping (`UNCOUNTED`) has a *change counter*: a row of
`change_counters` that database triggers renew in the transaction of every insert, update,
delete or truncate of the table's rows, whoever writes (the registry, a script, a database
console), with a number never used before and the time of the change. A version is read
from those rows by primary key: one statement, whatever the size of the data.

- PostgreSQL: a statement-level trigger notes the table in a transaction-local setting and,
  the first time in a transaction, inserts a `change_marks` row whose deferred constraint
  trigger renews the noted tables' counters once, at commit, in the order of their names.
  A writer therefore holds a counter's row only from its commit's start to its end (no
  writer waits for another's open transaction), and writers take those rows in one order
  (no deadlock between them). Numbers come from the sequence `change_counter_versions`.
- SQLite: a row trigger per table and operation renews the counter in the same statement
  (SQLite's writers are serialised anyway); the number is one more than the highest in use.

Tables without a counter fall back to cheap aggregates: the row count, the highest id and
the latest `updated_at`; for a link table the count and the sums of its key columns.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa

from registry.extensions import db

#: Tables without a change counter: the registry's own bookkeeping, written on nearly every
#: request or change and read by nothing that is kept (a counter there would make writers
#: queue at commit for nothing).
UNCOUNTED = frozenset(
    {
        "alembic_version",
        "api_tokens",
        "audit_events",
        "change_counters",
        "change_marks",
        "digests",
        "import_runs",
        "outbox_messages",
        "report_runs",
        "server_sessions",
        "summary_counts",
    }
)


def _jsonable(value):
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _aggregates(table: sa.Table) -> list:
    columns = table.c
    if "updated_at" in columns:
        return [sa.func.count(), sa.func.max(columns.id), sa.func.max(columns.updated_at)]
    aggregates = [sa.func.count()]
    for column in table.primary_key.columns:
        if isinstance(column.type, sa.Integer):
            aggregates.append(sa.func.sum(column))
        else:  # e.g. a country code: its length and bounds are what cheap SQL can see
            aggregates += [
                sa.func.sum(sa.func.length(column)),
                sa.func.min(column),
                sa.func.max(column),
            ]
    # A link row that changes in place (a co-implementer's answer) dates the change.
    aggregates += [
        sa.func.max(column)
        for column in columns
        if not column.primary_key
        and isinstance(getattr(column.type, "impl", column.type), sa.DateTime)
    ]
    return aggregates


def _counter(name: str) -> list:
    counters = db.metadata.tables["change_counters"].c
    return [counters.version, counters.changed_at], counters.table_name == name


def version_select(names, *more) -> tuple[sa.Select, dict[str, int]]:
    """One statement whose single row holds the version of the tables `names` followed by the
    scalar expressions `more`, and how many of the row's values belong to each table, in
    order: a counted table's counter and when it changed (a primary-key read each), another's
    aggregates (each a scalar subquery of its own, so that a `max` walks an index)."""
    tables = db.metadata.tables
    columns, widths = [], {}
    for name in names:
        if name not in tables:
            continue
        if name not in UNCOUNTED:
            values, where = _counter(name)
            columns += [sa.select(value).where(where).scalar_subquery() for value in values]
            widths[name] = len(values)
            continue
        aggregates = _aggregates(tables[name])
        columns += [
            sa.select(aggregate).select_from(tables[name]).scalar_subquery()
            for aggregate in aggregates
        ]
        widths[name] = len(aggregates)
    return sa.select(*columns, *more), widths


def split_version(row, widths: dict[str, int]) -> tuple[dict[str, list], list]:
    """(the tables' versions, the remaining values) of a `version_select` row."""
    values = [_jsonable(value) if value is not None else None for value in row]
    version, start = {}, 0
    for name, width in widths.items():
        version[name] = values[start : start + width]
        start += width
    return version, values[start:]


@lru_cache(maxsize=64)
def _version_statement(names: tuple[str, ...]) -> tuple[sa.Select, dict[str, int]]:
    return version_select(names)  # an immutable statement, built once per set of tables


def data_version(names) -> dict[str, list]:
    """{table: [aggregates…]} for the tables `names`, read in the current session in one
    statement."""
    statement, widths = _version_statement(tuple(names))
    if not widths:
        return {}
    return split_version(db.session.execute(statement).one(), widths)[0]


def changed_at(version: dict[str, list]) -> list[datetime]:
    """When each counted table of a `data_version` last changed (as far as its counter knows)."""
    return [
        datetime.fromisoformat(values[1])
        for name, values in version.items()
        if name not in UNCOUNTED and len(values) == 2 and isinstance(values[1], str)
    ]


# The counters' database side. Table names come from the registry's own schema, never from
# input, and are quoted by the dialect.

_PG_FUNCTIONS = """
CREATE SEQUENCE IF NOT EXISTS change_counter_versions;

CREATE OR REPLACE FUNCTION registry_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  noted text := coalesce(current_setting('registry.changed_tables', true), '');
BEGIN
  IF noted = '' THEN
    PERFORM set_config('registry.changed_tables', TG_TABLE_NAME, true);
    INSERT INTO change_marks DEFAULT VALUES;
  ELSIF NOT (TG_TABLE_NAME = ANY (string_to_array(noted, ','))) THEN
    PERFORM set_config('registry.changed_tables', noted || ',' || TG_TABLE_NAME, true);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION registry_renew_counters() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  name text;
BEGIN
  FOR name IN
    SELECT DISTINCT unnest(string_to_array(current_setting('registry.changed_tables', true), ','))
    ORDER BY 1
  LOOP
    INSERT INTO change_counters (table_name, version, changed_at)
    VALUES (name, nextval('change_counter_versions'), clock_timestamp())
    ON CONFLICT (table_name)
    DO UPDATE SET version = EXCLUDED.version, changed_at = EXCLUDED.changed_at;
  END LOOP;
  PERFORM set_config('registry.changed_tables', '', true);
  DELETE FROM change_marks WHERE id = NEW.id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS renew_counters ON change_marks;
CREATE CONSTRAINT TRIGGER renew_counters AFTER INSERT ON change_marks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_renew_counters();
"""

_PG_TRIGGER = """
DROP TRIGGER IF EXISTS change_counter ON {table};
CREATE TRIGGER change_counter AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION registry_note_change();
"""

_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {name} AFTER {operation} ON {table} BEGIN
  INSERT INTO change_counters (table_name, version, changed_at)
  VALUES ({literal}, (SELECT coalesce(max(version), 0) + 1 FROM change_counters),
          strftime('%Y-%m-%d %H:%M:%f', 'now'))
  ON CONFLICT (table_name)
  DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at;
END
"""

_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def counted(names: Iterable[str]) -> list[str]:
    """The tables of `names` that have a change counter."""
    return sorted(set(names) - UNCOUNTED)


def install_counters(connection: sa.Connection, names: Iterable[str]) -> None:
    """Create the change counters' triggers on the tables `names` (those not UNCOUNTED) and
    give each a fresh version. Run by the migrations: a migration that adds a table calls it
    for the new table (tests/test_migrations.py checks that every table has its trigger)."""
    quote = connection.dialect.identifier_preparer.quote
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.exec_driver_sql(_PG_FUNCTIONS)
    for name in counted(names):
        if postgresql:
            connection.exec_driver_sql(_PG_TRIGGER.format(table=quote(name)))
            continue
        for operation in _OPERATIONS:
            connection.exec_driver_sql(
                _SQLITE_TRIGGER.format(
                    name=quote(f"change_counter_{name}_{operation.lower()}"),
                    operation=operation,
                    table=quote(name),
                    literal="'" + name.replace("'", "''") + "'",
                )
            )
    renew_counters(connection, counted(names))


def remove_counters(connection: sa.Connection, names: Iterable[str]) -> None:
    """Drop the triggers `install_counters` made on the tables `names`."""
    quote = connection.dialect.identifier_preparer.quote
    for name in counted(names):
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS change_counter ON {quote(name)}")
            continue
        for operation in _OPERATIONS:
            trigger = quote(f"change_counter_{name}_{operation.lower()}")
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")


def highest_version(connection: sa.Connection) -> int:
    """The highest version in use (0 before the counters exist)."""
    if "change_counters" not in sa.inspect(connection).get_table_names():
        return 0
    counters = db.metadata.tables["change_counters"]
    return connection.execute(sa.select(sa.func.max(counters.c.version))).scalar() or 0


def renew_counters(
    connection: sa.Connection, names: Iterable[str] | None = None, above: int = 0
) -> None:
    """Give the tables `names` (every counted table when None) versions above any number used
    in this database and above `above`, from a random offset: after a restore from a backup
    (`above` the replaced database's highest), no version read before it (and kept by a
    running process) can come round again for different data."""
    counters = db.metadata.tables["change_counters"]
    if names is None:
        names = counted(sa.inspect(connection).get_table_names())
    floor = max(highest_version(connection), above)
    start = floor + 2**32 + secrets.randbelow(2**40)
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                "SELECT setval('change_counter_versions',"
                " greatest(:start, nextval('change_counter_versions')))"
            ),
            {"start": start},
        )
    now = datetime.now().astimezone()
    for offset, name in enumerate(sorted(names), start=1):
        connection.execute(sa.delete(counters).where(counters.c.table_name == name))
        connection.execute(
            sa.insert(counters).values(table_name=name, version=start + offset, changed_at=now)
        )
