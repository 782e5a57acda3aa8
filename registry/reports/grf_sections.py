"""What the GRF progress report prints of commitments and updates, built only from the public
view's records (`registry.disclosure`), never from the models: the highlights, the annex, and
the figures as the audience may read them (the small-group rule in public).

Hidden organisations' commitments are never items of a public report: each annex group says
how many more commitments it counts of organisations that are not listed.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext

from registry.disclosure import PublicCommitment, PublicUpdate, View
from registry.reports.common import percent_text

#: Highlights printed per key outcome (as on the dashboard's roll-up).
HIGHLIGHTS_PER_OUTCOME = 3
#: Figures that count organisations: a small group under a filter is not printed exactly.
ORGANISATION_BREAKDOWNS = ("signatories_by_stakeholder_type", "signatories_by_region")


def figures_for(view: View, figures: dict, filtered: bool) -> dict:
    """The summary figures as the audience reads them: counts of organisations are
    `PublicCount`s (the report's whole total is exact unless a filter narrowed it)."""
    shown = dict(figures)
    for key in ORGANISATION_BREAKDOWNS:
        shown[key] = [row | {"count": view.count(row["count"])} for row in figures[key]]
    shown["signatories"] = view.count(figures["signatories"], exact=not filtered)
    return shown


def _share(value) -> str:
    return f"{value:g} %" if value is not None else "—"


def narrative(figures: dict) -> str:
    """The summary in one sentence: "Of 208 commitments, 63 (30.3 %) are fulfilled or in
    progress, up from 41 (22 %) at the previous cycle (…)." (counts of commitments: exact)."""
    active, previous = figures["active"], figures.get("previous")
    text = gettext(
        "Of %(total)d commitments, %(count)d (%(share)s) are fulfilled or in progress",
        total=active["total"],
        count=active["count"],
        share=_share(active["share"]),
    )
    if previous is None or previous["share"] is None or active["share"] is None:
        return text + "."
    words = {
        1: gettext("up from %(count)d (%(share)s) at the previous cycle (%(label)s)"),
        -1: gettext("down from %(count)d (%(share)s) at the previous cycle (%(label)s)"),
        0: gettext("as at the previous cycle (%(label)s: %(count)d, %(share)s)"),
    }
    change = (active["share"] > previous["share"]) - (active["share"] < previous["share"])
    return (
        text
        + ", "
        + words[change]
        % {
            "count": previous["count"],
            "share": _share(previous["share"]),
            "label": previous["label"],
        }
        + "."
    )


def chart_rows(rows: list[dict]) -> list[dict]:
    """Rows a chart may plot: a bar would give a small group's exact size away."""
    return [
        row | {"count": getattr(row["count"], "value", row["count"])}
        for row in rows
        if not getattr(row["count"], "is_small", False)
    ]


def highlights(
    outcomes: list[dict], found: Iterable[tuple[PublicCommitment, PublicUpdate]]
) -> list[dict]:
    """Per key outcome (`outcomes`: pledge_id, pledge_title, id, title, in order), the first
    `HIGHLIGHTS_PER_OUTCOME` updates of `found` (most recently verified first) whose
    achievements the audience may read."""
    wanted = {o["id"] for o in outcomes}
    by_outcome: dict[int, list[dict]] = {}
    for commitment, update in found:
        items = by_outcome.setdefault(commitment.key_outcome_id, [])
        if commitment.key_outcome_id in wanted and len(items) < HIGHLIGHTS_PER_OUTCOME:
            items.append({"commitment": commitment, "report": update})
        if all(len(by_outcome.get(i, ())) >= HIGHLIGHTS_PER_OUTCOME for i in wanted):
            break
    return [
        outcome | {"items": by_outcome[outcome["id"]]}
        for outcome in outcomes
        if by_outcome.get(outcome["id"])
    ]


def _group_order(outcomes: list[dict]) -> list[tuple[int, int | None]]:
    """(pledge id, key outcome id) in print order: each pledge's outcomes, then its
    commitments without one."""
    order: list[tuple[int, int | None]] = []
    for outcome in outcomes:
        if order and order[-1][0] != outcome["pledge_id"]:
            order.append((order[-1][0], None))
        order.append((outcome["pledge_id"], outcome["id"]))
    if order:
        order.append((order[-1][0], None))
    return order


def annex(
    outcomes: list[dict],
    commitments: list[PublicCommitment],
    latest: dict[int, tuple[int | None, str]],
    not_listed: dict[tuple[int, int | None], int],
) -> list[dict]:
    """The commitments grouped by pledge and key outcome (`outcomes`: each pledge's in its
    order), those without a key outcome last, each with its latest verified progress.
    Grouping prints the outcome once per group instead of once per entry: half the pages of a
    long annex (bench/README.md). `not_listed` counts, per (pledge id, key outcome id), the
    commitments that are not items (of organisations that are not listed)."""
    titles = {(o["pledge_id"], o["id"]): o["title"] for o in outcomes}
    pledge_titles = {o["pledge_id"]: o["pledge_title"] for o in outcomes}
    groups: dict[tuple, dict] = {}

    def group(key: tuple[int, int | None]) -> dict:
        if key not in groups:
            groups[key] = {
                "pledge_title": pledge_titles.get(key[0], ""),
                "key_outcome": titles.get(key) or gettext("No key outcome"),
                "items": [],
                "not_listed": not_listed.get(key, 0),
            }
        return groups[key]

    # Thousands of entries share a few statuses and percentages: each translated once.
    statuses: dict = {}
    percents: dict = {}
    for commitment in sorted(commitments, key=lambda c: c.id):
        percent, window = latest.get(commitment.id, (None, None))
        if commitment.status not in statuses:
            statuses[commitment.status] = commitment.status.label
        if percent not in percents:
            percents[percent] = percent_text(percent)
        group((commitment.pledge_id, commitment.key_outcome_id))["items"].append(
            {
                "title": commitment.title,
                "organisation": commitment.organisation.label,
                "status": statuses[commitment.status],
                "target_date": commitment.target_date,
                "progress": percents[percent],
                "progress_window": window if percent is not None else None,
            }
        )
    for key, count in not_listed.items():
        if count:
            group(key)
    order = {key: i for i, key in enumerate(_group_order(outcomes))}
    return [groups[key] for key in sorted(groups, key=lambda k: order.get(k, len(order)))]
