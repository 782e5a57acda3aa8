"""The dashboard: every figure equals counting the rows, charts are safe SVG, figures link to
the lists behind them, and only staff see it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from registry.audit import acting_as
from registry.charts import bar_chart, pie_chart
from registry.dashboard import queries as figures
from registry.models import (
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    WindowKind,
    utcnow,
)

URL = "/coordinate/dashboard"
EVIL = "<script>alert('x')</script>"


@pytest.fixture
def dataset(db, pledge, make_org):
    """Organisations of several types and regions, signatures in every state, commitments
    in several statuses and key outcomes, two progress windows and engagement records."""
    now = utcnow()
    outcomes = pledge.key_outcomes
    orgs = [
        make_org(name=EVIL, stakeholder_type=StakeholderType.technology_company, country="USA"),
        make_org(stakeholder_type=StakeholderType.national_ngo, country="KEN"),
        make_org(stakeholder_type=StakeholderType.national_ngo, country="DEU"),
        make_org(stakeholder_type=StakeholderType.refugee_led_organisation, country="KEN"),
        make_org(stakeholder_type=StakeholderType.academia, country="COL"),
        make_org(stakeholder_type=StakeholderType.state, country="DEU"),
    ]
    with acting_as(label="test-setup"):
        outcomes[1].title = f"Outcome {EVIL}"
        other = Pledge(slug="other", title="Other pledge")
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
        statuses = [
            SignatureStatus.accepted,
            SignatureStatus.accepted,
            SignatureStatus.accepted,
            SignatureStatus.accepted,
            SignatureStatus.submitted,
            SignatureStatus.rejected,
        ]
        signatures = [
            Signature(pledge=pledge, organisation=org, status=status)
            for org, status in zip(orgs, statuses, strict=True)
        ]
        # An organisation signing a second pledge; counted there, not for the first pledge.
        signatures.append(
            Signature(pledge=other, organisation=orgs[4], status=SignatureStatus.accepted)
        )
        db.session.add_all(signatures)
        plan = [
            (0, CommitmentStatus.planning, 0),
            (0, CommitmentStatus.in_progress, 1),
            (1, CommitmentStatus.in_progress, 1),
            (1, CommitmentStatus.fulfilled, 2),
            (2, CommitmentStatus.discontinued, None),
            (3, CommitmentStatus.in_progress, 0),
            (4, CommitmentStatus.planning, 0),  # submitted signature: not counted
            (6, CommitmentStatus.planning, None),  # the other pledge
        ]
        commitments = [
            Commitment(
                signature=signatures[s],
                title=f"Commitment {i}",
                status=status,
                key_outcome=outcomes[ko] if ko is not None else None,
            )
            for i, (s, status, ko) in enumerate(plan)
        ]
        db.session.add_all(commitments)
        updates = [
            (0, closed, ReviewState.verified),
            (1, closed, ReviewState.submitted),
            (2, closed, ReviewState.draft),  # a draft is not a report
            (0, current, ReviewState.submitted),
            (3, current, ReviewState.returned),
            (5, current, ReviewState.draft),
            (6, current, ReviewState.submitted),  # signature not accepted
        ]
        db.session.add_all(
            ProgressUpdate(
                commitment=commitments[c],
                window=window,
                status=CommitmentStatus.in_progress,
                review_state=state,
            )
            for c, window, state in updates
        )
        this_year = datetime(now.year, 1, 1, tzinfo=UTC)
        converted_target = EngagementRecord(
            organisation=orgs[0],
            kind=EngagementKind.advocacy_target,
            title="Moderate Somali hate speech",
            created_at=now - timedelta(days=12),
        )
        converted_target.stage = EngagementStage.committed
        old_target = EngagementRecord(
            organisation=orgs[5],
            kind=EngagementKind.advocacy_target,
            title="Earlier conversion",
            created_at=this_year - timedelta(days=400),
        )
        old_target.stage = EngagementStage.committed
        closed_target = EngagementRecord(
            organisation=orgs[5], kind=EngagementKind.advocacy_target, title="Gave up"
        )
        closed_target.stage = EngagementStage.closed
        records = [
            converted_target,
            old_target,
            closed_target,
            EngagementRecord(
                organisation=orgs[2], kind=EngagementKind.advocacy_target, title="New"
            ),
            EngagementRecord(organisation=orgs[1], kind=EngagementKind.partnership, title="P"),
        ]
        db.session.add_all(records)
        db.session.flush()
        # Converted 12 days after it was recorded (now, so this year), and 20 days (last year).
        with db.session.no_autoflush:
            records.append(converted_target.convert(None, now))
            records.append(old_target.convert(None, this_year - timedelta(days=380)))
        db.session.add_all(records)
        db.session.commit()
    return {"pledge": pledge, "other": other, "closed": closed, "current": current}


def _accepted_commitments(db, pledge=None):
    return [
        c
        for c in db.session.scalars(select(Commitment))
        if c.signature.status is SignatureStatus.accepted
        and (pledge is None or c.signature.pledge_id == pledge.id)
    ]


def _as_dict(rows):
    return {row["key"]: row["count"] for row in rows}


@pytest.mark.parametrize("scope", ["pledge", "all"])
def test_signatories_equal_counting_rows(db, dataset, scope):
    pledge = dataset["pledge"] if scope == "pledge" else None
    signatories = {
        s.organisation
        for s in db.session.scalars(select(Signature))
        if s.status is SignatureStatus.accepted and (pledge is None or s.pledge_id == pledge.id)
    }
    by_type = Counter(o.stakeholder_type.name for o in signatories)
    by_region = Counter(o.region.name for o in signatories)
    assert _as_dict(figures.signatories_by_stakeholder_type(pledge)) == by_type
    assert _as_dict(figures.signatories_by_region(pledge)) == by_region
    expected = {"national_ngo": 2, "technology_company": 1, "refugee_led_organisation": 1}
    if scope == "all":
        expected["academia"] = 1
    assert by_type == expected


@pytest.mark.parametrize("scope", ["pledge", "all"])
def test_commitments_equal_counting_rows(db, dataset, scope):
    pledge = dataset["pledge"] if scope == "pledge" else None
    commitments = _accepted_commitments(db, pledge)
    assert _as_dict(figures.commitments_by_status(pledge)) == Counter(
        c.status.name for c in commitments
    )
    assert _as_dict(figures.commitments_by_key_outcome(pledge)) == Counter(
        c.key_outcome_id for c in commitments
    )
    assert len(commitments) == (6 if pledge else 7)


def _reported(db, window, commitments):
    return {
        u.commitment_id
        for u in db.session.scalars(select(ProgressUpdate))
        if u.window_id == window.id and u.review_state is not ReviewState.draft
    } & {c.id for c in commitments}


def test_reporting_share_and_overdue_equal_counting_rows(db, dataset):
    pledge, current, closed = dataset["pledge"], dataset["current"], dataset["closed"]
    commitments = _accepted_commitments(db, pledge)
    share = figures.reporting_share(pledge)
    reported = _reported(db, current, commitments)
    assert (share["reported"], share["total"]) == (len(reported), len(commitments)) == (2, 6)
    assert share["share"] == round(100 * 2 / 6, 1)
    assert [w["window_id"] for w in share["windows"]] == [current.id]
    overdue = figures.overdue_commitments(pledge)
    missing = {c.id for c in commitments} - _reported(db, closed, commitments)
    assert overdue["overdue"] == len(missing) == 4
    assert [w["window_id"] for w in overdue["windows"]] == [closed.id]
    # Over all pledges: the other pledge has no progress window, so the same figures.
    assert figures.reporting_share(None)["reported"] == 2
    assert figures.overdue_commitments(None)["overdue"] == 4


def test_reporting_share_falls_back_to_the_latest_window(db, dataset):
    later = utcnow() + timedelta(days=60)
    share = figures.reporting_share(dataset["pledge"], now=later)
    assert share["windows"][0]["window_id"] == dataset["current"].id
    assert share["windows"][0]["is_open"] is False
    overdue = figures.overdue_commitments(dataset["pledge"], now=later)
    assert overdue["windows"][0]["window_id"] == dataset["current"].id
    assert overdue["overdue"] == 4


def test_headline_and_rollup_show_the_same_cycle_with_a_closed_and_a_scheduled_window(
    client, db, dataset, make_user, login_as
):
    """A closed window and one scheduled to open: the headline "reported in the current
    window", the roll-up per key outcome and the GRF report speak of the same cycle, the one
    just reviewed; the progress form speaks of the one to come."""
    pledge, closed = dataset["pledge"], dataset["current"]
    now = utcnow()
    with acting_as(label="test-setup"):
        closed.is_manually_closed = True
        scheduled = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2027 review",
            opens_at=now + timedelta(days=30),
            closes_at=now + timedelta(days=60),
        )
        db.session.add(scheduled)
        db.session.commit()
    headline = figures.reporting_share(pledge)["windows"]
    assert [w["window_id"] for w in headline] == [closed.id]
    assert pledge.reporting_window(now) is closed
    assert pledge.current_window(WindowKind.progress, now) is scheduled
    assert [w["window_id"] for w in figures.overdue_commitments(pledge)["windows"]] == [closed.id]
    login_as(make_user(role=Role.coordinator))
    page = client.get(URL, query_string={"pledge": pledge.slug}).get_data(as_text=True)
    assert f"Reporting in {closed.label}" in page
    assert "2027 review" not in page


def test_a_cycle_not_open_yet_is_due_not_overdue(client, db, pledge, make_user, login_as):
    """Before the first progress window opens, the headline shows it as not open yet and its
    missing reports as due (a commitment cannot be late for a form that never opened)."""
    now = utcnow()
    with acting_as(label="test-setup"):
        scheduled = SubmissionWindow(
            pledge=pledge, kind=WindowKind.progress, label="First review",
            opens_at=now + timedelta(days=30),
        )  # fmt: skip
        db.session.add(scheduled)
        db.session.commit()
    row = figures.reporting_share(pledge)["windows"][0]
    assert (row["window_id"], row["is_open"], row["missing_status"]) == (scheduled.id, False, "due")
    login_as(make_user(role=Role.coordinator))
    page = client.get(URL, query_string={"pledge": pledge.slug}).get_data(as_text=True)
    assert "First review (not open yet)" in page and "reporting_status=overdue" not in page


def test_overlapping_open_windows_give_one_cycle_whatever_their_order(db, dataset):
    """Two progress windows open at once: every figure takes the one that opened last."""
    pledge, current = dataset["pledge"], dataset["current"]
    now = utcnow()
    with acting_as(label="test-setup"):
        newer = SubmissionWindow(
            pledge=pledge, kind=WindowKind.progress, label="Extra review",
            opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=5),
        )  # fmt: skip
        db.session.add(newer)
        db.session.commit()
    windows = [current, newer, dataset["closed"]]
    for order in (windows, windows[::-1]):
        assert SubmissionWindow.reporting_cycle(order, now) is newer
        assert SubmissionWindow.current(order, now) is newer
    assert [w["window_id"] for w in figures.reporting_share(pledge)["windows"]] == [newer.id]


def test_engagements_and_conversions_equal_counting_rows(db, dataset):
    records = list(db.session.scalars(select(EngagementRecord)))
    current = Counter(r.kind.name for r in records if r.stage in figures.CURRENT_STAGES[r.kind])
    every = Counter(r.kind.name for r in records)
    rows = figures.engagements_by_kind()
    assert {r["key"]: r["count"] for r in rows} == current
    assert {r["key"]: r["all"] for r in rows} == every
    assert current == {"partnership": 3, "advocacy_target": 1}
    year = utcnow().year
    converted = [r for r in records if r.kind is EngagementKind.advocacy_target and r.converted_at]
    result = figures.conversions()
    assert result["this_year"] == sum(r.converted_at.year == year for r in converted) == 1
    assert result["all_time"] == 2
    assert result["median_days"] == 16.0  # median of 12 and 20 days


def test_conversions_without_any(db, pledge):
    assert figures.conversions() == {
        "year": utcnow().year,
        "this_year": 0,
        "all_time": 0,
        "median_days": None,
    }


def test_charts_escape_labels_and_carry_no_script(app):
    with app.test_request_context():
        bar = bar_chart(EVIL, {EVIL: 3, "Plain": 1}, {EVIL: "/x?a=1&b=2"})
        pie = pie_chart("Status", {EVIL: 2, "Other": 0})
    for svg in (bar, pie):
        assert svg.startswith("<svg") and "<?xml" not in svg
        assert "<script" not in svg.lower()
        assert "&lt;script&gt;" in svg
    assert 'xlink:href="/x?a=1&amp;b=2"' in bar


def _links(page: str) -> list[tuple[str, dict]]:
    hrefs = (unescape(h) for h in re.findall(r'href="([^"]+)"', page))
    return [(urlsplit(h).path, parse_qs(urlsplit(h).query)) for h in hrefs]


def _has_link(page, path, **params):
    wanted = {k: [str(v)] for k, v in params.items()}
    return any(p == path and q == wanted for p, q in _links(page))


def test_page_renders_charts_tables_and_links(app, client, dataset, make_user, login_as):
    login_as(make_user(role=Role.coordinator))
    response = client.get(URL, query_string={"pledge": "digital-protection"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<svg") == 5
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None  # only Bootstrap's file
    assert "&lt;script&gt;" in page
    assert page.count("<table") == 7  # a data table per chart, reporting, roll-up per outcome
    pledge, current, closed = dataset["pledge"], dataset["current"], dataset["closed"]
    base = "/coordinate/commitments"
    slug = {"pledge": "digital-protection"}
    assert _has_link(page, base, status="in_progress", **slug)
    assert _has_link(page, base, key_outcome=pledge.key_outcomes[1].id, **slug)
    assert _has_link(page, base, window=current.id, reporting_status="reported", **slug)
    assert _has_link(page, base, window=closed.id, reporting_status="overdue", **slug)
    assert _has_link(page, "/coordinate/engagements", kind="partnership")
    assert _has_link(page, "/coordinate/engagements", kind="advocacy_target")
    assert _has_link(page, "/coordinate/engagements", kind="advocacy_target", stage="converted")
    if "organisations.index" in app.view_functions:
        with app.test_request_context():
            from flask import url_for

            path = urlsplit(url_for("organisations.index")).path
        signatory = {"signatory": "digital-protection"}
        assert _has_link(page, path, stakeholder_type="national_ngo", **signatory)
        assert _has_link(page, path, region="europe", **signatory)
        everything = client.get(URL).get_data(as_text=True)
        assert _has_link(everything, path, region="europe", signatory="any")
    assert "Median time to convert" in page and "16 days" in page
    assert "How these figures are computed" in page


def test_page_without_data_or_filter(client, pledge, make_user, login_as):
    login_as(make_user(role=Role.admin))
    page = client.get(URL, query_string={"pledge": "no-such-pledge"}).get_data(as_text=True)
    assert page.count("<svg") == 5 and "No data yet" in page
    assert "—" in page


def test_links_degrade_when_a_page_does_not_exist(app):
    from registry.dashboard.views import link

    with app.test_request_context():
        assert link("no_such.endpoint", kind="x") is None
        assert link("engagements.index", kind="partnership", stage=None).endswith(
            "?kind=partnership"
        )


def test_stakeholders_are_refused(client, make_user, login_as):
    login_as(make_user(role=Role.stakeholder))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
