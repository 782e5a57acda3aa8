"""`registry rebuild-summary`: count the dashboard's figures again from the records."""

from __future__ import annotations

import click
from flask_babel import ngettext

from registry import summary
from registry.extensions import db


@click.command("rebuild-summary")
def rebuild_summary() -> None:
    """Recount the summary counts behind the dashboard from the records (after writing to the
    database by hand, outside the registry: every change the registry makes keeps them)."""
    organisations = summary.rebuild(db.session.connection())
    db.session.commit()
    click.echo(
        ngettext(
            "Counted the figures of %(num)d organisation.",
            "Counted the figures of %(num)d organisations.",
            organisations,
        )
    )
