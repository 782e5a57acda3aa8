"""`flask --app app registry …`: the command group, what every command shares, and the
outbox command. Each area keeps its own commands (registry/<area>/commands.py); the factory adds
them to this group. Every command exits non-zero with a one-line reason on bad input.

Before any command touches the database, an empty database gets its tables and first pledge
(as `python app.py` would), and one behind the migrations stops the command with what to run.
Commands print their result only; `--verbose` adds the log lines at INFO. What they print for
people (results and one-line reasons) is in the language of `--lang`, else `REGISTRY_LANG`,
else the POSIX locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English; `--help` stays English."""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import inspect, select

from registry.audit import acting_as
from registry.errors import OperationError
from registry.extensions import db
from registry.mail import deliver_outbox
from registry.models import Pledge
from registry.seed import seed_all


class CommandFailure(click.ClickException):
    """A one-line reason, printed as "Error: …" in the command's language (Click's own prefix
    is English only)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Worded now: Click shows it after the command, and its language, have ended.
        self.line = _("Error: %(reason)s", reason=message)

    def show(self, file=None) -> None:
        click.echo(self.line, file=file, err=True)


#: Environment variables that name the commands' language, first set wins (POSIX order after
#: the registry's own): "fr", "fr_FR.UTF-8", "es_ES@euro" and "ar" all name a language.
LANGUAGE_VARIABLES = ("REGISTRY_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def command_language(asked: str | None) -> str:
    """The language of the commands' output: `--lang` when given (one the registry speaks, or
    a one-line refusal), else the first language variable set that names one, else English."""
    languages = current_app.config["LANGUAGES"]
    if asked:
        if asked not in languages:  # in English: the language asked for is not one we know
            fail(f"--lang {asked!r} is not one of {', '.join(languages)}")
        return asked
    for variable in LANGUAGE_VARIABLES:
        value = os.environ.get(variable, "")
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@click.group("registry", cls=AppGroup)
@click.option("--verbose", "-v", is_flag=True, help="Also print log lines at INFO.")
@click.option(
    "--lang",
    metavar="en|fr|es|ar",
    help="Language of the results and reasons printed (default: REGISTRY_LANG, else LANG).",
)
@with_appcontext
@click.pass_context
def registry_cli(ctx: click.Context, verbose: bool, lang: str | None) -> None:
    """Pledge & Partnership Registry commands."""
    if verbose:
        logging.getLogger().setLevel(logging.INFO)
    # Every command below speaks this language until it ends (no request: no other choice).
    ctx.with_resource(force_locale(command_language(lang)))


def command_line(arguments: str) -> str:
    """A `flask` command line that can be pasted as printed: the flask of this Python's venv
    and the app, relative to the working folder when they are inside it."""

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    flask = Path(sys.executable).with_name("flask")
    app = Path(current_app.root_path) / "app.py"
    app_arg = "app" if app.parent == Path.cwd() else shown(app)
    return f"{shown(flask) if flask.exists() else 'flask'} --app {app_arg} {arguments}"


def ensure_schema() -> None:
    """Give an empty database its tables and first pledge; stop with what to run when the
    database is behind the migrations (a new release not yet applied)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    migrate = current_app.extensions["migrate"]
    heads = set(ScriptDirectory.from_config(migrate.migrate.get_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        empty = not inspect(connection).get_table_names()
    if current == heads:
        return
    if not current and empty:
        upgrade(directory=migrate.directory)
        with acting_as(label="setup"):
            seed_all()
            db.session.commit()
        click.echo(
            _("The database was empty: its tables and the first pledge were created."), err=True
        )
        return
    fail(
        _(
            "the database is not up to date with this release; run: %(command)s",
            command=command_line("db upgrade"),
        )
    )


def leaves_the_schema_alone(callback):
    """Mark a command that must see the database exactly as it is (backup, restore): it is not
    migrated first."""
    callback.checks_schema = True
    return callback


def _check_schema_first(command: click.Command) -> None:
    """Make `command` (and each command of a group) check the schema before it runs."""
    for sub in getattr(command, "commands", {}).values():
        _check_schema_first(sub)
    if command.callback is not None and not getattr(command.callback, "checks_schema", False):
        command.callback = _with_schema(command.callback)
        command.callback.checks_schema = True


def _with_schema(callback):
    @functools.wraps(callback)
    def wrapped(*args, **kwargs):
        ensure_schema()
        return callback(*args, **kwargs)

    return wrapped


def fail(message: str) -> None:
    """Stop with a one-line reason (already in the command's language) and exit code 1."""
    raise CommandFailure(message)


def apply(operation, *args, **kwargs):
    """Run an operation on behalf of the shell and commit, or roll back and exit with its reason."""
    with acting_as(label="cli"):
        try:
            result = operation(*args, **kwargs)
        except OperationError as exc:
            db.session.rollback()
            fail(str(exc))
        db.session.commit()
    return result


def read_password() -> str:
    """A password from a hidden prompt, or the first line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return click.prompt(
            _("Password"),
            hide_input=True,
            confirmation_prompt=_("Repeat for confirmation"),
        )
    return sys.stdin.readline().rstrip("\r\n")


def pledge_named(slug: str | None) -> Pledge:
    """The pledge a `--pledge SLUG` option names, or a one-line refusal."""
    if not slug:
        fail(_("--pledge SLUG is required"))
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == slug))
    if pledge is None:
        fail(_("no pledge with slug %(slug)s", slug=repr(slug)))
    return pledge


@registry_cli.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Also retry messages that failed before.")
def outbox(retry_failed: bool) -> None:
    """Deliver pending e-mail now (for cron, or after fixing the mail server)."""
    delivered = deliver_outbox(retry_failed=retry_failed)
    click.echo(ngettext("Delivered %(num)d message.", "Delivered %(num)d messages.", delivered))


@registry_cli.command("static-folders")
def static_folders() -> None:
    """Print each URL prefix of static files and the folder it is served from, for the front
    server of a scaled deployment (gunicorn should not serve them)."""
    app = current_app
    click.echo(f"{app.static_url_path} {app.static_folder}")
    for blueprint in app.blueprints.values():
        if blueprint.has_static_folder:
            prefix = (blueprint.url_prefix or "") + (blueprint.static_url_path or "")
            click.echo(f"{prefix} {blueprint.static_folder}")


def init_app(app: Flask, commands) -> None:
    """Attach the `registry` group, with each area's `commands`, to the app's CLI; each
    command first makes sure the database has its schema."""
    for command in [*commands, outbox]:
        _check_schema_first(command)
        registry_cli.add_command(command)
    app.cli.add_command(registry_cli)
