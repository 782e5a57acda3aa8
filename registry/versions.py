"""The version of a set of tables: cheap aggregates that move on any insert, update or delete
(the row count, the highest id and the latest `updated_at`). Link tables have no timestamps, so
their version is the row count and the sums of their key columns (and the latest of any other
date column, for a link that changes in place).

A report is cached while the version of what it reads is unchanged; an import's checked plan is
reused at confirmation while the version of what it looked up is unchanged.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa

from registry.extensions import db


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


def version_select(names, *more) -> tuple[sa.Select, dict[str, int]]:
    """One statement whose single row holds the version of the tables `names` followed by the
    scalar expressions `more`, and how many of the row's values belong to each table, in
    order. Each aggregate is a scalar subquery of its own, so that a `max` walks an index
    (every table public outputs read has one on `updated_at`) instead of the table."""
    tables = db.metadata.tables
    columns, widths = [], {}
    for name in names:
        if name not in tables:
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


def data_version(names) -> dict[str, list]:
    """{table: [aggregates…]} for the tables `names`, read in the current session in one
    statement."""
    statement, widths = version_select(names)
    if not widths:
        return {}
    return split_version(db.session.execute(statement).one(), widths)[0]
