"""Row 13: the backup drill. Back up while writers are busy, restore into a fresh database,
check its integrity and compare row counts table by table; a restore refuses a database that
holds data unless --force. On SQLite (online backup API) and on PostgreSQL (pg_dump)."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from registry.audit import acting_as
from registry.backup import row_counts
from registry.models import Contact, OutboxMessage
from registry.versions import data_version
from tests.conftest import make_app


def _fill(db, make_org, make_user):
    for n in range(20):
        organisation = make_org(name=f"Org {n}")
        with acting_as(label="test"):
            db.session.add(
                Contact(organisation=organisation, name=f"Person {n}", email=f"p{n}@x.org")
            )
            db.session.commit()
    make_user(email="someone@example.org")


class Writers:
    """Threads that keep inserting e-mail rows into the database until stopped."""

    def __init__(self, url: str, threads: int = 2):
        self.engine = create_engine(url)
        self.stop, self.written = threading.Event(), 0
        self.threads = [threading.Thread(target=self._write, daemon=True) for _ in range(threads)]

    def _write(self):
        deadline = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < deadline:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(OutboxMessage.__table__).values(
                        to="w@example.org",
                        subject="w",
                        body="w",
                        status="pending",
                        attempts=0,
                        created_at=text("CURRENT_TIMESTAMP"),
                        updated_at=text("CURRENT_TIMESTAMP"),
                    )
                )
            self.written += 1
            time.sleep(0.002)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        while self.written < 20:  # they are really writing before the backup starts
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.engine.dispose()


def _fresh_database(database_url: str, tmp_path) -> str:
    """An empty database next to the test database (same server for PostgreSQL)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def test_backup_while_writing_then_restore_into_a_fresh_database(
    app, db, database_url, make_org, make_user, tmp_path
):
    _fill(db, make_org, make_user)
    out = tmp_path / ("registry.backup" if "postgresql" in database_url else "registry.db")
    runner = app.test_cli_runner()
    before = row_counts()
    with Writers(database_url) as writers:
        result = runner.invoke(args=["registry", "backup", str(out)])
        written_meanwhile = writers.written
    assert result.exit_code == 0, result.output
    assert written_meanwhile > 20

    target_url = _fresh_database(database_url, tmp_path)
    target = make_app({"SQLALCHEMY_DATABASE_URI": target_url})
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["registry", "restore", str(out)])
        assert restored.exit_code == 0, restored.output
        counts = row_counts()
        # Integrity: SQLite checks its file; on both, every foreign key finds its row.
        if target_url.startswith("sqlite"):
            with sqlite3.connect(target_url.removeprefix("sqlite:///")) as check:
                assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        # A second restore over data is refused, with --force it replaces it.
        again = target.test_cli_runner().invoke(args=["registry", "restore", str(out)])
        assert again.exit_code == 1 and "not empty" in again.output
        kept = data_version(["organisations", "contacts"])
        forced = target.test_cli_runner().invoke(args=["registry", "restore", str(out), "--force"])
        assert forced.exit_code == 0, forced.output
        assert row_counts() == counts
        # The same data again, under versions above any before: nothing a running process
        # kept under the replaced data's versions is reused (registry/versions.py).
        restored_version = data_version(["organisations", "contacts"])
        highest = max(values[0] for values in kept.values())
        assert all(values[0] > highest for values in restored_version.values()), (
            kept,
            restored_version,
        )
        from registry.extensions import db as target_db

        target_db.engine.dispose()
    # Table by table: everything that was there, and a consistent part of what was being written.
    assert set(counts) == set(before)
    assert {t: n for t, n in counts.items() if t != "outbox_messages"} == {
        t: n for t, n in before.items() if t != "outbox_messages"
    }
    assert before["outbox_messages"] <= counts["outbox_messages"] <= row_counts()["outbox_messages"]
    assert counts["organisations"] == 21 and counts["contacts"] == 20


def test_restore_of_a_missing_or_damaged_file_says_why(app, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["registry", "restore", str(tmp_path / "nope.db"), "--force"])
    assert missing.exit_code == 1 and "no backup file" in missing.output
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        damaged = tmp_path / "damaged.db"
        damaged.write_bytes(b"not a database at all" * 100)
        result = runner.invoke(args=["registry", "restore", str(damaged), "--force"])
        assert result.exit_code == 1 and "not an SQLite backup" in result.output
