"""GRF progress report: the figures printed in the PDF equal the registry's own queries, filters
narrow every figure, anonymised and hidden organisations are protected in public reports, the
contents list page numbers, and bad parameters are refused with a clear message."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from registry.audit import acting_as
from registry.dashboard.queries import dashboard_figures
from registry.disclosure import forget_kept
from registry.extensions import db as _db
from registry.models import (
    Commitment,
    CommitmentStatus,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.progress.queries import reporting_rows, rollup_by_key_outcome
from registry.reports import grf, grf_data
from registry.reports.common import ReportParameterError
from registry.reports.render import render_pdf

ANONYMISED = "Secret Refugee Collective"
HIDDEN = "Hidden Media House"
HIDDEN_ACHIEVEMENT = "Trained forty hidden moderators"
GENERATED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def dataset(db, pledge, make_org):
    """Organisations of several types and regions (one anonymised, one hidden), signatures in
    several states, commitments in several statuses and key outcomes, old and new, two
    progress windows with verified, submitted and draft updates, and a second pledge."""
    now = utcnow()
    outcomes = pledge.key_outcomes
    orgs = [
        make_org(
            name="Acme Platforms",
            stakeholder_type=StakeholderType.technology_company,
            country="USA",
        ),
        make_org(name="Kenya Voices", stakeholder_type=StakeholderType.national_ngo),
        make_org(
            name=ANONYMISED,
            stakeholder_type=StakeholderType.refugee_led_organisation,
            country="KEN",
            visibility=Visibility.anonymised,
        ),
        make_org(
            name=HIDDEN,
            stakeholder_type=StakeholderType.media_outlet,
            country="DEU",
            visibility=Visibility.hidden,
        ),
        make_org(name="Andes University", stakeholder_type=StakeholderType.academia, country="COL"),
        make_org(name="Pending Ministry", stakeholder_type=StakeholderType.state, country="DEU"),
        make_org(name="Berlin Watch", stakeholder_type=StakeholderType.national_ngo, country="DEU"),
    ]
    with acting_as(label="test-setup"):
        other = Pledge(slug="other", title="Other pledge", forum="GRF 2023")
        db.session.add(other)
        closed = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2025 review",
            opens_at=now - timedelta(days=200),
            closes_at=now - timedelta(days=100),
        )
        current = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2026 review",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=20),
        )
        db.session.add_all([closed, current])
        statuses = [SignatureStatus.accepted] * 5 + [
            SignatureStatus.submitted,
            SignatureStatus.accepted,
        ]
        signatures = [
            Signature(pledge=pledge, organisation=org, status=status)
            for org, status in zip(orgs, statuses, strict=True)
        ]
        # Signing a second pledge: counted there (and in "all"), not for the first pledge.
        signatures.append(
            Signature(pledge=other, organisation=orgs[4], status=SignatureStatus.accepted)
        )
        db.session.add_all(signatures)
        old, new = now - timedelta(days=300), now - timedelta(days=50)
        plan = [
            # (signature, status, key outcome, created)
            (0, CommitmentStatus.planning, 0, old),
            (0, CommitmentStatus.in_progress, 1, old),
            (1, CommitmentStatus.in_progress, 1, new),
            (1, CommitmentStatus.fulfilled, 2, old),
            (2, CommitmentStatus.in_progress, 1, new),
            (3, CommitmentStatus.fulfilled, 0, old),
            (4, CommitmentStatus.discontinued, None, new),
            (5, CommitmentStatus.planning, 0, new),  # submitted signature: not counted
            (6, CommitmentStatus.in_progress, 2, old),
            (7, CommitmentStatus.planning, None, new),  # the other pledge
        ]
        commitments = [
            Commitment(
                signature=signatures[s],
                title=f"Commitment {i}",
                status=status,
                key_outcome=outcomes[ko] if ko is not None else None,
                target_date=date(2027, 12, 31),
                created_at=created,
                pledged_at=created,
            )
            for i, (s, status, ko, created) in enumerate(plan)
        ]
        db.session.add_all(commitments)
        updates = [
            # (commitment, window, state, percent, achievements)
            (0, closed, ReviewState.verified, 40, "Launched a reporting channel"),
            (1, closed, ReviewState.submitted, 10, None),
            (2, closed, ReviewState.draft, None, None),  # a draft is not a report
            (3, closed, ReviewState.verified, 100, "Published the study"),
            (0, current, ReviewState.submitted, 60, None),
            (4, current, ReviewState.verified, 30, "Anonymous achievement"),
            (5, current, ReviewState.verified, 100, HIDDEN_ACHIEVEMENT),
            (8, current, ReviewState.returned, 20, None),
            (2, current, ReviewState.draft, None, None),
            (7, current, ReviewState.submitted, 50, None),  # signature not accepted
        ]
        for c, window, state, percent, achievements in updates:
            db.session.add(
                ProgressUpdate(
                    commitment=commitments[c],
                    window=window,
                    status=commitments[c].status,
                    review_state=state,
                    progress_percent=percent,
                    achievements=achievements,
                    reviewed_at=now - timedelta(days=5) if state is ReviewState.verified else None,
                )
            )
        db.session.commit()
    return {"pledge": pledge, "other": other, "closed": closed, "current": current}


def _report(raw: dict) -> tuple[dict, dict, PdfReader, list[str]]:
    params = grf.parse_params(raw)
    data = grf.gather(params)
    html = grf.render_html(params, data, fingerprint="f" * 64, generated_at=GENERATED_AT)
    reader = PdfReader(io.BytesIO(render_pdf(html).pdf))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    return params, data, reader, pages


def _summary(pages: list[str]) -> str:
    text = " ".join(pages)
    start = text.index("Summary figures Of ")
    return text[start : text.index("Roll-up per key outcome", start)]


def _number(text: str, label: str) -> int | str:
    """The figure printed after its label: a key figure's large number, a count table's cell
    (a number, or "fewer than 3" for a small group)."""
    match = re.search(re.escape(" ".join(label.split())) + r" (\d+|fewer than \d+)", text)
    assert match, f"{label!r} not printed"
    value = match.group(1)
    return int(value) if value.isdigit() else value


def _as_public(rows: list[dict], key: str) -> dict:
    """Breakdown rows as a public report prints them: a count of fewer than 3 organisations
    is "fewer than 3" (counts of commitments are always exact)."""
    small = key.startswith("signatories")
    return {
        row["label"]: "fewer than 3" if small and 0 < row["count"] < 3 else row["count"]
        for row in rows
    }


def _section(summary: str, heading: str, following: str | None) -> str:
    start = summary.index(heading) + len(heading)
    return summary[start : summary.index(following, start)] if following else summary[start:]


HEADINGS = [
    ("signatories_by_stakeholder_type", "Signatories by stakeholder type"),
    ("signatories_by_region", "Signatories by region"),
    ("commitments_by_status", "Commitments by status"),
    ("commitments_by_key_outcome", "Commitments by key outcome"),
]


def _printed_breakdowns(summary: str, figures: dict) -> dict[str, dict]:
    """{figure: {label: printed count}} for every label the expected figure has."""
    printed = {}
    for i, (key, heading) in enumerate(HEADINGS):
        following = HEADINGS[i + 1][1] if i + 1 < len(HEADINGS) else None
        section = _section(summary, heading, following)
        printed[key] = {row["label"]: _number(section, row["label"]) for row in figures[key]}
    return printed


def _as_labels(rows: list[dict]) -> dict[str, int]:
    return {row["label"]: row["count"] for row in rows}


def _new_since(db, pledge, boundary, now) -> int:
    return sum(
        1
        for c in db.session.scalars(select(Commitment))
        if c.signature.pledge_id == pledge.id
        and c.signature.status is SignatureStatus.accepted
        and boundary < c.pledged_at <= now
    )


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_summary_figures_equal_the_registry_queries(db, dataset, audience):
    pledge = dataset["pledge"]
    _params, data, _reader, pages = _report({"pledge": pledge.slug, "audience": audience})
    expected = dashboard_figures(pledge, data["now"])
    summary = _summary(pages)

    printed = _printed_breakdowns(summary, expected)
    for key, _heading in HEADINGS:
        if audience == "internal":
            assert printed[key] == _as_labels(expected[key]), key
        else:
            assert printed[key] == _as_public(expected[key], key), key
    assert (
        _number(summary, "Signatories")
        == 6
        == sum(r["count"] for r in expected["signatories_by_stakeholder_type"])
    )
    assert (
        _number(summary, "Commitments")
        == 8
        == sum(r["count"] for r in expected["commitments_by_status"])
    )
    assert _number(summary, "Fulfilled") == 2
    share = expected["reporting_share"]
    assert (share["reported"], share["total"]) == (4, 8)
    # The key figure: the share large, "reported of total" under it.
    assert re.search(rf"Reported in the cycle {share['share']:g} % ?4 of 8", summary)
    new = _new_since(db, pledge, dataset["closed"].closes_at, data["now"])
    assert _number(summary, "New since last cycle") == new == 3

    # The roll-up printed per key outcome is rollup_by_key_outcome in the same window.
    rollup = rollup_by_key_outcome(pledge, dataset["current"])
    assert [r["commitments"] for r in data["rollups"][0][2]] == [r["commitments"] for r in rollup]
    assert [r["reported"] for r in data["rollups"][0][2]] == [r["reported"] for r in rollup]
    assert sum(r["reported"] for r in rollup) <= share["reported"]


def test_counting_rows_agrees_with_the_registry_queries(db, dataset, monkeypatch):
    """The filtered path (counting gathered rows) equals the registry's queries unfiltered."""
    params = grf.parse_params({"pledge": "all", "audience": "internal"})
    registry = grf.gather(params)
    monkeypatch.setattr(grf_data, "_is_filtered", lambda params: True)
    counted = grf.gather(params)
    for key in ("reporting", "signatories", "commitments", "fulfilled", "new_since_last_cycle"):
        assert counted["figures"][key] == registry["figures"][key], key
    for key, _heading in HEADINGS:
        assert _as_labels(counted["figures"][key]) == _as_labels(registry["figures"][key]), key
    strip = [
        [{k: v for k, v in row.items() if k != "highlights"} for row in rows]
        for _p, _w, rows in registry["rollups"]
    ]
    assert strip == [rows for _p, _w, rows in counted["rollups"]]


def test_all_pledges_count_each_signatory_once(db, dataset):
    _params, data, reader, pages = _report({"pledge": "all"})
    expected = dashboard_figures(None, data["now"])
    summary = _summary(pages)
    assert _number(summary, "Signatories") == 6
    assert _number(summary, "Commitments") == 9
    printed = _printed_breakdowns(summary, expected)
    for key, _heading in HEADINGS:
        assert printed[key] == _as_public(expected[key], key), key
    assert reader.metadata.title == "GRF progress report: all pledges"


def test_filters_narrow_every_figure(db, dataset):
    pledge = dataset["pledge"]
    _params, data, _reader, pages = _report(
        {"pledge": pledge.slug, "stakeholder_type": "national_ngo", "region": "europe"}
    )
    summary = _summary(pages)
    # Only Berlin Watch (a national NGO in Europe): one commitment, in progress, returned. A
    # filter that leaves fewer than 3 organisations does not say how many (small groups).
    assert _number(summary, "Signatories") == "fewer than 3"
    assert _number(summary, "Commitments") == 1
    assert _number(summary, "Fulfilled") == 0
    assert re.search(r"Reported in the cycle 100 % ?1 of 1", summary)
    assert _number(summary, "New since last cycle") == 0
    assert (
        _number(_section(summary, "Signatories by region", "Commitments by status"), "Europe")
        == "fewer than 3"
    )
    assert "Kenya Voices" not in " ".join(pages)
    assert [a["title"] for g in data["annex"] for a in g["items"]] == ["Commitment 8"]
    assert "Only organisations of the selected stakeholder type and region" in " ".join(pages)


def test_window_parameter_reports_that_cycle(db, dataset):
    pledge, closed = dataset["pledge"], dataset["closed"]
    _params, data, _reader, pages = _report({"pledge": pledge.slug, "window": closed.id})
    rows = reporting_rows(pledge, closed)
    reported = sum(r.status == "reported" for r in rows)
    assert (reported, len(rows)) == (3, 8)
    assert re.search(rf"Reported in the cycle [\d.]+ % ?{reported} of {len(rows)}", _summary(pages))
    assert "Reporting window: 2025 review" in pages[0]
    # The cycle before the first one does not exist: nothing is "new since" it.
    assert re.search(
        r"New since last cycle — ?not applicable \(no earlier cycle\)", _summary(pages)
    )


def test_without_a_window_the_report_covers_the_cycle_just_reviewed(db, dataset):
    """The current cycle closed and the next is scheduled: the report (like the dashboard)
    covers the cycle just reviewed, not the one that has not opened yet."""
    pledge, current = dataset["pledge"], dataset["current"]
    with acting_as(label="test-setup"):
        current.is_manually_closed = True
        db.session.add(
            SubmissionWindow(
                pledge=pledge,
                kind=WindowKind.progress,
                label="2027 review",
                opens_at=utcnow() + timedelta(days=30),
            )
        )
        db.session.commit()
    params = grf.parse_params({"pledge": pledge.slug})
    cycle = grf.gather(params)["cycles"][0]
    assert (cycle["window"], cycle["previous"]) == (current, dataset["closed"])


def test_public_report_protects_anonymised_and_hidden_organisations(db, dataset):
    _params, data, reader, pages = _report({"pledge": dataset["pledge"].slug})
    text = " ".join(pages)
    assert ANONYMISED not in text
    assert HIDDEN not in text
    assert HIDDEN_ACHIEVEMENT not in text
    # The only anonymised organisation: by type only; its words await approval.
    assert "— A refugee-led organisation ·" in text
    assert "in East and Horn of Africa" not in text
    assert "Anonymous achievement" not in text and "Commitment 4" not in text
    # The hidden organisation's commitment is only counted, never an item.
    assert "and 1 commitment of organisations that are not listed" in text
    assert "— An organisation that asked not to be listed" not in text
    assert "Internal — not for distribution" not in text
    assert sum(len(g["items"]) for g in data["annex"]) == 7
    assert sum(g["not_listed"] for g in data["annex"]) == 1
    assert any("— Acme Platforms ·" in p for p in pages)
    assert "Data fingerprint: " + "f" * 64 in pages[0]


def test_internal_report_names_everyone_on_marked_pages(db, dataset):
    _params, _data, reader, pages = _report(
        {"pledge": "digital-protection", "audience": "internal"}
    )
    text = " ".join(pages)
    assert ANONYMISED in text
    assert HIDDEN in text
    assert HIDDEN_ACHIEVEMENT in text
    assert all("Internal — not for distribution" in p for p in pages)


def test_contents_list_page_numbers_and_metadata(db, dataset):
    params, data, reader, pages = _report({"pledge": dataset["pledge"].slug})
    toc = pages[1]
    summary_page = next(i for i, p in enumerate(pages) if "Summary figures Of " in p) + 1
    annex_page = (
        next(i for i, p in enumerate(pages) if "Annex: all commitments Grouped by key outcome" in p)
        + 1
    )
    assert int(re.search(r"Summary figures\W*(\d+)", toc).group(1)) == summary_page
    assert int(re.search(r"Annex: all commitments\W*(\d+)", toc).group(1)) == annex_page
    for heading in ("Roll-up per key outcome", "Charts", "Highlights", "Methodology"):
        assert re.search(re.escape(heading) + r"[^0-9]*\d+", toc), heading
    assert reader.metadata.title == grf.title(params, data)
    assert reader.metadata.title.startswith("GRF progress report: Digital Protection")
    assert f"Page 1 of {len(pages)}" in pages[0]


def test_every_page_carries_the_running_header(db, dataset):
    """The report's title heads every page, the cover included (it was printed once in the
    whole PDF while the header read a hidden element)."""
    params, data, _reader, pages = _report({"pledge": dataset["pledge"].slug})
    heading = grf.title(params, data)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert text.count(heading) >= 1, f"page {number} has no running header"
        assert f"Page {number} of {len(pages)}" in text
    # Only the header repeats it: once per page beyond the cover's own title.
    assert " ".join(pages).count(heading) == len(pages) + 1


def test_gather_uses_a_fixed_number_of_statements(db, dataset):
    pledge_id, window_id = dataset["pledge"].id, dataset["current"].id
    params = grf.parse_params({"pledge": dataset["pledge"].slug})

    def statements() -> int:
        count = 0

        def tick(*_args, **_kwargs):
            nonlocal count
            count += 1

        db.session.expunge_all()
        forget_kept()  # both measured with the protected organisations loaded afresh
        event.listen(_db.engine, "before_cursor_execute", tick)
        try:
            grf.gather(params)
        finally:
            event.remove(_db.engine, "before_cursor_execute", tick)
        return count

    before = statements()
    with acting_as(label="test-setup"):
        signature = db.session.scalars(
            select(Signature).where(Signature.pledge_id == pledge_id)
        ).first()
        for i in range(20):
            commitment = Commitment(signature=signature, title=f"More {i}")
            db.session.add(commitment)
            db.session.add(
                ProgressUpdate(
                    commitment=commitment,
                    window_id=window_id,
                    status=CommitmentStatus.planning,
                    review_state=ReviewState.verified,
                    achievements="More",
                    reviewed_at=utcnow(),
                )
            )
        db.session.commit()
    assert statements() == before


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pledge": "digital-protection", "colour": "red"}, "Unknown report parameter"),
        ({}, "'pledge' is required"),
        ({"pledge": "nope"}, "There is no pledge 'nope'"),
        ({"pledge": "all", "as_of": "2025-13-01"}, "YYYY-MM-DD"),
        ({"pledge": "all", "as_of": "1 May 2025"}, "YYYY-MM-DD"),
        ({"pledge": "all", "as_of": "2999-01-01"}, "in the future"),
        ({"pledge": "all", "audience": "press"}, "Audience must be one of"),
        ({"pledge": "all", "stakeholder_type": "pirates"}, "'stakeholder_type' must be one of"),
        ({"pledge": "all", "region": "Europe"}, "'region' must be one of"),
        ({"pledge": "all", "window": "x"}, "whole number"),
        ({"pledge": "all", "window": 1}, "belongs to one pledge"),
        ({"pledge": "digital-protection", "window": 999}, "no progress window 999"),
        ({"pledge": "digital-protection", "window": 1, "as_of": "2025-01-01"}, "not both"),
    ],
)
def test_parse_params_refuses_bad_input(db, pledge, raw, message):
    with pytest.raises(ReportParameterError, match=re.escape(message)) as error:
        grf.parse_params(raw)
    assert "\n" not in str(error.value)


def test_parse_params_normalises(db, pledge):
    assert grf.parse_params(
        {"pledge": "digital-protection", "as_of": "2025-06-30", "region": "europe", "window": ""}
    ) == {
        "pledge": "digital-protection",
        "as_of": "2025-06-30",
        "window": None,
        "stakeholder_type": None,
        "region": "europe",
        "audience": "public",
        "language": None,  # English, the default: no key in the stored parameters
    }


def test_commitments_by_status_counter_matches(db, dataset):
    """Sanity check of the dataset: the statuses the report counts are the accepted ones."""
    accepted = [
        c
        for c in db.session.scalars(select(Commitment))
        if c.signature.status is SignatureStatus.accepted
        and c.signature.pledge_id == dataset["pledge"].id
    ]
    assert Counter(c.status.name for c in accepted) == {
        "planning": 1,
        "in_progress": 4,
        "fulfilled": 2,
        "discontinued": 1,
    }


def test_annex_lists_every_commitment_once_under_its_key_outcome(db, dataset):
    pledge = dataset["pledge"]
    _params, data, _reader, pages = _report({"pledge": pledge.slug})
    text = " ".join(pages)
    annex = text[text.index("Annex: all commitments Grouped") : text.index("Methodology All data")]
    outcomes = [o.title for o in pledge.key_outcomes]
    # Outcomes in the pledge's order with their counts; commitments without one come last.
    headings = [
        f"{outcomes[0]} (2)",
        f"{outcomes[1]} (3)",
        f"{outcomes[2]} (2)",
        "No key outcome (1)",
    ]
    positions = [annex.index(h) for h in headings]
    assert positions == sorted(positions)
    for n in (0, 1, 2, 3, 6, 8):
        assert annex.count(f"Commitment {n} —") == 1, n
    assert "Commitment 7 —" not in annex  # a submitted signature is not in the report
    # The anonymised organisation's commitment, its title awaiting approval; the hidden one's
    # only counted, under the first outcome.
    assert annex.count("A commitment — A refugee-led organisation") == 1
    assert "Commitment 5" not in annex
    hidden_note = annex.index("and 1 commitment of organisations that are not listed")
    assert positions[0] < hidden_note < positions[1]
    assert (
        "Commitment 0 — Acme Platforms · Planning · target 2027-12-31 · 40 % (2025 review)" in annex
    )
    assert "Commitment 1 — Acme Platforms · In progress · target 2027-12-31 · not reported" in annex


def test_status_cross_tables_and_indicators_per_key_outcome(db, dataset):
    """Status by stakeholder type and by region count the commitments in scope; indicators add
    up per key outcome where the units agree (case-blind), from the latest verified actuals."""
    pledge = dataset["pledge"]
    with acting_as(label="test-setup"):
        by_title = {c.title: c for c in db.session.scalars(select(Commitment))}
        for title, unit, target in (
            ("Commitment 0", "people", 100),
            ("Commitment 5", "People ", 50),
            ("Commitment 1", "sessions", 10),
        ):
            by_title[title].indicator_unit, by_title[title].indicator_target = unit, target
        for update in by_title["Commitment 0"].progress_updates:
            update.actual_value = 40  # verified in the closed window; the other is submitted
        for update in by_title["Commitment 5"].progress_updates:
            update.actual_value = 45
        db.session.commit()
    figures = grf.gather(grf.parse_params({"pledge": pledge.slug, "audience": "internal"}))[
        "figures"
    ]
    accepted = [
        c
        for c in db.session.scalars(select(Commitment))
        if c.signature.status is SignatureStatus.accepted and c.signature.pledge_id == pledge.id
    ]
    by_type = {row["label"]: row["counts"] for row in figures["status_by_stakeholder_type"]}
    expected = {}
    for c in accepted:
        counts = expected.setdefault(c.signature.organisation.stakeholder_type.label, Counter())
        counts[c.status.name] += 1
    assert by_type == {label: dict(counts) for label, counts in expected.items()}
    assert sum(r["total"] for r in figures["status_by_region"]) == len(accepted) == 8
    outcomes = [o.title for o in pledge.key_outcomes]
    assert [
        (r["key_outcome"], r["unit"], r["commitments"], r["target"], r["actual"], r["share"])
        for r in figures["indicators"]
    ] == [
        (outcomes[0], "people", 2, 150.0, 85.0, 56.7),
        (outcomes[1], "sessions", 1, 10.0, 0.0, 0.0),
    ]


def test_highlights_are_the_verified_updates_with_achievements_read_in_batches(db, dataset):
    """The figures read updates as plain rows; the highlights read in full only those they
    may print, in batches that keep the most-recently-verified-first order."""
    params = grf.parse_params({"pledge": dataset["pledge"].slug, "audience": "public"})
    data = grf.gather(params)
    printed = [
        item["report"].achievements for outcome in data["highlights"] for item in outcome["items"]
    ]
    assert "Launched a reporting channel" in printed
    assert "Published the study" in printed
    assert HIDDEN_ACHIEVEMENT not in printed  # a hidden organisation's commitment
    rows = grf_data._updates(dataset["pledge"], params)
    in_full = list(grf_data.updates_in_full(rows, batch=2))
    assert [u.id for u in in_full] == [r.id for r in rows]
    assert all(isinstance(u, ProgressUpdate) and u.window.label for u in in_full)
