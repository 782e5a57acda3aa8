"""Rows written in bulk: one executemany INSERT per chunk of rows (COPY on PostgreSQL), in the
session's own transaction, returning the new ids in the order of the rows. (RETURNING with
executemany would insert one row per statement on SQLite: SQLAlchemy cannot batch it there.)"""

from __future__ import annotations

import enum
import json
from operator import itemgetter

import sqlalchemy as sa

from registry.extensions import db

_NOTHING = object()
#: Rows per statement (SQLite) or per COPY (PostgreSQL).
CHUNK = 2000


def insert_rows(table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert `rows` (dicts with the same keys) into `table`; returns their ids (if it has one)."""
    if not rows:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, rows)
    names = list(rows[0])
    # Each column type's own bind processor (what Core applies), run here once per value:
    # Core's per-row parameter handling costs more than SQLite's insert itself.
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := table.c[name].type.bind_processor(connection.dialect)) is not None
    ]
    columns = ", ".join(f'"{name}"' for name in names)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})'  # nosec B608 - names from the Table's metadata; values bound
    values_of = itemgetter(*names)
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = []
        # The last value each processor saw and what it made of it: the rows of a chunk
        # share most timestamps and many enum values, processed once.
        last = [(_NOTHING, None)] * len(processors)
        for row in chunk:
            row_values = list(values_of(row)) if len(names) > 1 else [row[names[0]]]
            for position, (index, process) in enumerate(processors):
                value = row_values[index]
                seen, made = last[position]
                if value is not seen:
                    made = process(value)
                    last[position] = (value, made)
                row_values[index] = made
            values.append(tuple(row_values))
        connection.exec_driver_sql(sql, values)
        if "id" in table.c:
            ids.extend(_sqlite_ids(connection, table, len(chunk)))
    return ids


def _sqlite_ids(connection, table: sa.Table, count: int) -> range:
    """The ids SQLite gave the `count` rows just inserted. They are the highest and follow each
    other: SQLite gives a new row the highest id plus one, and this transaction holds the
    database's only write lock from its first insert on (checked, to be sure)."""
    highest = connection.execute(sa.select(sa.func.max(table.c.id))).scalar_one()
    ids = range(highest - count + 1, highest + 1)
    found = connection.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.id.between(ids[0], ids[-1]))
    ).scalar_one()
    if found != count:
        raise RuntimeError(f"{table.name}: the new rows' ids are not contiguous")
    return ids


def _enum_name(value):
    return value.name if isinstance(value, enum.Enum) else value


def _copy_converter(column: sa.Column):
    """What makes a value of `column` what COPY takes (what the column type would bind, without
    SQLAlchemy): JSON as text, enum members by name; None for the columns whose values go as
    they are. (Only JSON and enum columns get anything but plain values: the SQLite path,
    which binds by the column types, would refuse an enum member elsewhere.)"""
    if isinstance(column.type, sa.JSON):
        return json.dumps
    if isinstance(column.type, sa.Enum):
        return _enum_name
    return None


def _copy(connection, table: sa.Table, rows: list[dict]) -> list[int]:
    """COPY the rows, with ids taken from the table's sequence first (COPY returns nothing)."""
    ids: list[int] = []
    names = list(rows[0])
    if "id" in table.c:
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        ids = list(
            connection.execute(
                sa.select(sa.func.nextval(sequence)).select_from(
                    sa.func.generate_series(1, len(rows))
                )
            ).scalars()
        )
        names = ["id", *names]
    converters = [
        (index, convert)
        for index, name in enumerate(names)
        if (convert := _copy_converter(table.c[name])) is not None
    ]
    given = names[1:] if ids else names  # the row's own columns
    values_of = itemgetter(*given)
    single = len(given) == 1
    quoted = ", ".join(f'"{name}"' for name in names)
    import psycopg

    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for index, row in enumerate(rows):
                row_values = (row[given[0]],) if single else values_of(row)
                values = [ids[index], *row_values] if ids else list(row_values)
                for position, convert in converters:
                    value = values[position]
                    if value is not None:
                        values[position] = convert(value)
                copy.write_row(values)
    except psycopg.errors.IntegrityError as exc:
        # The driver's own error (COPY goes around SQLAlchemy): raise it as SQLAlchemy would.
        raise sa.exc.IntegrityError(f"COPY {table.name}", None, exc) from exc
    finally:
        cursor.close()
    return ids
