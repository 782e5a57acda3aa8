"""The public directory pages: facets counted like the list, shareable filtered URLs, a
commitment's page with its indicator and verified progress only, a public organisation's
page, and 304 on an unchanged page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from registry.audit import acting_as
from registry.models import (
    Commitment,
    CommitmentStatus,
    Organisation,
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


@pytest.fixture
def directory(db, pledge):
    """Two public organisations (three commitments), one with a verified and a returned
    update, and one anonymised organisation."""
    now = utcnow()
    with acting_as(label="test-setup"), db.session.no_autoflush:
        window = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2026 review",
            opens_at=now - timedelta(days=5),
            closes_at=now + timedelta(days=5),
        )
        older = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2025 review",
            opens_at=now - timedelta(days=400),
            closes_at=now - timedelta(days=300),
        )
        rows = {}
        for name, kind, visibility, commitments in [
            (
                "Berlin Media Lab",
                StakeholderType.media_outlet,
                Visibility.public,
                [
                    ("Fact-checking desk", CommitmentStatus.in_progress),
                    ("Newsroom training", CommitmentStatus.fulfilled),
                ],
            ),
            (
                "Bogotá Tech",
                StakeholderType.technology_company,
                Visibility.public,
                [("Trust and safety in Spanish", CommitmentStatus.in_progress)],
            ),
            (
                "Kakuma Voices",
                StakeholderType.refugee_led_organisation,
                Visibility.anonymised,
                [("Rumour tracking", CommitmentStatus.planning)],
            ),
        ]:
            org = Organisation(
                name=name,
                stakeholder_type=kind,
                country="DEU",
                visibility=visibility,
                is_refugee_led=kind is StakeholderType.refugee_led_organisation,
            )
            signature = Signature(
                pledge=pledge, organisation=org, status=SignatureStatus.accepted, decided_at=now
            )
            for title, status in commitments:
                commitment = Commitment(
                    signature=signature,
                    title=title,
                    status=status,
                    key_outcome=pledge.key_outcomes[0],
                    indicator_text="People trained",
                    indicator_unit="people",
                    indicator_baseline=10,
                    indicator_target=200,
                )
                commitment.countries = ["DEU"]
                rows[title] = commitment
            db.session.add(signature)
        desk = rows["Fact-checking desk"]
        desk.progress_updates += [
            ProgressUpdate(
                window=older,
                status=CommitmentStatus.in_progress,
                progress_percent=20,
                actual_value=50,
                achievements="First 50 trained",
                review_state=ReviewState.verified,
                submitted_at=now,
            ),
            ProgressUpdate(
                window=window,
                status=CommitmentStatus.in_progress,
                progress_percent=60,
                actual_value=120,
                achievements="Unverified claim of 120",
                review_state=ReviewState.returned,
                submitted_at=now,
            ),
        ]
        db.session.add_all([window, older])
        db.session.commit()
    return rows


def _count(page: str) -> int:
    return int(re.search(r"(\d+) commitments?\b", page).group(1))


def test_facets_count_what_the_filtered_list_shows(app, client, directory, monkeypatch):
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_GROUP", 1)  # every count exact
    page = client.get("/commitments").get_data(as_text=True)
    assert _count(page) == 4
    facets = re.findall(r'href="(/commitments\?[^"]+)">([^<]+)</a> \((\d+)\)', page)
    assert {label for _url, label, _n in facets} >= {
        "In progress",
        "Media outlet or journalist",
        "Europe",
        "Planning",
    }
    for url, label, count in facets:
        filtered = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        assert _count(filtered) == int(count), (label, url)


def test_a_facet_or_chart_of_fewer_than_three_organisations_is_not_counted_exactly(
    client, directory, pledge
):
    """DESIGN §4: a public count under a filter below the threshold prints "fewer than 3".
    Three organisations in all: every facet value is held by one or two of them."""
    page = client.get("/commitments").get_data(as_text=True)
    assert _count(page) == 4  # the whole list's total is exact
    facets = re.findall(r'href="/commitments\?[^"]+">([^<]+)</a> \(([^)]+)\)', page)
    counts = dict(facets)
    assert counts[pledge.title] == counts["Europe"] == "4"  # all three organisations: exact
    assert counts["In progress"] == "fewer than 3"  # two organisations
    assert counts["Media outlet or journalist"] == counts["Planning"] == "fewer than 3"
    dashboard = client.get(f"/pledges/{pledge.slug}/progress").get_data(as_text=True)
    cells = re.findall(r'<td class="text-end"><a href="[^"]+">([^<]+)</a>', dashboard)
    assert "fewer than 3" in cells and "4" in cells, cells
    assert "Groups of fewer than 3 organisations are not counted exactly" in dashboard
    # Only exact counts have a bar: a bar's length would give a small group's count away.
    exact = [c for c in cells if c != "fewer than 3"]
    assert dashboard.count('class="rect reactive tooltip-trigger"') == len(exact)


def test_a_filtered_view_has_its_own_url_and_search(client, directory):
    page = client.get("/commitments?status=in_progress&stakeholder_type=media_outlet")
    text = page.get_data(as_text=True)
    assert _count(text) == 1 and "Fact-checking desk" in text
    found = client.get("/commitments?q=spanish").get_data(as_text=True)
    assert _count(found) == 1 and "Trust and safety in Spanish" in found
    ignored = client.get("/commitments?status=nonsense&page=-4")
    assert ignored.status_code == 200 and _count(ignored.get_data(as_text=True)) == 4


def test_a_commitment_page_shows_its_indicator_and_verified_progress_only(client, directory):
    desk = directory["Fact-checking desk"]
    text = client.get(f"/commitments/{desk.id}").get_data(as_text=True)
    assert "Berlin Media Lab" in text and "People trained" in text
    assert "First 50 trained" in text and "2025 review" in text
    assert "Unverified claim" not in text
    latest = re.search(r"Latest actual</th><td>([^<]+)<", text).group(1)
    assert latest == "50"


def test_an_organisation_page_lists_its_commitments(client, directory):
    desk = directory["Fact-checking desk"]
    org = desk.signature.organisation
    text = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "Fact-checking desk" in text and "Newsroom training" in text
    assert "Trust and safety" not in text
    anonymised = directory["Rumour tracking"].signature.organisation
    assert client.get(f"/organisations/{anonymised.id}").status_code == 404


def test_an_unchanged_page_answers_304(client, directory):
    first = client.get("/commitments?status=planning")
    again = client.get(
        "/commitments?status=planning", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get("/signatories").headers["ETag"] != first.headers["ETag"]


def test_the_progress_dashboard_counts_what_the_directory_lists(
    app, client, db, directory, pledge, monkeypatch
):
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_GROUP", 1)  # every count exact
    desk = directory["Fact-checking desk"]
    with acting_as(label="test-setup"):
        newest = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2027 review",
            opens_at=utcnow() - timedelta(days=1),
        )
        db.session.add(newest)
        desk.progress_updates.append(
            ProgressUpdate(
                window=newest,
                status=CommitmentStatus.in_progress,
                review_state=ReviewState.verified,
                submitted_at=utcnow(),
            )
        )
        db.session.commit()
    response = client.get(f"/pledges/{pledge.slug}/progress")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<svg" in text and "<script>" not in text
    assert "2027 review (1 of 4)" in text and ">75 %<" in text  # 3 of 4 fulfilled or under way
    rows = re.findall(
        r'<th scope="row" class="fw-normal"><a href="([^"]+)">([^<]+)</a></th>'
        r'<td class="text-end"><a href="[^"]+">(\d+)</a>',
        text,
    )
    assert len(rows) >= 8
    for url, label, count in rows:
        listed = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        assert _count(listed) == int(count), label
    assert client.get("/pledges/no-such-pledge/progress").status_code == 404


@pytest.mark.parametrize(
    "since", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "yesterday"]
)
def test_a_date_at_the_calendars_ends_is_dropped_not_an_error(client, directory, since):
    response = client.get("/commitments", query_string={"updated_since": since})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("/commitments/") == client.get(
        "/commitments"
    ).get_data(as_text=True).count("/commitments/")


def test_a_page_kept_while_signed_out_is_not_reused_once_signed_in(
    client, directory, make_user, login_as
):
    """The frame differs (account menu, language form): a 304 would show the signed-out
    copy to a signed-in person."""
    signed_out = client.get("/commitments")
    assert "Accept-Language" in signed_out.headers["Vary"]
    login_as(make_user())
    again = client.get("/commitments", headers={"If-None-Match": signed_out.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != signed_out.headers["ETag"]


def test_last_modified_moves_when_only_a_deletion_changes_what_is_public(client, db, directory):
    """A deleted record changes no row's updated_at; its audit event moves Last-Modified, so
    If-Modified-Since alone is never answered with a stale 304."""
    import time

    from registry.audit import acting_as
    from registry.models import Commitment

    first = client.get("/commitments")
    time.sleep(1.1)  # Last-Modified is to the second
    with acting_as(label="test"):
        db.session.delete(db.session.scalars(db.select(Commitment)).first())
        db.session.commit()
    headers = {"If-Modified-Since": first.headers["Last-Modified"]}
    since = client.get("/commitments", headers=headers)
    assert since.status_code == 200
