"""Dashboard: the registry's figures at a glance, each chart beside its data and its list."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from registry.charts import bar_chart, pie_chart
from registry.commitments.queries import CommitmentFilters
from registry.dashboard.queries import dashboard_figures
from registry.models import utcnow
from registry.pledges import queries as pledge_queries
from registry.policies import STAFF, role_required
from registry.progress import queries as progress_queries

bp = Blueprint("dashboard", __name__)


def link(endpoint: str, **params) -> str | None:
    """The URL of `endpoint`, or None while that page does not exist (the figure stays)."""
    try:
        return url_for(endpoint, **{k: v for k, v in params.items() if v is not None})
    except BuildError:
        return None


def commitments_link(pledge_slug: str | None, **filters) -> str | None:
    """The commitments tracker filtered as the figure counts."""
    return link("commitments.index", **CommitmentFilters(pledge=pledge_slug, **filters).to_args())


def _panel(key: str, title: str, rows: list[dict], link_for, chart=bar_chart) -> dict:
    """A chart, its data table rows (label, count, link) and the figure's id."""
    seen: dict[str, int] = {}
    table = []
    for row in rows:
        # Two key outcomes of different pledges may share a title; a chart label may not.
        seen[row["label"]] = seen.get(row["label"], 0) + 1
        suffix = f" ({seen[row['label']]})" if seen[row["label"]] > 1 else ""
        table.append(
            row
            | {
                "chart_label": row["label"] + suffix,
                "link": link_for(row) if row["key"] is not None else None,
            }
        )
    rows = table
    data = {row["chart_label"]: row["count"] for row in rows}
    links = {row["chart_label"]: row["link"] for row in rows}
    return {"id": key, "title": title, "rows": rows, "svg": chart(title, data, links, web=True)}


def _panels(figures: dict, slug: str | None) -> list[dict]:
    """The dashboard's charts, in reading order."""
    # The organisation list's `signatory` filter takes a pledge slug, or "any" for every pledge.
    signatory = {"signatory": slug or "any"}
    return [
        _panel(
            "signatories-type",
            _("Signatories by stakeholder type"),
            figures["signatories_by_stakeholder_type"],
            lambda r: link("organisations.index", stakeholder_type=r["key"], **signatory),
        ),
        _panel(
            "signatories-region",
            _("Signatories by region"),
            figures["signatories_by_region"],
            lambda r: link("organisations.index", region=r["key"], **signatory),
        ),
        _panel(
            "commitments-status",
            _("Commitments by status"),
            figures["commitments_by_status"],
            lambda r: commitments_link(slug, status=r["key"]),
            chart=pie_chart,
        ),
        _panel(
            "commitments-key-outcome",
            _("Commitments by key outcome"),
            figures["commitments_by_key_outcome"],
            lambda r: commitments_link(slug, key_outcome=r["key"]),
        ),
        _panel(
            "engagements-kind",
            _("Current partners and advocacy targets"),
            figures["engagements_by_kind"],
            lambda r: link("engagements.index", kind=r["key"]),
        ),
    ]


@bp.get("/coordinate/dashboard")
@role_required(*STAFF)
def index():
    """Figures of one pledge (`?pledge=<slug>`) or all, each linking to the list behind it."""
    pledges = pledge_queries.all_pledges()
    slug = request.args.get("pledge") or None
    pledge = next((p for p in pledges if p.slug == slug), None)
    slug = pledge.slug if pledge else None
    figures = dashboard_figures(pledge)
    rollups = [(p, _rollup(p)) for p in ([pledge] if pledge else pledges)]
    return render_template(
        "dashboard/index.html",
        pledges=pledges,
        pledge=pledge,
        pledge_titles={p.id: p.title for p in pledges},
        figures=figures,
        panels=_panels(figures, slug),
        link=link,
        commitments_link=commitments_link,
        rollups=rollups,
    )


def _rollup(pledge):
    """The pledge's roll-up per key outcome in its reporting cycle (the headline's window)."""
    window = pledge.reporting_window(utcnow())
    return window, progress_queries.rollup_by_key_outcome(pledge, window)
