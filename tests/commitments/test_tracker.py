"""The commitments tracker: filters, search, sort, pages, statement count, saved filters, bulk
actions, the commitment page and who may see it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from registry.audit import acting_as
from registry.commitments.queries import CommitmentFilters, commitment_page
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    ReviewState,
    Role,
    SavedFilter,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
    utcnow,
)
from tests.conftest import body_of
from tests.statements import counting_statements

TRACKER = "/coordinate/commitments"


def terms(db, kind, *codes):
    return list(
        db.session.scalars(
            select(VocabularyTerm).where(
                VocabularyTerm.kind == kind, VocabularyTerm.code.in_(codes)
            )
        )
    )


@pytest.fixture
def windows(db, pledge):
    """A closed and an open progress window of the pledge."""
    now = utcnow()
    with acting_as(label="test-setup"):
        closed = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="HLOM 2025 review",
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=30),
        )
        open_ = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="GRF 2027 review",
            opens_at=now - timedelta(days=5),
            closes_at=now + timedelta(days=30),
        )
        db.session.add_all([closed, open_])
        db.session.commit()
    return closed, open_


@pytest.fixture
def make_commitment(db, pledge, make_org):
    """A commitment in an accepted signature of `organisation` (made once per organisation)."""

    def make(organisation=None, title="A commitment", **fields):
        organisation = organisation or make_org()
        values = {"description": "Some work.", "key_outcome_id": pledge.key_outcomes[0].id} | fields
        with acting_as(label="test-setup"):
            signature = db.session.scalar(
                select(Signature).where(Signature.organisation_id == organisation.id)
            ) or Signature(
                pledge=pledge, organisation=organisation, status=SignatureStatus.accepted
            )
            countries = values.pop("countries", [])
            commitment = Commitment(signature=signature, title=title, **values)
            commitment.countries.extend(countries)
            db.session.add(commitment)
            db.session.commit()
        return commitment

    return make


@pytest.fixture
def registry(db, pledge, make_org, make_commitment, windows):
    """Five commitments in four organisations across regions, statuses, risks and windows."""
    closed, open_ = windows
    kenya = make_org(
        name="Kakuma Voices", stakeholder_type=StakeholderType.refugee_led_organisation
    )
    germany = make_org(name="Berlin Media Lab", country="DEU")
    colombia = make_org(
        name="Bogotá Tech", country="COL", stakeholder_type=StakeholderType.technology_company
    )
    uganda = make_org(name="Kampala Radio", country="UGA")
    hate = terms(db, VocabularyKind.risk, "hate_speech")
    scams = terms(db, VocabularyKind.risk, "scams_fraud")
    listening = terms(db, VocabularyKind.action_area, "social_listening")
    literacy = terms(db, VocabularyKind.action_area, "digital_literacy")
    outcome2 = pledge.key_outcomes[1].id
    past = date.today() - timedelta(days=10)
    rows = {
        "kenya": make_commitment(
            kenya,
            "Refugee rumour tracking in Kakuma",
            risks=hate,
            action_areas=listening,
            countries=["KEN"],
            status=CommitmentStatus.in_progress,
            target_date=past,
        ),
        "kenya2": make_commitment(
            kenya,
            "Radio drama on scams",
            description="Warn listeners about refugee scams.",
            risks=scams,
            action_areas=literacy,
            status=CommitmentStatus.fulfilled,
            target_date=past,
        ),
        "germany": make_commitment(
            germany,
            "Newsroom training",
            risks=hate,
            action_areas=literacy,
            countries=["DEU"],
            key_outcome_id=outcome2,
            target_date=date.today() + timedelta(days=300),
        ),
        "colombia": make_commitment(
            colombia,
            "Trust & safety escalation 100% coverage",
            risks=scams,
            action_areas=listening,
            countries=["COL"],
            status=CommitmentStatus.discontinued,
        ),
        "uganda": make_commitment(uganda, "Community listening posts", countries=["UGA"]),
    }
    with acting_as(label="test-setup"):
        for key, window in (("kenya", closed), ("germany", open_), ("kenya", open_)):
            db.session.add(
                ProgressUpdate(
                    commitment=rows[key],
                    window=window,
                    status=CommitmentStatus.in_progress,
                    review_state=ReviewState.submitted,
                )
            )
        # A draft is not a report.
        db.session.add(
            ProgressUpdate(
                commitment=rows["uganda"],
                window=closed,
                status=CommitmentStatus.planning,
                review_state=ReviewState.draft,
            )
        )
        db.session.commit()
    return rows


def ids_on_page(client, **args) -> list[int]:
    page = client.get(TRACKER, query_string=args)
    assert page.status_code == 200
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page.get_data(as_text=True))]


def ids(*commitments) -> set[int]:
    return {c.id for c in commitments}


def test_filters_narrow(client, db, staff, registry, windows, pledge):
    r, (closed, open_) = registry, windows
    cases = [
        ({"pledge": "digital-protection"}, ids(*r.values())),
        ({"pledge": "no-such-pledge"}, set()),
        ({"status": "fulfilled"}, ids(r["kenya2"])),
        ({"stakeholder_type": "technology_company"}, ids(r["colombia"])),
        ({"region": "europe"}, ids(r["germany"])),
        ({"region": "east_horn_great_lakes"}, ids(r["kenya"], r["kenya2"], r["uganda"])),
        ({"country": "col"}, ids(r["colombia"])),
        ({"risk": "hate_speech"}, ids(r["kenya"], r["germany"])),
        ({"action_area": "digital_literacy"}, ids(r["kenya2"], r["germany"])),
        ({"key_outcome": pledge.key_outcomes[1].id}, ids(r["germany"])),
        ({"target_passed": "1"}, ids(r["kenya"])),
        ({"window": closed.id, "reporting_status": "reported"}, ids(r["kenya"])),
        (
            {"window": closed.id, "reporting_status": "overdue"},
            ids(r["kenya2"], r["germany"], r["colombia"], r["uganda"]),
        ),
        ({"window": closed.id, "reporting_status": "due"}, set()),
        ({"window": open_.id, "reporting_status": "reported"}, ids(r["kenya"], r["germany"])),
        (
            {"window": open_.id, "reporting_status": "due"},
            ids(r["kenya2"], r["colombia"], r["uganda"]),
        ),
        ({"region": "east_horn_great_lakes", "risk": "scams_fraud"}, ids(r["kenya2"])),
        ({"status": "nonsense", "region": "atlantis"}, ids(*r.values())),
    ]
    for args, expected in cases:
        assert set(ids_on_page(client, **args)) == expected, args


def test_search_title_description_and_organisation(client, staff, registry):
    r = registry
    assert set(ids_on_page(client, q="RUMOUR")) == ids(r["kenya"])
    assert set(ids_on_page(client, q="refugee scams")) == ids(r["kenya2"])  # description
    assert set(ids_on_page(client, q="berlin media")) == ids(r["germany"])  # organisation
    # LIKE wildcards are taken literally.
    assert set(ids_on_page(client, q="100%")) == ids(r["colombia"])
    assert set(ids_on_page(client, q="%")) == ids(r["colombia"])
    assert ids_on_page(client, q="_") == []


def test_sorting_both_directions(client, staff, registry):
    by_title = sorted(registry.values(), key=lambda c: c.title)
    assert ids_on_page(client, sort="title", direction="asc") == [c.id for c in by_title]
    assert ids_on_page(client, sort="title", direction="desc") == [c.id for c in by_title][::-1]
    lifecycle = list(CommitmentStatus)
    statuses = [
        registry_c.status
        for cid in ids_on_page(client, sort="status", direction="asc")
        for registry_c in registry.values()
        if registry_c.id == cid
    ]
    assert statuses == sorted(statuses, key=lifecycle.index)
    page = client.get(TRACKER, query_string={"sort": "organisation", "direction": "asc"})
    html = page.get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    # The active column's header link flips the direction (descending is the default).
    assert 'href="/coordinate/commitments?sort=organisation">Organisation' in html
    assert 'href="/coordinate/commitments?sort=title&amp;direction=asc">Title' in html
    orgs = re.findall(r"<td>(Kakuma Voices|Berlin Media Lab|Bogotá Tech|Kampala Radio)</td>", html)
    assert orgs == sorted(orgs)


def test_pagination_bounds(client, staff, make_commitment, make_org):
    org = make_org()
    made = [make_commitment(org, f"C{n:02d}") for n in range(23)]
    first = ids_on_page(client, sort="title", direction="asc", per_page=10)
    assert first == [c.id for c in made[:10]]
    page = client.get(TRACKER, query_string={"sort": "title", "direction": "asc", "per_page": 10})
    html = page.get_data(as_text=True)
    assert "Page 1 of 3" in html and 'rel="next"' in html and 'rel="prev"' not in html
    assert "23 commitments match" in html
    # A page past the end shows the last page.
    last = client.get(
        TRACKER, query_string={"sort": "title", "direction": "asc", "per_page": 10, "page": 99}
    )
    html = last.get_data(as_text=True)
    assert "Page 3 of 3" in html and 'rel="next"' not in html and 'rel="prev"' in html
    assert [int(i) for i in re.findall(r'name="ids" value="(\d+)"', html)] == [
        c.id for c in made[20:]
    ]
    # Nonsense per-page and page values fall back to the defaults.
    html = client.get(TRACKER, query_string={"per_page": 7, "page": -3}).get_data(as_text=True)
    assert "Page 1 of 1" in html


def test_empty_tracker_page(client, staff, pledge):
    html = client.get(TRACKER).get_data(as_text=True)
    assert "No commitment matches these filters." in html and "Page 1 of 1" in html


def test_statement_count_does_not_grow_with_rows(client, db, staff, pledge, make_org, windows):
    hate = terms(db, VocabularyKind.risk, "hate_speech", "scams_fraud")
    listening = terms(db, VocabularyKind.action_area, "social_listening")
    closed, _ = windows
    outcome_ids = [o.id for o in pledge.key_outcomes]
    with acting_as(label="test-setup"):
        for n in range(100):
            org = make_org()
            signature = Signature(pledge=pledge, organisation=org, status=SignatureStatus.accepted)
            commitment = Commitment(
                signature=signature,
                title=f"Commitment {n:03d}",
                description="d",
                key_outcome_id=outcome_ids[n % 3],
                risks=hate,
                action_areas=listening,
            )
            commitment.countries.extend(["KEN", "UGA"])
            db.session.add(commitment)
        db.session.commit()
    counts = {}
    for per_page in (10, 100):
        args = {"per_page": per_page, "window": closed.id, "sort": "organisation"}
        client.get(TRACKER, query_string=args)  # warm caches (login, vocabulary…)
        with counting_statements(db.engine) as statements:
            page = client.get(TRACKER, query_string=args)
        assert page.status_code == 200
        assert len(re.findall(r'name="ids"', page.get_data(as_text=True))) == per_page
        counts[per_page] = len(statements)
    assert counts[10] == counts[100], counts


def test_filters_round_trip():
    filters = CommitmentFilters.from_args(
        MultiDict(
            {
                "pledge": "digital-protection",
                "status": "in_progress",
                "region": "europe",
                "country": "deu",
                "key_outcome": "3",
                "window": "2",
                "reporting_status": "overdue",
                "target_passed": "on",
                "q": "  radio ",
                "sort": "title",
                "direction": "asc",
                "page": "4",
                "per_page": "50",
            }
        )
    )
    args = filters.to_args()
    assert args["country"] == "DEU" and args["q"] == "radio" and args["target_passed"] == "1"
    assert CommitmentFilters.from_args(MultiDict({k: str(v) for k, v in args.items()})) == filters
    assert CommitmentFilters().to_args() == {}


def test_saved_filters_crud_and_isolation(client, db, staff, registry, make_user, login_as):
    query = urlencode({"region": "europe", "page": "3", "sort": "title"})
    response = client.post(f"{TRACKER}/saved-filters", data={"name": "Europe", "query": query})
    assert response.status_code == 302
    saved = db.session.scalar(select(SavedFilter))
    assert (saved.user_id, saved.area, saved.name) == (staff.id, "commitments", "Europe")
    assert saved.query == {"region": "europe", "sort": "title"}  # never the page
    html = client.get(TRACKER).get_data(as_text=True)
    assert re.search(r'href="/coordinate/commitments\?[^"]*region=europe[^"]*">Europe</a>', html)
    # A name is required.
    assert (
        client.post(f"{TRACKER}/saved-filters", data={"name": " ", "query": ""}).status_code == 400
    )
    # Another coordinator neither sees nor deletes it.
    other = make_user(role=Role.coordinator)
    client.post("/account/logout")
    login_as(other)
    assert ">Europe</a>" not in client.get(TRACKER).get_data(as_text=True)
    assert client.post(f"{TRACKER}/saved-filters/{saved.id}/delete").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 1
    client.post("/account/logout")
    login_as(staff)
    assert client.post(f"{TRACKER}/saved-filters/{saved.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 0


def test_bulk_status_with_comment_and_skipped_rows(client, db, staff, registry):
    r = registry
    chosen = [r["kenya"], r["germany"], r["colombia"]]  # in progress, planning, discontinued
    data = {
        "ids": [str(c.id) for c in chosen],
        "status": "fulfilled",
        "comment": "Confirmed at the HLOM",
        "back": "region=europe",
    }
    response = client.post(f"{TRACKER}/bulk/status", data=data)
    assert response.status_code == 302
    assert "region=europe" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Commitment, r["kenya"].id).status is CommitmentStatus.fulfilled
    assert db.session.get(Commitment, r["germany"].id).status is CommitmentStatus.planning
    assert db.session.get(Commitment, r["colombia"].id).status is CommitmentStatus.discontinued
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "commitment.bulk_status")
    ).all()
    assert [(e.entity_id, e.after["comment"]) for e in events] == [
        (r["kenya"].id, "Confirmed at the HLOM")
    ]
    html = client.get(TRACKER).get_data(as_text=True)
    assert "1 commitment is now Fulfilled" in html
    assert "Skipped" in html and "Newsroom training" in html and "Trust &amp; safety" in html


def test_bulk_status_needs_comment_and_selection(client, db, staff, registry):
    c = registry["germany"]
    response = client.post(
        f"{TRACKER}/bulk/status", data={"ids": [str(c.id)], "status": "in_progress", "comment": ""}
    )
    assert response.status_code == 400
    assert "Say why the status changes." in response.get_data(as_text=True)
    response = client.post(
        f"{TRACKER}/bulk/status", data={"status": "in_progress", "comment": "why"}
    )
    assert response.status_code == 400
    assert "Select at least one commitment." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Commitment, c.id).status is CommitmentStatus.planning


def test_bulk_reminder_one_email_per_organisation(
    client, db, staff, registry, make_user, smtp, windows
):
    r = registry
    kenya_org = r["kenya"].signature.organisation
    germany_org = r["germany"].signature.organisation
    amina = make_user(organisation=kenya_org, email="amina@kakuma.example.org")
    hans = make_user(organisation=germany_org, email="hans@berlin.example.org")
    gone = make_user(organisation=germany_org, email="gone@berlin.example.org")
    with acting_as(label="test-setup"):
        gone.active = False
        db.session.commit()
    closed, _ = windows
    data = {
        "ids": [str(r["kenya"].id), str(r["kenya2"].id), str(r["germany"].id), str(r["uganda"].id)],
        "back": f"window={closed.id}",
    }
    response = client.post(f"{TRACKER}/bulk/remind", data=data)
    assert response.status_code == 302
    messages = smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == [amina.email, hans.email]
    by_to = {m["To"]: body_of(m) for m in messages}
    assert "Refugee rumour tracking in Kakuma" in by_to[amina.email]
    assert "Radio drama on scams" in by_to[amina.email]
    assert "Newsroom training" not in by_to[amina.email]
    assert "Newsroom training" in by_to[hans.email] and "HLOM 2025 review" in by_to[hans.email]
    assert "/my-organisation" in by_to[hans.email]
    html = client.get(TRACKER).get_data(as_text=True)
    assert "Reminder sent to 2 organisations" in html
    assert "Kampala Radio" in html  # no active user: said so
    assert len(smtp.messages) == 2


def test_reporting_column_is_text_not_only_colour(client, staff, registry, windows):
    closed, _ = windows
    html = client.get(TRACKER, query_string={"window": closed.id}).get_data(as_text=True)
    assert 'data-reporting="reported"' in html and "Reported</span>" in html
    assert 'data-reporting="overdue"' in html and "Overdue</span>" in html


def test_commitment_page_timeline_and_history(client, db, staff, registry, windows):
    closed, open_ = windows
    c = registry["kenya"]
    with acting_as(label="test-setup"):
        update = db.session.scalar(
            select(ProgressUpdate).where(
                ProgressUpdate.commitment_id == c.id, ProgressUpdate.window_id == open_.id
            )
        )
        update.progress_percent = 40
        update.achievements = "Trained <b>12</b> monitors"
        db.session.commit()
    client.post(
        f"{TRACKER}/bulk/status",
        data={"ids": [str(c.id)], "status": "fulfilled", "comment": "Done and verified"},
    )
    page = client.get(f"{TRACKER}/{c.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Refugee rumour tracking in Kakuma" in html and "Kakuma Voices" in html
    assert "Accepted" in html  # signature status
    assert (
        "Hate speech" in html and "Social listening" in html and "Kenya" in html
    )  # a country by name
    # Timeline: the closed window first; None percent is "not reported", never 0 %.
    assert html.index("HLOM 2025 review") < html.index("GRF 2027 review")
    percents = re.findall(r"<dd class=\"col-sm-9\" data-percent>([^<]*)</dd>", html)
    assert percents == ["not reported", "40 %"]
    assert "0 %" not in html.replace("40 %", "")
    assert "Trained &lt;b&gt;12&lt;/b&gt; monitors" in html
    # History, newest first, with before → after and the comment.
    events = re.findall(r'data-event="([^"]+)"', html)
    assert events[0] in ("commitment.bulk_status", "update") and events[-1] == "create"
    assert "in_progress → fulfilled" in html and "Done and verified" in html
    assert client.get(f"{TRACKER}/999999").status_code == 404


@pytest.mark.parametrize(
    "method,url",
    [
        ("GET", TRACKER),
        ("GET", f"{TRACKER}/1"),
        ("POST", f"{TRACKER}/saved-filters"),
        ("POST", f"{TRACKER}/saved-filters/1/delete"),
        ("POST", f"{TRACKER}/bulk/status"),
        ("POST", f"{TRACKER}/bulk/remind"),
    ],
)
def test_stakeholders_get_403(client, make_user, login_as, method, url):
    login_as(make_user(role=Role.stakeholder))
    assert client.open(url, method=method).status_code == 403


def test_commitment_page_query_is_direct(db, registry):
    # The query layer alone: the page's rows are the filtered ones.
    page = commitment_page(CommitmentFilters(region="europe"))
    assert [c.title for c in page.rows] == ["Newsroom training"] and page.total == 1
