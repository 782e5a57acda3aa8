"""`registry send-digests`: the daily digest e-mails from the shell (safe to run from cron)."""

from __future__ import annotations

from datetime import date

import click

from registry.cli import apply, fail

from . import jobs, operations


@click.command("send-digests")
@click.option(
    "--date",
    "day",
    metavar="YYYY-MM-DD",
    help="The UTC day whose changes to send (default: yesterday).",
)
def send_digests(day: str | None) -> None:
    """E-mail each follower the changes of one UTC day of what they follow.

    One e-mail per user and day, in the user's language, only when something changed; never
    twice for the same day, so it is safe to run from cron (e.g. at 00:30 UTC).
    """
    if day is None:
        chosen = jobs.previous_day()
    else:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            fail(f"--date must be a day as YYYY-MM-DD, not {day!r}")
    if chosen > jobs.previous_day():
        fail(f"{chosen.isoformat()} is not over yet: a digest holds a whole past UTC day")
    sent = apply(operations.send_digests, chosen)
    click.echo(f"Sent {len(sent)} digest{'' if len(sent) == 1 else 's'} for {chosen.isoformat()}.")
