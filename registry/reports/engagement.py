"""Engagement report (internal): partners vs advocacy targets by region, geographic level,
purpose area and coordination structure; the conversion funnel and time to convert.

Breakdowns count *current* records, as the dashboard does (`CURRENT_STAGES`): a converted
target lives on as its partnership, and closed, completed or ended records are history.
"""

from __future__ import annotations

import statistics

from flask import render_template
from flask_babel import gettext
from sqlalchemy import and_, func, or_, select

from registry.charts import bar_chart, pie_chart
from registry.dashboard.queries import CURRENT_STAGES
from registry.extensions import db
from registry.models import (
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    GeographicLevel,
    Organisation,
    Region,
    VocabularyTerm,
)
from registry.models.engagements import engagement_purpose_areas
from registry.reports.common import (
    ReportParameterError,
    audience_of,
    base_context,
    check_keys,
    enum_param,
    language_param,
)

KIND = "engagement"
INTERNAL_ONLY = True
PARAMETERS = frozenset({"region", "kind", "audience", "language"})
KINDS = (EngagementKind.partnership, EngagementKind.advocacy_target)
#: A target that reached a stage has passed every stage before it (closed ones stay where
#: the record is: the stage they were closed from is not kept on the record).
FUNNEL = (
    EngagementStage.identified,
    EngagementStage.engaged,
    EngagementStage.committed,
    EngagementStage.converted,
)


def parse_params(raw: dict) -> dict:
    """Check the parameters: optional `region` (a Region name), `kind` (partnership or
    advocacy_target); the audience can only be internal."""
    raw = check_keys(raw, PARAMETERS)
    if audience_of(raw, default="internal") != "internal":
        raise ReportParameterError(gettext("The engagement report is internal only."))
    params = {"audience": "internal"}
    for key, enum_cls in (("region", Region), ("kind", EngagementKind)):
        value = enum_param(raw, key, enum_cls)
        if value:
            params[key] = value
    if language := language_param(raw):
        params["language"] = language
    return params


def _criteria(params: dict, *, current: bool = True) -> list:
    """Where-clauses for the report's filters (and, by default, current records only)."""
    criteria = []
    if current:
        criteria.append(
            or_(
                *(
                    and_(EngagementRecord.kind == kind, EngagementRecord.stage.in_(stages))
                    for kind, stages in CURRENT_STAGES.items()
                )
            )
        )
    if params.get("kind"):
        criteria.append(EngagementRecord.kind == EngagementKind[params["kind"]])
    if params.get("region"):
        criteria.append(Organisation.region == Region[params["region"]])
    return criteria


def _table(rows, label_of, order_of) -> list[dict]:
    """(value, kind, count) rows as [{key, label, partnership, advocacy_target, total}],
    largest total first, unset last."""
    table: dict = {}
    for value, kind, count in rows:
        row = table.setdefault(
            value, {"key": value, "label": label_of(value), **{k.name: 0 for k in KINDS}}
        )
        row[kind.name] += count
    for row in table.values():
        row["total"] = sum(row[k.name] for k in KINDS)
    return sorted(table.values(), key=lambda r: (r["key"] is None, -r["total"], order_of(r["key"])))


def _by(params: dict, column, *joins) -> list[tuple]:
    query = (
        select(column, EngagementRecord.kind, func.count(func.distinct(EngagementRecord.id)))
        .select_from(EngagementRecord)
        .join(Organisation, EngagementRecord.organisation_id == Organisation.id)
    )
    for target, on in joins:
        query = query.outerjoin(target, on)
    return db.session.execute(
        query.where(*_criteria(params)).group_by(column, EngagementRecord.kind)
    ).all()


def _enum_table(rows, enum_cls, unset: str) -> list[dict]:
    order = {member: i for i, member in enumerate(enum_cls)}
    return [
        row | {"key": row["key"].name if row["key"] is not None else None}
        for row in _table(
            rows, lambda v: v.label if v is not None else unset, lambda v: order.get(v, 0)
        )
    ]


def by_region(params: dict) -> list[dict]:
    """Current partnerships and advocacy targets by their organisation's UNHCR region."""
    return _enum_table(_by(params, Organisation.region), Region, gettext("Region not set"))


def by_geographic_level(params: dict) -> list[dict]:
    """Current partnerships and advocacy targets by the engagement's geographic level."""
    rows = _by(params, EngagementRecord.geographic_level)
    return _enum_table(rows, GeographicLevel, gettext("Level not set"))


def _term_table(rows, unset: str) -> list[dict]:
    labels = {}
    for term_id, *_rest in rows:
        labels.setdefault(term_id, None)
    terms = {
        t.id: t
        for t in db.session.scalars(
            select(VocabularyTerm).where(VocabularyTerm.id.in_([k for k in labels if k] or [0]))
        )
    }
    return _table(
        rows,
        lambda v: terms[v].label if v is not None else unset,
        lambda v: terms[v].position if v is not None else 0,
    )


def by_purpose_area(params: dict) -> list[dict]:
    """Current partnerships and advocacy targets by purpose area (a record with several
    purpose areas counts once in each)."""
    link = engagement_purpose_areas
    rows = _by(params, link.c.term_id, (link, link.c.engagement_record_id == EngagementRecord.id))
    return _term_table(rows, gettext("No purpose area"))


def by_coordination_structure(params: dict) -> list[dict]:
    """Current partnerships and advocacy targets by coordination structure."""
    rows = _by(params, EngagementRecord.coordination_structure_id)
    return _term_table(rows, gettext("Not set"))


def conversion_funnel(params: dict) -> dict:
    """Advocacy targets (all, not only current) at or past each stage of
    identified → engaged → committed → converted, and how many were closed."""
    counts = dict(
        db.session.execute(
            select(EngagementRecord.stage, func.count(EngagementRecord.id))
            .join(Organisation, EngagementRecord.organisation_id == Organisation.id)
            .where(
                EngagementRecord.kind == EngagementKind.advocacy_target,
                *_criteria(params | {"kind": None}, current=False),
            )
            .group_by(EngagementRecord.stage)
        ).all()
    )
    steps = [
        {
            "key": stage.name,
            "label": stage.label,
            "count": sum(counts.get(s, 0) for s in FUNNEL[position:]),
            "now": counts.get(stage, 0),
        }
        for position, stage in enumerate(FUNNEL)
    ]
    steps[0]["count"] += counts.get(EngagementStage.closed, 0)
    return {"steps": steps, "closed": counts.get(EngagementStage.closed, 0)}


def time_to_convert(params: dict) -> dict:
    """Days from identifying an advocacy target (`identified_at`) to converting it: count,
    median, min, max (None without conversions); computed as the dashboard's `conversions` does."""
    durations = [
        (converted_at - identified_at).total_seconds() / 86400
        for converted_at, identified_at in db.session.execute(
            select(EngagementRecord.converted_at, EngagementRecord.identified_at)
            .join(Organisation, EngagementRecord.organisation_id == Organisation.id)
            .where(
                EngagementRecord.kind == EngagementKind.advocacy_target,
                EngagementRecord.converted_at.is_not(None),
                *_criteria(params | {"kind": None}, current=False),
            )
        )
    ]
    if not durations:
        return {"count": 0, "median_days": None, "min_days": None, "max_days": None}
    return {
        "count": len(durations),
        "median_days": round(statistics.median(durations), 1),
        "min_days": round(min(durations), 1),
        "max_days": round(max(durations), 1),
    }


def _charts(name: str, rows: list[dict], params: dict) -> list[dict]:
    """One bar chart per kind the report covers, labelled by the breakdown."""
    kinds = [k for k in KINDS if not params.get("kind") or params["kind"] == k.name]
    return [
        {
            "kind": kind,
            "svg": bar_chart(
                f"{kind.label} — {name}", {row["label"]: row[kind.name] for row in rows}
            ),
        }
        for kind in kinds
    ]


def gather(params: dict) -> dict:
    """Every figure of the report, each from one GROUP BY query, with its charts."""
    breakdowns = [
        ("region", gettext("by region"), by_region(params)),
        ("level", gettext("by geographic level"), by_geographic_level(params)),
        ("purpose", gettext("by purpose area"), by_purpose_area(params)),
        ("coordination", gettext("by coordination structure"), by_coordination_structure(params)),
    ]
    totals = {k.name: 0 for k in KINDS}
    for row in breakdowns[0][2]:  # every record has exactly one region row
        for kind in KINDS:
            totals[kind.name] += row[kind.name]
    funnel = conversion_funnel(params)
    show_funnel = params.get("kind") in (None, EngagementKind.advocacy_target.name)
    return {
        "totals": totals,
        "totals_chart": pie_chart(
            gettext("Current partnerships and advocacy targets"),
            {k.label: totals[k.name] for k in KINDS},
        ),
        "breakdowns": [
            {"id": key, "name": name, "rows": rows, "charts": _charts(name, rows, params)}
            for key, name, rows in breakdowns
        ],
        "kinds": [k for k in KINDS if not params.get("kind") or params["kind"] == k.name],
        "show_funnel": show_funnel,
        "funnel": funnel,
        "funnel_chart": bar_chart(
            gettext("Conversion funnel"), {s["label"]: s["count"] for s in funnel["steps"]}
        ),
        "time_to_convert": time_to_convert(params),
        "region_label": Region[params["region"]].label if params.get("region") else None,
        "kind_label": EngagementKind[params["kind"]].label if params.get("kind") else None,
    }


def title(params: dict, data: dict) -> str:
    """ "Engagement report", with its filters."""
    parts = [data.get("kind_label"), data.get("region_label")]
    scope = ", ".join(p for p in parts if p)
    if scope:
        return gettext("Engagement report: %(scope)s", scope=scope)
    return gettext("Engagement report")


def render_html(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> str:
    """The report's HTML, ready for `render_pdf`; always internal."""
    context = base_context(
        title=title(params, data),
        subject=gettext("Partners and advocacy targets, conversion funnel, time to convert"),
        audience="internal",
        generated_at=generated_at,
        fingerprint=fingerprint,
        keywords="engagement, partnerships, advocacy targets, internal",
    )
    return render_template("reports/pdf/engagement.html", **context, params=params, **data)
