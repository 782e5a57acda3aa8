"""GRF progress report: one pledge (or all) as of a date or a reporting window, for the public
or for internal use (DESIGN §5). This module is the report's contract (parameters, gathering,
rendering); what it prints is computed in `grf_sections`.

Every summary figure comes from the registry's own queries (`registry.dashboard.queries` and
`rollup_by_key_outcome`). Those queries have no stakeholder type or region filter, so with a
filter the same definitions are counted here from the rows the report gathers anyway; the tests
check both ways agree. Everything is loaded with a fixed number of statements, whatever the
number of commitments (the annex of a large pledge runs to hundreds of pages).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import render_template
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import charts
from registry.extensions import db
from registry.models import (
    Commitment,
    CommitmentStatus,
    Organisation,
    Pledge,
    ProgressUpdate,
    Region,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.progress.queries import progress_windows, rollup_by_key_outcome
from registry.reports import grf_sections as sections
from registry.reports.common import (
    ReportParameterError,
    audience_of,
    base_context,
    check_keys,
    date_param,
    enum_param,
    integer_param,
)

KIND = "grf"
INTERNAL_ONLY = False
PARAMETERS = frozenset({"pledge", "as_of", "window", "stakeholder_type", "region", "audience"})
ALL = "all"


# -- parameters ---------------------------------------------------------------------------


def parse_params(raw: dict) -> dict:
    """Check the parameters: a pledge slug or "all", an as-of date or a progress window of that
    pledge (not both), optional stakeholder type and region (enum names), an audience."""
    raw = check_keys(raw, PARAMETERS)
    slug = str(raw.get("pledge") or "").strip()
    if not slug:
        raise ReportParameterError("The parameter 'pledge' is required (a pledge slug or 'all').")
    pledge_id = None
    if slug != ALL:
        pledge_id = db.session.scalar(select(Pledge.id).where(Pledge.slug == slug))
        if pledge_id is None:
            raise ReportParameterError(f"There is no pledge {slug!r}.")
    as_of = date_param(raw, "as_of")
    window_id = integer_param(raw, "window")
    if as_of and window_id:
        raise ReportParameterError("Give either 'as_of' or 'window', not both.")
    if window_id is not None:
        if pledge_id is None:
            raise ReportParameterError("A reporting window belongs to one pledge: name the pledge.")
        window = db.session.get(SubmissionWindow, window_id)
        if (
            window is None
            or window.kind is not WindowKind.progress
            or window.pledge_id != pledge_id
        ):
            raise ReportParameterError(
                f"There is no progress window {window_id} of the pledge {slug!r}."
            )
    return {
        "pledge": slug,
        "as_of": as_of,
        "window": window_id,
        "stakeholder_type": enum_param(raw, "stakeholder_type", StakeholderType),
        "region": enum_param(raw, "region", Region),
        "audience": audience_of(raw),
    }


# -- gathering ----------------------------------------------------------------------------


def _is_filtered(params: dict) -> bool:
    return bool(params.get("stakeholder_type") or params.get("region"))


def _scope(pledge: Pledge | None, params: dict) -> list:
    """Criteria: accepted signatures (of the pledge) of organisations the filters keep."""
    criteria = [Signature.status == SignatureStatus.accepted]
    if pledge is not None:
        criteria.append(Signature.pledge_id == pledge.id)
    if params.get("stakeholder_type"):
        criteria.append(
            Organisation.stakeholder_type == StakeholderType[params["stakeholder_type"]]
        )
    if params.get("region"):
        criteria.append(Organisation.region == Region[params["region"]])
    return criteria


def _pledges(params: dict) -> list[Pledge]:
    query = select(Pledge).options(selectinload(Pledge.key_outcomes), selectinload(Pledge.windows))
    if params["pledge"] != ALL:
        query = query.where(Pledge.slug == params["pledge"])
    pledges = list(db.session.scalars(query.order_by(Pledge.title, Pledge.id)))
    if params["pledge"] != ALL and not pledges:
        raise ReportParameterError(f"There is no pledge {params['pledge']!r}.")
    return pledges


def _reference_time(params: dict) -> datetime:
    """The moment the report is "as of": the end of the as-of day (UTC), else now."""
    if params.get("as_of"):
        return datetime.combine(date.fromisoformat(params["as_of"]), time.max, tzinfo=UTC)
    return utcnow()


def _cycle(pledge: Pledge, params: dict, now: datetime) -> dict:
    """The pledge's reporting cycle: the chosen window (else `SubmissionWindow.reporting_cycle`
    at `now`, as on the dashboard) and the progress window before it."""
    windows = progress_windows(pledge)  # newest first
    if params.get("window"):
        window = next((w for w in windows if w.id == params["window"]), None)
    else:
        window = SubmissionWindow.reporting_cycle(windows, now)
    previous = None
    if window is not None:
        previous = next(iter(windows[windows.index(window) + 1 :]), None)
    return {"pledge": pledge, "window": window, "previous": previous}


def _commitments(pledge: Pledge | None, params: dict) -> list[Commitment]:
    query = (
        select(Commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_scope(pledge, params))
        .options(
            selectinload(Commitment.signature).selectinload(Signature.organisation),
            selectinload(Commitment.key_outcome),
        )
        .order_by(Commitment.id)
    )
    return list(db.session.scalars(query))


def _updates(pledge: Pledge | None, params: dict) -> list[ProgressUpdate]:
    """Every non-draft update of the commitments in scope, most recently verified first."""
    query = (
        select(ProgressUpdate)
        .join(ProgressUpdate.commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .where(*_scope(pledge, params), ProgressUpdate.review_state != ReviewState.draft)
        .options(selectinload(ProgressUpdate.window))
        .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
    )
    return list(db.session.scalars(query))


def _signatories(pledge: Pledge | None, params: dict) -> list[Organisation]:
    query = (
        select(Organisation)
        .join(Signature, Signature.organisation_id == Organisation.id)
        .where(*_scope(pledge, params))
        .distinct()
    )
    return list(db.session.scalars(query))


def gather(params: dict) -> dict:
    """Every figure, roll-up, highlight and annex entry the report prints."""
    audience = params["audience"]
    pledges = _pledges(params)
    pledge = pledges[0] if params["pledge"] != ALL else None
    now = _reference_time(params)
    cycles = [_cycle(p, params, now) for p in pledges]
    # Updates are loaded with their commitments in the session already (identity map).
    commitments = _commitments(pledge, params)
    updates = _updates(pledge, params)
    if _is_filtered(params):
        signatories = _signatories(pledge, params)
        figures = sections.counted_figures(signatories, commitments, updates, cycles)
        reported = sections.reported_ids(cycles, updates)
        rollups = [
            (
                c["pledge"],
                c["window"],
                sections.rollup_rows(
                    c["pledge"],
                    c["window"],
                    [x for x in commitments if x.signature.pledge_id == c["pledge"].id],
                    reported,
                ),
            )
            for c in cycles
        ]
    else:
        figures = sections.registry_figures(pledge, params, cycles, now)
        rollups = [
            (c["pledge"], c["window"], rollup_by_key_outcome(c["pledge"], c["window"]))
            for c in cycles
        ]
    figures["signatories"] = sum(r["count"] for r in figures["signatories_by_stakeholder_type"])
    figures["commitments"] = sum(r["count"] for r in figures["commitments_by_status"])
    figures["fulfilled"] = next(
        (r["count"] for r in figures["commitments_by_status"] if r["key"] == "fulfilled"), 0
    )
    figures["new_since_last_cycle"] = sections.new_since_last_cycle(cycles, commitments, now)
    return {
        "pledges": pledges,
        "pledge": pledge,
        "now": now,
        "cycles": cycles,
        "figures": figures,
        "rollups": rollups,
        "highlights": sections.highlights(pledges, updates, audience),
        "annex": sections.annex(pledges, commitments, updates, audience),
    }


# -- rendering ----------------------------------------------------------------------------


def _chart_data(rows: list[dict]) -> dict[str, int]:
    """Breakdown rows as chart data; repeated labels (outcomes of two pledges) get a suffix."""
    data: dict[str, int] = {}
    for row in rows:
        label, n = row["label"], 2
        while label in data:
            label, n = f"{row['label']} ({n})", n + 1
        data[label] = row["count"]
    return data


def _charts(figures: dict) -> list[str]:
    return [
        charts.bar_chart(
            gettext("Signatories by stakeholder type"),
            _chart_data(figures["signatories_by_stakeholder_type"]),
        ),
        charts.bar_chart(
            gettext("Signatories by region"), _chart_data(figures["signatories_by_region"])
        ),
        charts.pie_chart(
            gettext("Commitments by status"), _chart_data(figures["commitments_by_status"])
        ),
        charts.bar_chart(
            gettext("Commitments by key outcome"),
            _chart_data(figures["commitments_by_key_outcome"]),
        ),
    ]


def title(params: dict, data: dict) -> str:
    """ "GRF progress report: <pledge title>" (or "all pledges")."""
    scope = data["pledge"].title if data.get("pledge") else gettext("all pledges")
    return gettext("GRF progress report: %(scope)s", scope=scope)


def render_html(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> str:
    """The report's HTML, ready for `render_pdf`."""
    context = base_context(
        title=title(params, data),
        subject=gettext(
            "Progress of the commitments made under a Global Refugee Forum pledge: figures, "
            "roll-up per key outcome, highlights and every commitment"
        ),
        audience=params["audience"],
        generated_at=generated_at,
        fingerprint=fingerprint,
    )
    filters = {
        "stakeholder_type": StakeholderType[params["stakeholder_type"]].label
        if params.get("stakeholder_type")
        else None,
        "region": Region[params["region"]].label if params.get("region") else None,
    }
    return render_template(
        "reports/pdf/grf.html",
        **context,
        params=params,
        filters=filters,
        charts=_charts(data["figures"]),
        statuses=list(CommitmentStatus),
        **data,
    )
