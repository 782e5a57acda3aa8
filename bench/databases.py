"""Demo registries for the benchmarks: a migrated database loaded with `demo-data --scale N`, on
SQLite (a file in a folder of its own) or PostgreSQL (a database of its own), kept between runs
in --cache so that only the first run pays for loading."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
SECRET = "bench-secret-key-not-for-production"


@dataclass
class Registry:
    """One loaded demo registry: where it is and how to reach it."""

    kind: str  # sqlite | postgresql
    scale: int
    instance: Path
    url: str
    load_seconds: float | None = None

    def env(self) -> dict:
        """The environment an app (or gunicorn) of this registry needs."""
        return {
            "INSTANCE_PATH": str(self.instance),
            "DATABASE_URL": self.url,
            "SECRET_KEY": SECRET,
            "LOG_LEVEL": "WARNING",
        }


def flask(registry: Registry, *args: str) -> str:
    """Run a `flask --app app` command against the registry; its output."""
    done = subprocess.run(
        [FLASK, "--app", "app", *args],
        cwd=ROOT,
        env=os.environ | registry.env(),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr or done.stdout}")
    return done.stdout.strip()


def _postgres_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def _recreate_postgres(base: str, name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(_postgres_url(base, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def registry(kind: str, scale: int, cache: Path, pg_base: str | None, fresh: bool) -> Registry:
    """The demo registry of `scale` on `kind`, loaded now unless the cache has it."""
    instance = cache / f"{kind}-scale{scale}"
    name = f"bench_registry_s{scale}"
    url = (
        f"sqlite:///{instance / 'registry.db'}"
        if kind == "sqlite"
        else _postgres_url(pg_base or "", name)
    )
    found = Registry(kind, scale, instance, url)
    marker = instance / "loaded"
    if marker.exists() and not fresh:
        found.load_seconds = float(marker.read_text() or 0)
        flask(found, "db", "upgrade")  # a registry kept from an older tree gets its migrations
        return found
    instance.mkdir(parents=True, exist_ok=True)
    for old in instance.glob("registry.db*"):
        old.unlink()
    if kind == "postgresql":
        _recreate_postgres(pg_base, name)
    started = time.perf_counter()
    flask(found, "db", "upgrade")
    flask(found, "registry", "demo-data", "--scale", str(scale))
    found.load_seconds = time.perf_counter() - started
    marker.write_text(f"{found.load_seconds:.1f}")
    return found
