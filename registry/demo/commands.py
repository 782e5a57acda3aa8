"""The `flask registry demo-data` command: options, the chosen loader and the summary."""

from __future__ import annotations

import time
from collections import Counter

import click
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import ngettext

from registry.audit import acting_as, record
from registry.cli import CommandFailure
from registry.demo.content import COORDINATOR, ORGANISATIONS, STAKEHOLDER, new_demo_password
from registry.demo.scale import ScaleLoader
from registry.demo.small import DemoLoader
from registry.extensions import db
from registry.i18n import current_language, number
from registry.models import utcnow

#: GRF pledges to date, per unit of `--scale` (organisations; commitments and updates follow).
SCALE_UNIT_ORGANISATIONS = 1000


def _parse_scale(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        scale = int(value)
    except ValueError:
        scale = 0
    if scale < 1:
        raise CommandFailure(
            _("--scale must be a whole number of 1 or more, not %(value)s", value=repr(value))
        )
    return scale


def _summary(created: Counter, keys: list[str]) -> str:
    """'3 organisations, 1 progress window, …' for the counts that are not zero."""
    parts = [_counted(key, created[key]) for key in keys if created[key]]
    return format_list(parts, locale=current_language()) if parts else ""


def _counted(key: str, n: int) -> str:
    """'1 organisation', '3 organisations' (grouped digits) in the command's language."""
    c = number(n, digits=0)
    words = {
        "organisations": lambda: ngettext(
            "%(count)s organisation", "%(count)s organisations", n, count=c
        ),
        "contacts": lambda: ngettext("%(count)s contact", "%(count)s contacts", n, count=c),
        "users": lambda: ngettext("%(count)s user", "%(count)s users", n, count=c),
        "signatures": lambda: ngettext("%(count)s signature", "%(count)s signatures", n, count=c),
        "commitments": lambda: ngettext(
            "%(count)s commitment", "%(count)s commitments", n, count=c
        ),
        "progress windows": lambda: ngettext(
            "%(count)s progress window", "%(count)s progress windows", n, count=c
        ),
        "progress updates": lambda: ngettext(
            "%(count)s progress update", "%(count)s progress updates", n, count=c
        ),
        "engagement records": lambda: ngettext(
            "%(count)s engagement record", "%(count)s engagement records", n, count=c
        ),
        "commitment_action_areas": lambda: ngettext(
            "%(count)s action-area link", "%(count)s action-area links", n, count=c
        ),
        "commitment_risks": lambda: ngettext(
            "%(count)s risk link", "%(count)s risk links", n, count=c
        ),
        "commitment_target_populations": lambda: ngettext(
            "%(count)s target-population link", "%(count)s target-population links", n, count=c
        ),
        "commitment_countries": lambda: ngettext(
            "%(count)s country link", "%(count)s country links", n, count=c
        ),
    }
    return words[key]()


@click.command("demo-data")
@click.option(
    "--scale",
    metavar="N",
    default=None,
    help="Instead of the demo, bulk-load N times the size of all GRF pledges to date "
    "(N x ~1,000 organisations, 3,700 commitments, 10,000 progress updates) for benchmarks. "
    "Uses bulk inserts: no per-row audit events, only one summary event.",
)
@click.option("--fraction", type=float, default=1.0, hidden=True, help="Load only this share.")
def demo_data(scale: str | None, fraction: float) -> None:
    """Load a realistic demo registry, with a coordinator and a stakeholder login.

    Safe to run again: what exists is skipped, nothing is duplicated.
    """
    n = _parse_scale(scale)
    if not 0 < fraction <= 1:
        raise CommandFailure(_("--fraction must be more than 0 and at most 1"))
    started = time.perf_counter()
    with acting_as(label="demo-data"):
        if n is None:
            password = new_demo_password()
            created = DemoLoader(now=utcnow(), password=password).run()
            db.session.commit()
        else:
            organisations = max(1, round(SCALE_UNIT_ORGANISATIONS * n * fraction))
            created = ScaleLoader(organisations=organisations, now=utcnow()).run()
            if created["organisations"]:
                record(db.session, "demo_data.scale", "Organisation", {"scale": n, **created})
            db.session.commit()
    elapsed = time.perf_counter() - started
    if n is None:
        _report_demo(created, elapsed, password)
    else:
        _report_scale(created, n, elapsed)


def _report_demo(created: Counter, elapsed: float, password: str) -> None:
    summary = _summary(
        created,
        [
            "organisations",
            "contacts",
            "users",
            "signatures",
            "commitments",
            "progress windows",
            "progress updates",
            "engagement records",
        ],
    )
    if summary:
        click.echo(
            _(
                "Demo data: created %(summary)s in %(seconds)s s.",
                summary=summary,
                seconds=f"{elapsed:.1f}",
            )
        )
    else:
        click.echo(
            _(
                "Demo data already loaded: nothing new was added (%(seconds)s s).",
                seconds=f"{elapsed:.1f}",
            )
        )
    org = ORGANISATIONS[0][0]  # STAKEHOLDER_ORG_REF
    if created["users"]:
        click.echo(
            _(
                "Log in with the password %(password)s (made for this registry) as:",
                password=repr(password),
            )
        )
    else:
        click.echo(_("Log in with the password printed when the demo was first loaded as:"))
    click.echo(f"  {_('coordinator')}  {COORDINATOR['email']}")
    click.echo(f"  {_('stakeholder')}  {STAKEHOLDER['email']}  ({org})")


def _report_scale(created: Counter, scale: int, elapsed: float) -> None:
    created = Counter(created)
    created["progress updates"] = created.pop("progress_updates", 0)
    summary = _summary(
        created,
        [
            "organisations",
            "contacts",
            "signatures",
            "commitments",
            "progress updates",
            "commitment_action_areas",
            "commitment_risks",
            "commitment_target_populations",
            "commitment_countries",
            "progress windows",
        ],
    )
    seconds = f"{elapsed:.1f}"
    if created["organisations"]:
        click.echo(
            _(
                "Scale %(scale)d: created %(summary)s in %(seconds)s s (bulk, not audited).",
                scale=scale,
                summary=summary,
                seconds=seconds,
            )
        )
    else:
        click.echo(
            _(
                "Scale %(scale)d data already loaded: nothing new was added (%(seconds)s s).",
                scale=scale,
                seconds=seconds,
            )
        )
