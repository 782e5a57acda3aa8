"""Time `flask registry demo-data --scale N` on a fresh SQLite database and count the rows.

    .venv/bin/python bench/demo_data.py 1 10

Each scale gets its own temporary instance folder (migrated from empty); the database is deleted
afterwards. The time is wall-clock for the whole command, app start-up included.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
TABLES = [
    "organisations",
    "contacts",
    "signatures",
    "commitments",
    "progress_updates",
    "commitment_action_areas",
    "commitment_risks",
    "commitment_target_populations",
    "commitment_countries",
    "submission_windows",
    "audit_events",
]


def flask(instance: str, *args: str) -> str:
    """Run a flask CLI command against `instance` and return its output."""
    env = os.environ | {"INSTANCE_PATH": instance, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [FLASK, "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    return done.stdout.strip()


def measure(scale: int) -> None:
    """Load one scale into a fresh database and print time and row counts."""
    with tempfile.TemporaryDirectory(prefix=f"demo-bench-{scale}-") as instance:
        flask(instance, "db", "upgrade")
        started = time.perf_counter()
        output = flask(instance, "registry", "demo-data", "--scale", str(scale))
        elapsed = time.perf_counter() - started
        with sqlite3.connect(Path(instance) / "registry.db") as connection:
            counts = {
                t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES
            }
        size = (Path(instance) / "registry.db").stat().st_size
    print(f"scale {scale}: {elapsed:.1f} s wall-clock, database {size / 2**20:.0f} MiB")
    print(f"  {output}")
    for table, count in counts.items():
        print(f"  {table:32} {count:>9,}")


if __name__ == "__main__":
    for value in sys.argv[1:] or ["1"]:
        measure(int(value))
