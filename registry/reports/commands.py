"""`registry report`: a PDF report made in this process (the stored one on unchanged data)."""

from __future__ import annotations

import time

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from registry.audit import acting_as
from registry.cli import fail
from registry.extensions import db
from registry.i18n import current_language
from registry.models import ReportStatus
from registry.reports.common import ReportParameterError
from registry.reports.jobs import request_report, run_report


@click.command("report")
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
@click.option(
    "--language",
    metavar="en|fr|es|ar",
    help="The language the report is written in (default: the command's, see registry --lang).",
)
@click.option("--out", metavar="FILE.pdf", help="Where to write the PDF (required).")
def report(report_kind: str, out: str | None, **options: str | None) -> None:
    """Make a PDF report now, in this process (the stored PDF if the data is unchanged)."""
    if not out:
        fail(_("--out FILE.pdf is required"))
    started = time.perf_counter()
    options["language"] = options["language"] or current_language()
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
            run_report(run.id, in_process=True)
            db.session.refresh(run)
    if run.status is not ReportStatus.done:
        fail(_("the report failed: %(error)s", error=run.error))
    try:
        with open(out, "wb") as fh:
            fh.write(run.pdf)
    except OSError as exc:
        fail(_("cannot write %(file)s: %(reason)s", file=out, reason=exc.strerror))
    seconds = f"{time.perf_counter() - started:.1f}"
    if cached:
        wrote = ngettext(
            "Wrote %(num)d page to %(file)s in %(seconds)s s (cached).",
            "Wrote %(num)d pages to %(file)s in %(seconds)s s (cached).",
            run.page_count,
            file=out,
            seconds=seconds,
        )
    else:
        wrote = ngettext(
            "Wrote %(num)d page to %(file)s in %(seconds)s s.",
            "Wrote %(num)d pages to %(file)s in %(seconds)s s.",
            run.page_count,
            file=out,
            seconds=seconds,
        )
    click.echo(wrote)
