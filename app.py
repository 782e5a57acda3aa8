"""Entry points: the `create_app` factory, `python app.py` (the embedded default), and the job
worker's entry `run_job` (the only place besides the factory's callers that builds an app)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from registry import config, jobs
from registry.lists import MAX_ID
from registry.web import Registry

ROOT = Path(__file__).resolve().parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the registry: config, extensions, blueprints, error handlers, templates, CLI."""
    app = Registry(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    _configure_logging(app)
    _init_extensions(app)
    app.url_map.converters["int"] = IdConverter
    _register_blueprints(app)
    _register_shared(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Log lines to stderr: INFO for the server (every e-mail the embedded default "sends" is
    one line), WARNING for `flask … registry` commands, whose output is their result (but
    e-mail still goes to the log; `--verbose` shows the rest); LOG_LEVEL overrides both."""
    level = app.config["LOG_LEVEL"]
    quiet_cli = level is None and os.environ.get("FLASK_RUN_FROM_CLI") == "true"
    level = level or ("WARNING" if quiet_cli else "INFO")
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    logging.getLogger("registry.mail").setLevel("INFO" if quiet_cli else logging.NOTSET)
    # WeasyPrint reports every step of every PDF (and its own stylesheets at import) at INFO.
    logging.getLogger("weasyprint").setLevel(level if level == "DEBUG" else "WARNING")


def _init_extensions(app: Flask) -> None:
    from flask_security import SQLAlchemyUserDatastore

    import registry.audit  # noqa: F401 - registers the audit listeners
    import registry.summary  # noqa: F401 - registers the dashboard summary listeners
    from registry import i18n, limits, security_log, sessions, web
    from registry.accounts.forms import SECURITY_FORMS
    from registry.extensions import babel, bootstrap, csrf, db, migrate, security
    from registry.mail import OutboxMailUtil
    from registry.mfa import OnceOnlyTotp
    from registry.models import User
    from registry.models.accounts import RoleName
    from registry.passwords import RegistryPasswordUtil

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = app.config["SQLALCHEMY_ENGINE_OPTIONS"] | {
            "connect_args": {"timeout": app.config["SQLITE_BUSY_SECONDS"]}
        }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    bootstrap.init_app(app)
    sessions.init_app(app)
    # Flask-Security takes its mail and password classes only in its constructor, which runs
    # in registry.extensions; that module cannot import registry.mail (mail needs its `db`).
    security._mail_util_cls = OutboxMailUtil
    security._password_util_cls = RegistryPasswordUtil
    security._totp_cls = OnceOnlyTotp
    security.init_app(app, SQLAlchemyUserDatastore(db, User, RoleName), **SECURITY_FORMS)
    limits.init_app(app)
    security_log.init_app(app)
    web.init_app(app)
    jobs.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite tuned for a web server: WAL and foreign keys. A write waits up to
    SQLITE_BUSY_SECONDS for another to finish (the driver's busy handler retries all along),
    then the user gets a friendly 503 (registry/errors.py)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: an id the database can hold, so a huge number is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per page group of each product area (registry/<area>/)."""
    from registry.accounts import admin, membership
    from registry.accounts import views as accounts
    from registry.api import opendata, tokens
    from registry.api import views as api
    from registry.auditlog import views as auditlog
    from registry.commitments import views as commitments
    from registry.dashboard import views as dashboard
    from registry.engagements import views as engagements
    from registry.following import views as following
    from registry.organisations import views as organisations
    from registry.pledges import invitations, windows
    from registry.pledges import views as pledges
    from registry.progress import views as progress
    from registry.public import directory
    from registry.public import views as public
    from registry.reports import preview as report_preview
    from registry.reports import views as reports
    from registry.signatures import amending, joint, review, signing
    from registry.transfer import views as transfer

    for module in (
        public,
        directory,
        opendata,
        tokens,
        accounts,
        admin,
        pledges,
        signing,
        organisations,
        windows,
        invitations,
        membership,
        review,
        amending,
        joint,
        progress,
        commitments,
        engagements,
        dashboard,
        transfer,
        auditlog,
        reports,
        report_preview,
        following,
    ):
        app.register_blueprint(module.bp)
    api.init_app(app)


def _register_shared(app: Flask) -> None:
    """Error pages, template helpers and the `registry` command group with each area's
    commands."""
    from registry import backup, cli, errors, templating
    from registry.accounts import commands as accounts
    from registry.dashboard import commands as dashboard
    from registry.demo import commands as demo
    from registry.following import commands as following
    from registry.pledges import commands as pledges
    from registry.progress import commands as progress
    from registry.reports import commands as reports
    from registry.transfer import commands as transfer

    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(
        app,
        [
            accounts.create_user,
            pledges.window_cli,
            progress.remind,
            following.send_digests,
            transfer.import_file,
            transfer.export,
            reports.report,
            demo.demo_data,
            backup.backup,
            backup.restore,
            dashboard.rebuild_summary,
        ],
    )


def prepare(app: Flask) -> None:
    """Migrate the schema, seed what a fresh registry needs, and say how to begin."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from registry.audit import acting_as
    from registry.cli import command_line
    from registry.extensions import db
    from registry.models import Role, User
    from registry.seed import seed_all

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with acting_as(label="setup"):
            pledge = seed_all()
            db.session.commit()
        if pledge:
            print(f"Created the pledge '{pledge.title}' (/pledges/{pledge.slug}).")
        if not db.session.scalar(select(func.count(User.id)).where(User.role == Role.admin)):
            print(
                "No administrator yet. Create one with:\n  "
                + command_line("registry create-user you@example.org --role admin")
                + "   # asks for the password"
            )


_worker_app: Flask | None = None


def run_job(path: str, *args) -> None:
    """The RQ worker's entry (`registry.jobs.WORKER_ENTRY`): build the app once per worker
    process from the environment, then run job `path` with `args` in it."""
    global _worker_app
    if _worker_app is None:
        _worker_app = create_app()
    jobs.run(_worker_app, path, args)


def main() -> None:
    """`python app.py`: migrate, seed and serve on HOST:PORT (default 127.0.0.1:5000)."""
    app = create_app()
    prepare(app)
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    print(f"Serving the registry at http://{host}:{port}", file=sys.stderr)
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
