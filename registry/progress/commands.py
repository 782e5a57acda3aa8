"""`registry remind`: progress reminders from the shell (safe to run from cron)."""

from __future__ import annotations

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from registry.cli import apply, fail, pledge_named
from registry.models import WindowKind, utcnow
from registry.progress import operations, queries


@click.command("remind")
@click.option("--pledge", "slug", metavar="SLUG", help="The pledge's slug (required).")
def remind(slug: str | None) -> None:
    """E-mail every organisation with due commitments in the pledge's open progress window.

    One e-mail to each active user of each such organisation, listing its due commitments;
    never twice on the same day for the same window, so it is safe to run from cron.
    """
    pledge = pledge_named(slug)
    now = utcnow()
    window = pledge.current_window(WindowKind.progress, now)
    if window is None or not window.is_open(now):
        fail(_("the pledge %(slug)s has no open progress window", slug=repr(pledge.slug)))
    sent = apply(operations.send_reminders, window, queries.due_by_organisation(pledge, window))
    click.echo(
        ngettext(
            "Reminded %(num)d organisation for %(window)s.",
            "Reminded %(num)d organisations for %(window)s.",
            len(sent),
            window=repr(window.label),
        )
    )
