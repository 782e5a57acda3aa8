"""`registry import` and `registry export`: data in and out from the shell."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import ngettext

from registry.audit import acting_as, record
from registry.cli import apply, fail
from registry.errors import OperationError
from registry.extensions import db
from registry.i18n import current_language
from registry.transfer import exporting, operations, queries
from registry.transfer.importing.files import IMPORT_KINDS, load_import

ACTIONS = ("create", "update", "skip", "duplicate", "error")


@click.command("import")
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
    or none. A header with commitment_external_ref (or commitment_id) and window is progress.
    The file is read as it is checked (up to 100,000 rows), with a progress bar on a terminal."""
    if kind is not None and kind not in IMPORT_KINDS:
        fail(_("unknown kind %(kind)s; choose %(kinds)s", kind=repr(kind), kinds=_or(IMPORT_KINDS)))
    path = Path(file)
    if not path.is_file():
        fail(_("no file %(file)s", file=file))
    if path.stat().st_size > 100 * 1024 * 1024:
        fail(_("%(file)s is larger than 100 MB; split it", file=file))
    with acting_as(label="cli"):
        try:
            table = load_import(kind, path.name, path)
            with _bar(table.total, _("Checking")) as bar:
                plan = operations.plan_import(table.kind, table.rows, progress=bar.update)
        except OperationError as exc:
            fail(f"{file}: {exc}")  # the check's reason, translated where it is made
        for outcome in plan.shown():
            click.echo(outcome.describe())
        if len(plan) < plan.rows:
            click.echo(
                ngettext(
                    "(%(num)d more row not listed: every one to fix is)",
                    "(%(num)d more rows not listed: every one to fix is)",
                    plan.rows - len(plan),
                )
            )
        click.echo(_counts(plan, table.kind))
        refused = plan.blocking(allow_duplicates)
        if refused:
            fail(
                ngettext(
                    "%(num)d row needs fixing (see above); nothing was imported",
                    "%(num)d rows need fixing (see above); nothing was imported",
                    refused,
                )
            )
        if dry_run:
            click.echo(_("Dry run: nothing was written."))
            return
        with _bar(plan.writes, _("Importing")) as bar:
            result = apply(
                operations.apply_import,
                table.kind,
                allow_duplicates=allow_duplicates,
                plan=plan,
                progress=bar.update,
            )
    click.echo(
        _(
            "Imported: %(create)d created, %(update)d updated, %(skip)d unchanged.",
            create=result["create"],
            update=result["update"],
            skip=result["skip"],
        )
    )


def _or(names) -> str:
    """'a, b or c' in the command's language (أ أو ب أو ج)."""
    return format_list(list(names), style="or", locale=current_language())


def _counts(plan, kind: str) -> str:
    """'120 organisations rows: 100 to create, 20 to update, …' in the command's language."""
    counts = {action: plan.counts[action] for action in ACTIONS}
    return ngettext(
        "%(num)d %(kind)s row: %(create)d to create, %(update)d to update, %(skip)d unchanged, "
        "%(duplicate)d probable duplicates, %(error)d with errors",
        "%(num)d %(kind)s rows: %(create)d to create, %(update)d to update, %(skip)d unchanged, "
        "%(duplicate)d probable duplicates, %(error)d with errors",
        plan.rows,
        kind=kind,
        **counts,
    )


def _bar(length: int | None, label: str):
    """A progress bar on stderr (shown on a terminal only)."""
    stderr = sys.stderr
    return click.progressbar(
        length=length or 0, label=label, file=stderr if stderr.isatty() else io.StringIO()
    )


@click.command("export")
@click.argument("kind")
@click.option("--format", "fmt", default="csv", help="csv (default), xlsx or json.")
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
    if kind not in queries.KINDS:
        fail(
            _("unknown kind %(kind)s; choose %(kinds)s", kind=repr(kind), kinds=_or(queries.KINDS))
        )
    if fmt not in exporting.FORMATS:
        fail(
            _(
                "unknown format %(format)s; choose %(formats)s",
                format=repr(fmt),
                formats=_or(exporting.FORMATS),
            )
        )
    if not out:
        fail(_("--out FILE is required"))
    args = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(_("--filter %(item)s is not NAME=VALUE", item=repr(item)))
        args[name.strip()] = value.strip()
    spec = queries.build_export(kind, args, include_contacts)
    try:
        if fmt == "csv":
            with open(out, "w", newline="", encoding="utf-8") as fh:
                exporting.write_csv(spec, fh)
        elif fmt == "json":
            with open(out, "w", encoding="utf-8") as fh:
                exporting.write_json(spec, fh)
        else:
            with open(out, "wb") as fh:
                exporting.write_xlsx(spec, fh)
    except OSError as exc:
        fail(_("cannot write %(file)s: %(reason)s", file=out, reason=exc.strerror))
    rows = spec.count()
    with acting_as(label="cli"):
        details = {"format": fmt, "filters": spec.filters, "contacts": spec.include_contacts}
        record(db.session, "export", kind, details | {"rows": rows})
        db.session.commit()
    click.echo(
        ngettext(
            "Wrote %(num)d %(kind)s row to %(file)s.",
            "Wrote %(num)d %(kind)s rows to %(file)s.",
            rows,
            kind=kind,
            file=out,
        )
    )
