"""`flask --app app registry …` commands; each exits non-zero with a one-line reason."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from registry import operations
from registry.audit import acting_as
from registry.extensions import db
from registry.models import Pledge, Role, SubmissionWindow, WindowKind, utcnow

registry_cli = AppGroup("registry", help="Pledge & Partnership Registry commands.")


def fail(message: str) -> None:
    """Stop with a one-line reason and exit code 1."""
    raise click.ClickException(message)


def apply(operation, *args, **kwargs):
    """Run an operation on behalf of the shell and commit, or roll back and exit with its reason."""
    with acting_as(label="cli"):
        try:
            result = operation(*args, **kwargs)
        except operations.OperationError as exc:
            db.session.rollback()
            fail(str(exc))
        db.session.commit()
    return result


def read_password() -> str:
    """A password from a hidden prompt, or the first line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@registry_cli.command("create-user")
@click.argument("email")
@click.option("--role", default="stakeholder", help="stakeholder, coordinator or admin.")
@click.option("--name", default=None, help="Display name (default: the part before the @).")
@click.option(
    "--organisation-id", type=int, default=None, help="Organisation of a stakeholder user."
)
def create_user(email: str, role: str, name: str | None, organisation_id: int | None) -> None:
    """Create a login. The password is read from a prompt or stdin, never from arguments."""
    if role not in Role.__members__:
        fail(f"unknown role {role!r}; choose stakeholder, coordinator or admin")
    from registry.models import Organisation

    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and organisation is None:
        fail(f"no organisation with id {organisation_id}")
    password = read_password()
    user = apply(
        operations.create_user,
        email,
        name or email.split("@")[0],
        password,
        Role[role],
        organisation,
    )
    click.echo(f"Created {user.role.name} {user.email}.")


@registry_cli.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Also retry messages that failed before.")
def outbox(retry_failed: bool) -> None:
    """Deliver pending e-mail now (for cron, or after fixing the mail server)."""
    from registry.mail import deliver_outbox

    click.echo(f"Delivered {deliver_outbox(retry_failed=retry_failed)} message(s).")


window_cli = AppGroup("window", help="Open or close a pledge's submission window.")
registry_cli.add_command(window_cli)


def window_target(slug: str | None, kind: str | None) -> tuple[Pledge, WindowKind]:
    """The pledge and window kind named on the command line, or a one-line refusal."""
    if not slug:
        fail("--pledge SLUG is required")
    # Checked here rather than with click.Choice, whose usage error exits 2 on several lines.
    if kind not in WindowKind.__members__:
        fail(f"unknown kind {kind!r}; choose signature or progress")
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == slug))
    if pledge is None:
        fail(f"no pledge with slug {slug!r}")
    return pledge, WindowKind[kind]


def describe_window(window: SubmissionWindow) -> str:
    """One line saying whether the window is open, and until or from when."""
    now = utcnow()

    def at(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC")

    name = f"{window.pledge.slug} {window.kind.name} window ({window.label})"
    if window.is_open(now):
        until = f"until {at(window.closes_at)}" if window.closes_at else "with no closing date"
        return f"{name} is open {until}."
    if window.reopens_at(now):
        return f"{name} is closed; it opens on {at(window.reopens_at(now))}."
    return f"{name} is closed: {window.closed_message}"


@window_cli.command("open")
@click.option("--pledge", "slug", metavar="SLUG", help="The pledge's slug (required).")
@click.option("--kind", help="signature or progress (required).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day (UTC) the form takes input.")
def open_window(slug: str | None, kind: str | None, until: str | None) -> None:
    """Open a pledge's window of KIND now (creating it if there is none)."""
    pledge, window_kind = window_target(slug, kind)
    until_day = None
    if until:
        try:
            until_day = date.fromisoformat(until)
        except ValueError:
            fail(f"--until {until!r} is not a date like 2027-03-31")
        if until_day < utcnow().date():
            fail(f"--until {until} is in the past")
    window = apply(operations.open_window, pledge, window_kind, until=until_day)
    click.echo(describe_window(window))


@window_cli.command("close")
@click.option("--pledge", "slug", metavar="SLUG", help="The pledge's slug (required).")
@click.option("--kind", help="signature or progress (required).")
@click.option("--message", help="Shown to visitors while closed (default: the standard one).")
def close_window(slug: str | None, kind: str | None, message: str | None) -> None:
    """Close a pledge's window of KIND now, whatever its dates say."""
    pledge, window_kind = window_target(slug, kind)
    window = apply(operations.close_window, pledge, window_kind, message=message)
    click.echo(describe_window(window))


def init_app(app: Flask) -> None:
    """Attach the command group (and those of other modules) to the app."""
    from registry import demo

    registry_cli.add_command(demo.demo_data)
    app.cli.add_command(registry_cli)
