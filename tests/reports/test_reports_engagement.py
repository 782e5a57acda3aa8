"""Engagement report: every figure equals counting the records, filters, and it is internal."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from registry.audit import acting_as
from registry.dashboard.queries import CURRENT_STAGES, conversions, engagements_by_kind
from registry.models import (
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    GeographicLevel,
    StakeholderType,
    VocabularyKind,
    VocabularyTerm,
    utcnow,
)
from registry.reports import engagement
from registry.reports.common import ReportParameterError
from registry.reports.render import render_pdf

S = EngagementStage


@pytest.fixture
def engagement_data(db, make_org):
    """Targets at every stage and partnerships in three regions, with levels, purpose areas,
    coordination structures, and two conversions (10 and 30 days)."""
    now = utcnow()
    kenya = make_org(name="Kenyan NGO", country="KEN")
    germany = make_org(name="German company", country="DEU", stakeholder_type=StakeholderType.state)
    colombia = make_org(name="Colombian outlet", country="COL")
    areas = db.session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.kind == VocabularyKind.action_area)
        .order_by(VocabularyTerm.position)
    ).all()
    structures = db.session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.kind == VocabularyKind.coordination_structure)
        .order_by(VocabularyTerm.position)
    ).all()

    def record(org, kind, stage=None, **fields):
        item = EngagementRecord(organisation=org, kind=kind, title=f"{org.name} {kind.name}")
        for key, value in fields.items():
            setattr(item, key, value)
        if stage is not None:
            item.stage = stage
        return item

    target, partner = EngagementKind.advocacy_target, EngagementKind.partnership
    with acting_as(label="test-setup"), db.session.no_autoflush:
        records = [
            record(
                kenya,
                target,
                geographic_level=GeographicLevel.national,
                purpose_areas=[areas[0], areas[1]],
                coordination_structure=structures[0],
            ),
            record(kenya, target, S.engaged, purpose_areas=[areas[0]]),
            record(germany, target, S.closed, geographic_level=GeographicLevel.global_),
            record(
                colombia,
                partner,
                S.active,
                geographic_level=GeographicLevel.local,
                purpose_areas=[areas[1]],
                coordination_structure=structures[1],
            ),
            record(germany, partner, S.completed),
        ]
        first = record(
            kenya,
            target,
            S.committed,
            identified_at=now - timedelta(days=10),
            purpose_areas=[areas[2]],
            coordination_structure=structures[0],
            geographic_level=GeographicLevel.national,
        )
        second = record(germany, target, S.committed, identified_at=now - timedelta(days=40))
        records += [first, second]
        db.session.add_all(records)
        db.session.flush()
        records.append(first.convert(None, now))
        records.append(second.convert(None, now - timedelta(days=10)))
        db.session.add_all(records)
        db.session.commit()
    return {"areas": areas, "structures": structures}


def _current(records):
    return [r for r in records if r.stage in CURRENT_STAGES[r.kind]]


def _all_records(db):
    return db.session.scalars(select(EngagementRecord)).all()


def _counted(rows):
    return {
        (row["key"], kind): row[kind]
        for row in rows
        for kind in ("partnership", "advocacy_target")
        if row[kind]
    }


def test_contract_and_parameters(db):
    assert engagement.KIND == "engagement"
    assert engagement.INTERNAL_ONLY is True
    assert engagement.parse_params({}) == {"audience": "internal"}
    assert engagement.parse_params({"region": "europe", "kind": "partnership"}) == {
        "audience": "internal",
        "region": "europe",
        "kind": "partnership",
    }
    for raw, message in (
        ({"region": "atlantis"}, "'region' must be one of"),
        ({"kind": "friend"}, "'kind' must be one of"),
        ({"audience": "public"}, "internal only"),
        ({"since": "2020"}, "Unknown report parameter"),
    ):
        with pytest.raises(ReportParameterError, match=message):
            engagement.parse_params(raw)


def test_breakdowns_equal_counting_records(db, engagement_data):
    params = engagement.parse_params({})
    current = _current(_all_records(db))

    by_region = Counter((r.organisation.region.name, r.kind.name) for r in current)
    assert _counted(engagement.by_region(params)) == by_region

    by_level = Counter(
        (r.geographic_level.name if r.geographic_level else None, r.kind.name) for r in current
    )
    assert _counted(engagement.by_geographic_level(params)) == by_level

    by_purpose = Counter(
        (term.id, r.kind.name) for r in current for term in r.purpose_areas
    ) + Counter((None, r.kind.name) for r in current if not r.purpose_areas)
    assert _counted(engagement.by_purpose_area(params)) == by_purpose

    by_structure = Counter((r.coordination_structure_id, r.kind.name) for r in current)
    assert _counted(engagement.by_coordination_structure(params)) == by_structure

    # The totals are the dashboard's "current" figures.
    data = engagement.gather(params)
    dashboard = {row["key"]: row["count"] for row in engagements_by_kind()}
    assert data["totals"] == dashboard == {"partnership": 3, "advocacy_target": 2}


def test_funnel_and_time_to_convert(db, engagement_data):
    params = engagement.parse_params({})
    funnel = engagement.conversion_funnel(params)
    assert [(s["key"], s["count"], s["now"]) for s in funnel["steps"]] == [
        ("identified", 5, 1),
        ("engaged", 3, 1),
        ("committed", 2, 0),
        ("converted", 2, 2),
    ]
    assert funnel["closed"] == 1
    timing = engagement.time_to_convert(params)
    targets = [r for r in _all_records(db) if r.converted_at and r.kind.name == "advocacy_target"]
    days = [(r.converted_at - r.identified_at).total_seconds() / 86400 for r in targets]
    assert timing == {
        "count": 2,
        "median_days": round(statistics.median(days), 1),
        "min_days": round(min(days), 1),
        "max_days": round(max(days), 1),
    }
    assert (timing["min_days"], timing["max_days"]) == (10.0, 30.0)
    assert timing["median_days"] == conversions()["median_days"]


def test_filters(db, engagement_data):
    europe = engagement.parse_params({"region": "europe"})
    rows = engagement.by_region(europe)
    assert [row["key"] for row in rows] == ["europe"]
    assert engagement.conversion_funnel(europe)["steps"][0]["count"] == 2  # closed + converted
    assert engagement.time_to_convert(europe)["count"] == 1

    partners = engagement.parse_params({"kind": "partnership"})
    data = engagement.gather(partners)
    assert data["totals"]["advocacy_target"] == 0
    assert data["show_funnel"] is False
    assert engagement.title(partners, data) == "Engagement report: Partnership"


def test_pdf_is_internal_on_every_page_with_charts(db, engagement_data):
    params = engagement.parse_params({})
    data = engagement.gather(params)
    html = engagement.render_html(params, data, fingerprint="abc", generated_at=utcnow())
    assert html.count("<svg") == 1 + 4 * 2 + 1  # totals, two per breakdown, funnel
    assert "<script" not in html
    rendered = render_pdf(html)
    reader = PdfReader(BytesIO(rendered.pdf))
    assert len(reader.pages) == rendered.pages >= 6
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Internal — not for distribution" in text, number
        assert "Engagement report" in text, number  # the running header
        assert f"Page {number} of {rendered.pages}" in text
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("Conversion funnel", "Time to convert", "Median days", "Europe"):
        assert expected in text
    assert reader.metadata.title == "Engagement report"
