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


def _table_version(table: sa.Table) -> list:
    columns = table.c
    if "updated_at" in columns:
        aggregates = [sa.func.count(), sa.func.max(columns.id), sa.func.max(columns.updated_at)]
    else:
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
    row = db.session.execute(sa.select(*aggregates).select_from(table)).one()
    return [_jsonable(value) if value is not None else None for value in row]


def data_version(names) -> dict[str, list]:
    """{table: [aggregates…]} for the tables `names`, read in the current session."""
    tables = db.metadata.tables
    return {name: _table_version(tables[name]) for name in names if name in tables}
