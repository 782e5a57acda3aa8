"""Fixtures: one migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
emptied after every test; an app, a client, factories, and a real SMTP server on loopback."""

from __future__ import annotations

import contextvars
import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from app import create_app
from registry.audit import acting_as
from registry.disclosure import forget_kept
from registry.extensions import db as _db
from registry.models import Organisation, Role, StakeholderType, User, Visibility, VocabularyTerm
from registry.seed import seed_all, seed_vocabularies

PASSWORD = "tamarind kettle over lake kivu"
# Never touch the developer's own instance folder (secret key, database).
os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="registry-test-")
# The commands speak the shell's language (README, "Command line"): the tests read English
# whatever the developer's LANG, unless a test asks for another.
os.environ["REGISTRY_LANG"] = "en"

#: The one configuration of every app the tests build. Flask-Security keeps the password
#: settings on its shared `security` object, so an app built with the production hashing in
#: the middle of the suite would make every later test hash slowly again: build apps only with
#: `make_app`. Passwords are argon2, as in production, at its cheapest cost.
TEST_CONFIG = {
    "TESTING": True,
    "JOBS_MODE": "sync",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    "MAIL_RETRY_DELAY": 0,
    "SERVER_NAME": "registry.test",
    "BASE_URL": "http://registry.test",
    "TRUSTED_HOSTS": ["registry.test"],
    # Staff log in with a password alone in the area tests; tests/security/test_mfa.py sets
    # this back to the production default and logs in with the authenticator app.
    "MFA_REQUIRED_FOR_STAFF": False,
    # Report chunks are rendered in the test's process (tests/reports/test_report_chunks.py
    # starts the pool itself); the chunk cache is a folder of the session (the `app` fixture).
    "REPORT_RENDER_PROCESSES": 0,
    "REPORT_CHUNK_CACHE_DIR": os.path.join(
        tempfile.gettempdir(), f"registry-test-report-chunks-{os.getpid()}"
    ),
    "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": {
        "argon2__rounds": 1,
        "argon2__memory_cost": 8,
        "argon2__parallelism": 1,
    },
}


def make_app(config: dict | None = None):
    """An app of the test configuration, with `config` on top."""
    return create_app(TEST_CONFIG | (config or {}))


#: pytest-xdist runs the suite in one process per core (`-n auto` in pyproject.toml); each
#: has its own database and its own Redis database. "gw0", "gw1", … (None without xdist).
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_database(url: str) -> str:
    """TEST_DATABASE_URL for this worker: a fresh database `<name>_<worker>` beside it (the
    CI role may create databases), so that two workers never share tables."""
    from sqlalchemy import create_engine, make_url, text

    given = make_url(url)
    name = f"{given.database}_{WORKER}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def test_redis_url() -> str | None:
    """TEST_REDIS_URL for this worker: database 2 + its number (CI's deployment check uses 1)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url or WORKER is None:
        return url
    base = url.rsplit("/", 1)[0] if url.rsplit("/", 1)[-1].isdigit() else url.rstrip("/")
    return f"{base}/{2 + int(WORKER.removeprefix('gw'))}"


test_redis_url.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """TEST_DATABASE_URL (an empty PostgreSQL database in CI) or a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and WORKER is not None:
        return _worker_database(url)
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The app on a database migrated from empty through the real Alembic migrations."""
    from flask_migrate import downgrade, upgrade

    application = make_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REPORT_CHUNK_CACHE_DIR": str(tmp_path_factory.mktemp("report-chunks")),
        }
    )
    with application.app_context():
        if database_url.startswith("postgresql"):
            # Start from an empty schema even if a previous run was interrupted.
            _db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            _db.session.commit()
        upgrade()
        with acting_as(label="test-setup"):
            seed_vocabularies()
            _db.session.commit()
        application.config["VOCABULARY_VERSION"] = _vocabulary_version()
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        _db.session.remove()
        downgrade(revision="base")


def _vocabulary_version() -> tuple:
    """What changes when a test edits the vocabularies: their count, ids and last change."""
    return tuple(
        _db.session.execute(
            select(
                func.count(VocabularyTerm.id),
                func.max(VocabularyTerm.id),
                func.max(VocabularyTerm.updated_at),
            )
        ).one()
    )


def _empty_all_tables(keep_vocabularies: bool) -> None:
    # The change counters only grow, as in production (registry/versions.py).
    keep = {"change_counters", "change_marks"}
    keep |= {VocabularyTerm.__tablename__} if keep_vocabularies else set()
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in keep]
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app):
    """An app context and a database holding only the seeded vocabularies, per test. The
    vocabularies are seeded once per session and seeded again only after a test changed them."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        unchanged = _vocabulary_version() == app.config["VOCABULARY_VERSION"]
        _empty_all_tables(keep_vocabularies=unchanged)
        forget_kept()  # what the public view kept was of the emptied database
        if not unchanged:
            with acting_as(label="test-setup"):
                seed_vocabularies()
                _db.session.commit()
            app.config["VOCABULARY_VERSION"] = _vocabulary_version()


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, `g` and database session,
    as in production, although the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def pledge(db):
    """The seeded Digital Protection pledge with its open signature window."""
    with acting_as(label="test-setup"):
        created = seed_all()
        db.session.commit()
    return created


@pytest.fixture
def make_org(db):
    counter = iter(range(1, 10_000))

    def make(**fields) -> Organisation:
        n = next(counter)
        values = {
            "name": f"Organisation {n}",
            "stakeholder_type": StakeholderType.national_ngo,
            "country": "KEN",
            "visibility": Visibility.public,
        } | fields
        with acting_as(label="test-setup"):
            organisation = Organisation(**values)
            db.session.add(organisation)
            db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(db, make_org):
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.stakeholder, organisation=None, email=None, **fields) -> User:
        from registry.accounts import operations as account_ops

        n = next(counter)
        if organisation is None and role is Role.stakeholder:
            organisation = make_org()
        with acting_as(label="test-setup"):
            user = account_ops.create_user(
                email or f"user{n}@example.org",
                fields.pop("name", f"User {n}"),
                PASSWORD,
                role,
                organisation,
            )
            db.session.commit()
        return user

    return make


@pytest.fixture
def coordinator(make_user):
    """A coordinator (not logged in)."""
    return make_user(
        role=Role.coordinator, name="Carla Coordinator", email="carla@agency.example.org"
    )


@pytest.fixture
def staff(coordinator, login_as):
    """The coordinator, logged in."""
    login_as(coordinator)
    return coordinator


@pytest.fixture
def login_as(client):
    """Log `user` in through the real login form."""

    def login(user: User, password: str = PASSWORD):
        response = client.post("/account/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return login


@pytest.fixture
def approve_wording(db):
    """Approve the public wording of records (of non-public organisations) as they read now,
    as a coordinator does in review and verification."""

    def approve(*records, by=None) -> None:
        from registry.disclosure import View, approve_public_wording

        with acting_as(label="test-setup"):
            approve_public_wording(list(records), by, View().full_redactor)
            db.session.commit()

    return approve


@dataclass
class Mailbox:
    """Messages received by the test SMTP server."""

    messages: list = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp(app, monkeypatch) -> Mailbox:
    """A real SMTP server (aiosmtpd) on loopback that the app sends to."""
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox.port = port
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield mailbox
    controller.stop()


def body_of(message) -> str:
    """The text body of a received e-mail."""
    return message.get_body(preferencelist=("plain",)).get_content()


ROOT = Path(__file__).resolve().parent.parent


def browser_of(app, user):
    """Another browser, logged in as `user` (beside the test's own `client`)."""
    browser = app.test_client()
    response = browser.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def finish_registration(client, email: str):
    """Follow the link e-mailed to `email` to finish its registration (as its owner would);
    the response of the confirmation (a redirect, logged in)."""
    import re

    from registry.models import OutboxMessage

    message = _db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to == email.strip().casefold())
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no e-mail to {email}"
    link = re.search(r"https?://\S+/account/register/confirm/\S+", message.body).group(0)
    path = link.split("registry.test", 1)[1]
    assert client.get(path).status_code == 200
    return client.post(path)


def register(client, data: dict, query: str = ""):
    """Post the registration form and finish it through the e-mailed link."""
    response = client.post(f"/account/register{query}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"].endswith("/account/register/sent")
    return finish_registration(client, data["email"])


def free_port_for_tests() -> int:
    """A loopback TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    """Evidence files of this test in a folder of its own (registry/evidence.py)."""
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delitem(app.extensions, "evidence_store", raising=False)
    yield tmp_path / "evidence"
    app.extensions.pop("evidence_store", None)
