"""`flask --app app registry …`: the command group, what every command shares, and the
outbox command. Each area keeps its own commands (registry/<area>/commands.py); the factory adds
them to this group. Every command exits non-zero with a one-line reason on bad input."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from registry.audit import acting_as
from registry.errors import OperationError
from registry.extensions import db
from registry.mail import deliver_outbox
from registry.models import Pledge

registry_cli = AppGroup("registry", help="Pledge & Partnership Registry commands.")


def fail(message: str) -> None:
    """Stop with a one-line reason and exit code 1."""
    raise click.ClickException(message)


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
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def pledge_named(slug: str | None) -> Pledge:
    """The pledge a `--pledge SLUG` option names, or a one-line refusal."""
    if not slug:
        fail("--pledge SLUG is required")
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == slug))
    if pledge is None:
        fail(f"no pledge with slug {slug!r}")
    return pledge


@registry_cli.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Also retry messages that failed before.")
def outbox(retry_failed: bool) -> None:
    """Deliver pending e-mail now (for cron, or after fixing the mail server)."""
    click.echo(f"Delivered {deliver_outbox(retry_failed=retry_failed)} message(s).")


def init_app(app: Flask, commands) -> None:
    """Attach the `registry` group, with each area's `commands`, to the app's CLI."""
    for command in commands:
        registry_cli.add_command(command)
    app.cli.add_command(registry_cli)
