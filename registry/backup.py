"""`registry backup OUT` and `registry restore IN`: a consistent copy of the whole database,
taken while the registry runs, and put back into an empty database.

- SQLite: SQLite's online backup API (a consistent snapshot even while others write); the
  copy is an SQLite file, checked with `PRAGMA integrity_check` before a restore.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore`; the
  password goes to them in the environment, never on the command line.
- A restore refuses a database that holds any row unless `--force` is given.
"""

from __future__ import annotations

import os
import shutil
import sqlite3

# pg_dump and pg_restore run with a fixed argument list, never through a shell.
import subprocess  # nosec B404
from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL

from registry.cli import CommandFailure, leaves_the_schema_alone
from registry.extensions import db
from registry.versions import highest_version, renew_counters

#: Tables whose rows do not make a database "non-empty" (the schema's version, the tables'
#: change counters).
IGNORED = {"alembic_version", "change_counters", "change_marks"}


def row_counts(engine=None) -> dict[str, int]:
    """Rows per table of the database (every table the schema has, alembic_version aside)."""
    engine = engine or db.engine
    names = sorted(set(inspect(engine).get_table_names()) - IGNORED)
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        }


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise CommandFailure(_("the database is in memory: nothing to back up"))
    return Path(url.database)


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for `url` (the password stays out of the process list)."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    return env


def _run(command: list[str], url: URL) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise CommandFailure(
            _("%(tool)s is not installed (PostgreSQL client tools)", tool=command[0])
        )
    result = subprocess.run(  # nosec B603
        [tool, *command[1:]], env=_pg_env(url), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise CommandFailure(f"{command[0]}: {reason}")  # the tool's own words


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    """Copy the SQLite database `source` into the file `target_path` (online backup API:
    a consistent snapshot, page by page, while others go on writing)."""
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()


def backup_to(out: Path, url: URL | None = None) -> None:
    """Write a consistent copy of the database at `url` (default: the app's) to `out`."""
    url = url or db.engine.url
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        try:
            _copy(source, out)
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out)], url)
    else:
        raise CommandFailure(
            _("cannot back up a %(backend)s database", backend=url.get_backend_name())
        )


def restore_from(source: Path, force: bool = False) -> None:
    """Put the copy `source` into the app's database, which must hold no rows unless `force`."""
    url = db.engine.url
    if not source.is_file():
        raise CommandFailure(_("no backup file at %(file)s", file=str(source)))
    if not force and any(row_counts().values()):
        raise CommandFailure(
            _("the database is not empty; restore into an empty one, or give --force to replace it")
        )
    with db.engine.connect() as connection:
        replaced = highest_version(connection)
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        db.engine.dispose()
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run(["pg_restore", *options, "--dbname", str(url.database), str(source)], url)
    else:
        raise CommandFailure(
            _("cannot restore a %(backend)s database", backend=url.get_backend_name())
        )
    db.engine.dispose()
    with db.engine.begin() as connection:
        # Versions above any read before the restore: nothing a running process kept for the
        # replaced data is taken for the restored data.
        renew_counters(connection, above=replaced)


def _restore_sqlite(source: Path, target_path: Path) -> None:
    copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        problems = copy.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise CommandFailure(_("the backup is damaged: %(problem)s", problem=problems[0][0]))
        db.engine.dispose()
        _copy(copy, target_path)
    except sqlite3.DatabaseError as exc:
        raise CommandFailure(_("not an SQLite backup: %(reason)s", reason=str(exc))) from None
    finally:
        copy.close()


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@leaves_the_schema_alone
def backup(out: Path) -> None:
    """Copy the whole database to OUT while the registry runs (SQLite file or pg_dump)."""
    backup_to(out)
    counts = row_counts()
    click.echo(
        _(
            "Backed up %(rows)d rows in %(tables)d tables to %(file)s.",
            rows=sum(counts.values()),
            tables=len(counts),
            file=str(out),
        )
    )


@click.command("restore")
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@leaves_the_schema_alone
def restore(source: Path, force: bool) -> None:
    """Restore the backup IN into this registry's database (which must be empty)."""
    restore_from(source, force=force)
    counts = row_counts()
    click.echo(
        _(
            "Restored %(rows)d rows in %(tables)d tables from %(file)s.",
            rows=sum(counts.values()),
            tables=len(counts),
            file=str(source),
        )
    )
