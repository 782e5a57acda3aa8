"""The `flask registry demo-data` command: options, the chosen loader and the summary."""

from __future__ import annotations

import time
from collections import Counter

import click

from registry.audit import acting_as, record
from registry.demo.content import COORDINATOR, ORGANISATIONS, STAKEHOLDER, new_demo_password
from registry.demo.scale import ScaleLoader
from registry.demo.small import DemoLoader
from registry.extensions import db
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
        raise click.ClickException(f"--scale must be a whole number of 1 or more, not {value!r}")
    return scale


def _summary(created: Counter, labels: list[tuple[str, str]]) -> str:
    """'3 organisations, 1 progress window, …' for the counts that are not zero."""
    parts = [
        f"{created[key]:,} {label if created[key] != 1 else label.removesuffix('s')}"
        for key, label in labels
        if created[key]
    ]
    return ", ".join(parts)


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
        raise click.ClickException("--fraction must be more than 0 and at most 1")
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
            ("organisations", "organisations"),
            ("contacts", "contacts"),
            ("users", "users"),
            ("signatures", "signatures"),
            ("commitments", "commitments"),
            ("progress windows", "progress windows"),
            ("progress updates", "progress updates"),
            ("engagement records", "engagement records"),
        ],
    )
    if summary:
        click.echo(f"Demo data: created {summary} in {elapsed:.1f} s.")
    else:
        click.echo(f"Demo data already loaded: nothing new was added ({elapsed:.1f} s).")
    org = ORGANISATIONS[0][0]  # STAKEHOLDER_ORG_REF
    if created["users"]:
        click.echo(f"Log in with the password {password!r} (made for this registry) as:")
    else:
        click.echo("Log in with the password printed when the demo was first loaded as:")
    click.echo(f"  coordinator  {COORDINATOR['email']}")
    click.echo(f"  stakeholder  {STAKEHOLDER['email']}  ({org})")


def _report_scale(created: Counter, scale: int, elapsed: float) -> None:
    summary = _summary(
        created,
        [
            ("organisations", "organisations"),
            ("contacts", "contacts"),
            ("signatures", "signatures"),
            ("commitments", "commitments"),
            ("progress_updates", "progress updates"),
            ("commitment_action_areas", "action-area links"),
            ("commitment_risks", "risk links"),
            ("commitment_target_populations", "target-population links"),
            ("commitment_countries", "country links"),
            ("progress windows", "progress windows"),
        ],
    )
    if created["organisations"]:
        click.echo(f"Scale {scale}: created {summary} in {elapsed:.1f} s (bulk, not audited).")
    else:
        click.echo(f"Scale {scale} data already loaded: nothing new was added ({elapsed:.1f} s).")
