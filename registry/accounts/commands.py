"""`registry create-user`: a login made from the shell (the first administrator, above all)."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from registry.accounts import operations
from registry.cli import apply, fail, read_password
from registry.extensions import db
from registry.models import Organisation, Role


@click.command("create-user")
@click.argument("email")
@click.option("--role", default="stakeholder", help="stakeholder, coordinator or admin.")
@click.option("--name", default=None, help="Display name (default: the part before the @).")
@click.option(
    "--organisation-id", type=int, default=None, help="Organisation of a stakeholder user."
)
def create_user(email: str, role: str, name: str | None, organisation_id: int | None) -> None:
    """Create a login. The password is read from a prompt or stdin, never from arguments."""
    if role not in Role.__members__:
        fail(_("unknown role %(role)s; choose stakeholder, coordinator or admin", role=repr(role)))
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and organisation is None:
        fail(_("no organisation with id %(id)d", id=organisation_id))
    password = read_password()
    user = apply(
        operations.create_user,
        email,
        name or email.split("@")[0],
        password,
        Role[role],
        organisation,
    )
    click.echo(_("Created %(role)s %(email)s.", role=user.role.name, email=user.email))
