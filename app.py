"""Entry point: the `create_app` factory; `python app.py` serves the embedded default."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from registry import config, jobs

ROOT = Path(__file__).resolve().parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the registry: config, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(levelname)s %(name)s: %(message)s")
    _init_extensions(app)
    app.url_map.converters["int"] = IdConverter
    _register_blueprints(app)
    from registry import cli, errors, templating

    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_security import SQLAlchemyUserDatastore

    import registry.audit  # noqa: F401 - registers the audit listeners
    from registry.extensions import babel, bootstrap, csrf, db, limiter, migrate, security
    from registry.models import User
    from registry.models.accounts import RoleName

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)
    security.init_app(app, SQLAlchemyUserDatastore(db, User, RoleName))
    # Password guessing and reset floods: every account form POST is limited per address.
    limiter.limit("10/minute;50/hour", methods=["POST"])(app.blueprints["security"])
    jobs.init_app(app)


def _select_locale() -> str:
    """The user's preferred language, else the browser's, among those the registry speaks."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.preferred_language in languages:
        return current_user.preferred_language
    return request.accept_languages.best_match(languages) or languages[0]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite tuned for a web server: WAL, foreign keys, and waiting for locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: an id the database can hold, so a huge number is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from registry import (
        admin,
        auditlog,
        auth,
        commitments,
        coordinate,
        dashboard,
        engagements,
        invitations,
        main,
        membership,
        organisations,
        pledges,
        progress,
        reports_pages,
        review,
        signing,
        transfer,
    )

    for module in (
        main,
        auth,
        admin,
        pledges,
        signing,
        organisations,
        coordinate,
        invitations,
        membership,
        review,
        progress,
        commitments,
        engagements,
        dashboard,
        transfer,
        auditlog,
        reports_pages,
    ):
        app.register_blueprint(module.bp)


def prepare(app: Flask) -> None:
    """Migrate the schema, seed what a fresh registry needs, and say how to begin."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from registry.audit import acting_as
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
                "No administrator yet. Create one with:\n"
                "  flask --app app registry create-user you@example.org --role admin"
            )


def main() -> None:
    """`python app.py`: migrate, seed and serve on HOST:PORT (default 127.0.0.1:5000)."""
    app = create_app()
    prepare(app)
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    print(f"Serving the registry at http://{host}:{port}", file=sys.stderr)
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
