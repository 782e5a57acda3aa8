"""`flask --app app registry …` commands; each exits non-zero with a one-line reason."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from registry import operations
from registry.audit import acting_as
from registry.extensions import db
from registry.models import Pledge, ReportStatus, Role, SubmissionWindow, WindowKind, utcnow

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


@registry_cli.command("remind")
@click.option("--pledge", "slug", metavar="SLUG", help="The pledge's slug (required).")
def remind(slug: str | None) -> None:
    """E-mail every organisation with due commitments in the pledge's open progress window.

    One e-mail per organisation listing its due commitments; never twice on the same day for
    the same window, so it is safe to run from cron.
    """
    from registry.queries import current_window
    from registry.queries.progress import due_by_organisation

    pledge, kind = window_target(slug, "progress")
    window = current_window(pledge, kind)
    if window is None or not window.is_open(utcnow()):
        fail(f"the pledge {pledge.slug!r} has no open progress window")
    sent = apply(operations.send_reminders, window, due_by_organisation(pledge, window))
    click.echo(f"Reminded {len(sent)} organisation(s) for {window.label!r}.")


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


@registry_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--kind",
    help="organisations, commitments or progress (default: guessed from the header).",
)
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.option(
    "--allow-duplicates", is_flag=True, help="Create probable duplicate organisations anyway."
)
def import_file(file: str, kind: str | None, dry_run: bool, allow_duplicates: bool) -> None:
    """Import organisations, commitments or progress reports from a .csv or .xlsx FILE: every row
    or none. A header with commitment_external_ref (or commitment_id) and window is progress."""
    from pathlib import Path

    if kind is not None and kind not in operations.IMPORT_KINDS:
        fail(f"unknown kind {kind!r}; choose {', '.join(operations.IMPORT_KINDS)}")
    path = Path(file)
    if not path.is_file():
        fail(f"no file {file}")
    if path.stat().st_size > 100 * 1024 * 1024:
        fail(f"{file} is larger than 100 MB; split it")
    with acting_as(label="cli"):
        try:
            table = operations.load_import(kind, path.name, path.read_bytes())
            outcomes = operations.plan_import(table.kind, table.rows)
        except operations.OperationError as exc:
            fail(f"{file}: {exc}")
        for outcome in outcomes:
            click.echo(outcome.describe())
        counts = Counter(o.action for o in outcomes)
        click.echo(
            f"{len(outcomes)} {table.kind} row(s): "
            + ", ".join(
                f"{counts[a]} {a}" for a in ("create", "update", "skip", "duplicate", "error")
            )
        )
        refused = counts["error"] + (0 if allow_duplicates else counts["duplicate"])
        if refused:
            fail(f"{refused} row(s) need fixing (see above); nothing was imported")
        if dry_run:
            click.echo("Dry run: nothing was written.")
            return
        result = apply(
            operations.apply_import,
            table.kind,
            table.rows,
            allow_duplicates=allow_duplicates,
        )
    click.echo(
        f"Imported: {result['create']} created, {result['update']} updated, "
        f"{result['skip']} unchanged."
    )


@registry_cli.command("export")
@click.argument("kind")
@click.option("--format", "fmt", default="csv", help="csv (default) or xlsx.")
@click.option("--out", metavar="FILE", help="Where to write the export (required).")
@click.option(
    "--include-contacts", is_flag=True, help="Add contact people (organisations; audit-logged)."
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="NAME=VALUE",
    help="A list-page filter, e.g. --filter pledge=digital-protection (repeatable).",
)
def export(
    kind: str, fmt: str, out: str | None, include_contacts: bool, filters: tuple[str, ...]
) -> None:
    """Export KIND (commitments, organisations, signatures, engagements, progress) to a file."""
    from registry import exporting
    from registry.audit import record

    if kind not in exporting.KINDS:
        fail(f"unknown kind {kind!r}; choose {', '.join(exporting.KINDS)}")
    if fmt not in exporting.FORMATS:
        fail(f"unknown format {fmt!r}; choose csv or xlsx")
    if not out:
        fail("--out FILE is required")
    args = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(f"--filter {item!r} is not NAME=VALUE")
        args[name.strip()] = value.strip()
    spec = exporting.build_export(kind, args, include_contacts)
    try:
        if fmt == "csv":
            with open(out, "w", newline="", encoding="utf-8") as fh:
                exporting.write_csv(spec, fh)
        else:
            with open(out, "wb") as fh:
                exporting.write_xlsx(spec, fh)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    rows = spec.count()
    with acting_as(label="cli"):
        details = {"format": fmt, "filters": spec.filters, "contacts": spec.include_contacts}
        record(db.session, "export", kind, details | {"rows": rows})
        db.session.commit()
    click.echo(f"Wrote {rows} {kind} row(s) to {out}.")


@registry_cli.command("report")
@click.argument("report_kind", metavar="grf|signatory|engagement")
@click.option(
    "--pledge", metavar="SLUG", help="A pledge slug or all (GRF: required; signatory: filter)."
)
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="GRF: the reporting cycle as of this day (counts are today's data).",
)
@click.option("--window", metavar="ID", help="GRF: the reporting window (progress) to report on.")
@click.option("--stakeholder-type", "stakeholder_type", metavar="NAME", help="e.g. national_ngo.")
@click.option("--region", metavar="NAME", help="A UNHCR region, e.g. europe.")
@click.option(
    "--audience", metavar="public|internal", help="Default public (engagement: internal)."
)
@click.option("--organisation", metavar="ID", help="Signatory report: the organisation (required).")
@click.option(
    "--engagement-kind", "kind", metavar="partnership|advocacy_target", help="Engagement only."
)
@click.option("--out", metavar="FILE.pdf", help="Where to write the PDF (required).")
def report(report_kind: str, out: str | None, **options: str | None) -> None:
    """Make a PDF report now, in this process (the stored PDF if the data is unchanged)."""
    import time

    from registry.reports.jobs import ReportParameterError, request_report, run_report

    if not out:
        fail("--out FILE.pdf is required")
    started = time.perf_counter()
    raw = {name: value for name, value in options.items() if value not in (None, "")}
    with acting_as(label="cli"):
        try:
            run = request_report(report_kind, raw, None, enqueue=False)
        except ReportParameterError as exc:
            db.session.rollback()
            fail(str(exc))
        cached = run.status is ReportStatus.done
        db.session.commit()
        if not cached:
            run_report(run.id)
            db.session.refresh(run)
    if run.status is not ReportStatus.done:
        fail(f"the report failed: {run.error}")
    try:
        with open(out, "wb") as fh:
            fh.write(run.pdf)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    note = " (cached)" if cached else ""
    click.echo(
        f"Wrote {run.page_count} page(s) to {out} in {time.perf_counter() - started:.1f} s{note}."
    )


def init_app(app: Flask) -> None:
    """Attach the command group (and those of other modules) to the app."""
    from registry import demo

    registry_cli.add_command(demo.demo_data)
    app.cli.add_command(registry_cli)
