"""`registry window open|close`: a pledge's submission windows from the shell (or cron)."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from registry.cli import apply, fail, pledge_named
from registry.models import Pledge, SubmissionWindow, WindowKind, utcnow
from registry.pledges import operations
from registry.templating import window_words

window_cli = AppGroup("window", help="Open or close a pledge's submission window.")


def window_target(slug: str | None, kind: str | None) -> tuple[Pledge, WindowKind]:
    """The pledge and window kind named on the command line, or a one-line refusal."""
    pledge = pledge_named(slug)
    # Checked here rather than with click.Choice, whose usage error exits 2 on several lines.
    if kind not in WindowKind.__members__:
        fail(_("unknown kind %(kind)s; choose signature or progress", kind=repr(kind)))
    return pledge, WindowKind[kind]


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def describe_window(window: SubmissionWindow) -> str:
    """One line saying whether the window is open, until or from when, or what it says."""
    words = window_words(window, utcnow(), at=_iso)
    name = _(
        "%(pledge)s %(kind)s window (%(label)s)",
        pledge=window.pledge.slug,
        kind=window.kind.name,
        label=window.label,
    )
    if words.is_open:
        return _("%(window)s is %(summary)s.", window=name, summary=words.summary)
    if words.opens_at:
        return _("%(window)s is closed; it %(summary)s.", window=name, summary=words.summary)
    return _("%(window)s is closed: %(message)s", window=name, message=words.closed)


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
            fail(_("--until %(value)s is not a date like 2027-03-31", value=repr(until)))
        if until_day < utcnow().date():
            fail(_("--until %(value)s is in the past", value=until))
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
