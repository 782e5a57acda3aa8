"""`flask --app app registry …` commands; each exits non-zero with a one-line reason."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from registry import operations
from registry.audit import acting_as
from registry.extensions import db
from registry.models import Role

registry_cli = AppGroup("registry", help="Pledge & Partnership Registry commands.")


def fail(message: str) -> None:
    """Stop with a one-line reason and exit code 1."""
    raise click.ClickException(message)


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
    with acting_as(label="cli"):
        try:
            user = operations.create_user(
                email, name or email.split("@")[0], password, Role[role], organisation
            )
        except operations.OperationError as exc:
            db.session.rollback()
            fail(str(exc))
        db.session.commit()
    click.echo(f"Created {user.role.name} {user.email}.")


@registry_cli.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Also retry messages that failed before.")
def outbox(retry_failed: bool) -> None:
    """Deliver pending e-mail now (for cron, or after fixing the mail server)."""
    from registry.mail import deliver_outbox

    click.echo(f"Delivered {deliver_outbox(retry_failed=retry_failed)} message(s).")


def init_app(app: Flask) -> None:
    """Attach the command group (and those of other modules) to the app."""
    from registry import demo

    registry_cli.add_command(demo.demo_data)
    app.cli.add_command(registry_cli)
