"""GRF progress report: one pledge (or all) as of a date or a reporting window, for the public
or for internal use (DESIGN §5). This module is the report's contract (parameters, gathering,
rendering). What it counts and loads is `grf_data`; what it prints of commitments and updates
is built by `grf_sections` from the records of the public view (`registry.disclosure`), which
applies the audience's rules: a public report never names a protected organisation, shows a
non-public organisation's text only as a coordinator approved it, and lists no commitment of a
hidden organisation (they are only counted).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from flask import render_template
from flask_babel import gettext

from registry import charts
from registry.disclosure import View, commitment_loads, commitment_records
from registry.reports import grf_data
from registry.reports import grf_sections as sections
from registry.reports.common import base_context

KIND = "grf"
INTERNAL_ONLY = False
PARAMETERS = grf_data.PARAMETERS
ALL = grf_data.ALL


def parse_params(raw: dict) -> dict:
    """Check the parameters (see `grf_data.parse_params`)."""
    return grf_data.parse_params(raw)


def _outcomes(pledges) -> list[dict]:
    return [
        {"pledge_id": p.id, "pledge_title": p.title, "id": o.id, "title": o.title}
        for p in pledges
        for o in p.key_outcomes
    ]


def _highlight_candidates(view: View, data: dict, records: dict):
    """(commitment record, update record) of the verified updates with achievements, most
    recently verified first, built as the highlights need them (the updates read in full
    only then)."""
    verified = data["verified"]
    rows = (
        row
        for row in data["updates"]
        if (commitment := records.get(row.commitment_id)) is not None
        and commitment.key_outcome_id is not None
        and row.has_achievements
        and (row.id in verified if verified is not None else row.review_state.name == "verified")
    )
    for update in grf_data.updates_in_full(rows):
        record = view.update(update, update.commitment.signature.organisation)
        if record is not None and record.achievements:
            yield records[update.commitment_id], record


def gather(params: dict) -> dict:
    """Every figure, roll-up, highlight and annex entry the report prints, for its audience."""
    view = View(params["audience"])
    data = grf_data.gather(params, commitment_loads(view))
    rows = data["commitments"]
    view.include(
        [c.signature.organisation for c in rows] + [p for c in rows for p in c.co_implementers]
    )
    records = commitment_records(view, rows)
    if data["statuses"] is not None:  # a snapshot: each commitment as it stood then
        progress = data["latest_progress"]
        records = {
            i: replace(r, status=data["statuses"][i], progress_percent=progress.get(i, (None,))[0])
            for i, r in records.items()
        }
    not_listed = Counter(
        (c.signature.pledge_id, c.key_outcome_id) for c in rows if c.id not in records
    )
    outcomes = _outcomes(data["pledges"])
    return {
        "pledges": data["pledges"],
        "pledge": data["pledge"],
        "now": data["now"],
        "cycles": data["cycles"],
        "figures": sections.figures_for(view, data["figures"], data["filtered"]),
        "narrative": sections.narrative(data["figures"]),
        "rollups": data["rollups"],
        "highlights": sections.highlights(outcomes, _highlight_candidates(view, data, records)),
        "annex": sections.annex(
            outcomes, list(records.values()), data["latest_progress"], dict(not_listed)
        ),
        "min_group": view.threshold,
        "snapshot": data["snapshot"],
    }


# -- rendering ----------------------------------------------------------------------------


def _chart_data(rows: list[dict]) -> dict[str, int]:
    """Breakdown rows as chart data; repeated labels (outcomes of two pledges) get a suffix;
    small groups of organisations are left out (a bar would give their size away)."""
    data: dict[str, int] = {}
    for row in sections.chart_rows(rows):
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
        *(
            charts.stacked_bar_chart(
                gettext("Status of commitments across cycles")
                if len(figures["status_across_cycles"]) == 1
                else gettext(
                    "Status of commitments across cycles: %(pledge)s", pledge=row["pledge"]
                ),
                [label for label, _mix in row["cycles"]],
                {
                    status.label: [mix.get(status.name, 0) for _label, mix in row["cycles"]]
                    for status in grf_data.STATUSES
                },
            )
            for row in figures["status_across_cycles"]
        ),
    ]


def title(params: dict, data: dict) -> str:
    """ "GRF progress report: <pledge title>" (or "all pledges")."""
    scope = data["pledge"].title if data.get("pledge") else gettext("all pledges")
    return gettext("GRF progress report: %(scope)s", scope=scope)


def _context(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> dict:
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
    return {
        **context,
        "params": params,
        "filters": grf_data.filter_labels(params),
        "charts": _charts(data["figures"]),
        "statuses": grf_data.STATUSES,
        **data,
    }


def render_html(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> str:
    """The report's HTML, ready for `render_pdf`."""
    context = _context(params, data, fingerprint=fingerprint, generated_at=generated_at)
    return render_template("reports/pdf/grf.html", **context)


#: Annex entries per chunk at most: a key outcome with more is cut into id ranges, and
#: consecutive smaller ones share a chunk up to this many.
ANNEX_CHUNK_ITEMS = 240
#: Sections of the contents (their ids), which the contents chunk gives the pages of.
CONTENTS = ("summary", "rollup", "status-tables", "charts", "highlights", "annex", "methodology")


def annex_chunks(annex: list[dict], size: int | None = None) -> list[list[dict]]:
    """The annex's groups cut into chunks of at most `size` entries: a group's entries (in id
    order) in pieces of `size`, the pieces after the first `continued` (no heading again) and
    the "not listed" line on the last; consecutive whole groups share a chunk while they fit."""
    size = size or ANNEX_CHUNK_ITEMS
    chunks: list[list[dict]] = []
    filled = size  # start a new chunk for the first group
    for group in annex:
        items = group["items"]
        total = len(items) + group["not_listed"]
        pieces = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        for n, piece in enumerate(pieces):
            part = group | {
                "items": piece,
                "continued": n > 0,
                "total": total,
                "not_listed": group["not_listed"] if n == len(pieces) - 1 else 0,
            }
            if len(pieces) > 1 or filled + len(piece) > size:
                chunks.append([part])
                filled = len(piece) if len(pieces) == 1 else size
            else:
                chunks[-1].append(part)
                filled += len(piece)
    return chunks or [[]]


def render_chunks(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> list:
    """The report as chunks (registry/reports/chunks.py): cover, contents, summary (with the
    roll-up and status tables), charts, highlights, the annex by key outcome and id range,
    methodology. Each starts a page in the whole document too, except the annex's chunks
    after the first (its pieces then start pages of their own)."""
    from registry.reports.chunks import Chunk, page_marker
    from registry.reports.merge import CHUNK_LINK

    context = _context(params, data, fingerprint=fingerprint, generated_at=generated_at)
    context["chunked"] = True

    def chunk(name: str, level: int, parts: tuple[str, ...], **extra) -> Chunk:
        html = render_template("reports/pdf/grf.html", **(context | extra), parts=parts)
        return Chunk(name, html, level)

    annex = annex_chunks(data["annex"])
    return [
        chunk("cover", 1, ("cover",)),
        chunk(
            "contents",
            2,
            ("toc",),
            toc_pages={target: page_marker(target) for target in CONTENTS},
            chunk_link=CHUNK_LINK,
        ),
        chunk("summary", 2, ("summary",)),
        chunk("charts", 2, ("charts",)),
        chunk("highlights", 2, ("highlights",)),
        *(
            chunk(f"annex {i + 1}", 2 if i == 0 else 3, ("annex",), annex=groups, annex_head=i == 0)
            for i, groups in enumerate(annex)
        ),
        chunk("methodology", 2, ("methodology",)),
    ]
