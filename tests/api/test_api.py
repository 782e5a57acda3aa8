"""The JSON API v1: its filters and pages return exactly the rows a direct query over the
records returns (with the public rules written out here, independently of the code), bad input
is a 400 naming the parameter, 304 on a matching ETag, and the OpenAPI document describes
every operation."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.audit import acting_as
from registry.models import (
    Commitment,
    CommitmentStatus,
    Organisation,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    VocabularyKind,
    VocabularyTerm,
    utcnow,
)

ST, V = StakeholderType, Visibility

#: (name, type, country, visibility, signature status, [(status, countries, risk, area)])
ORGANISATIONS = [
    (
        "Berlin Media Lab",
        ST.media_outlet,
        "DEU",
        V.public,
        SignatureStatus.accepted,
        [
            (CommitmentStatus.planning, ["DEU"], "hate_speech", "social_listening"),
            (CommitmentStatus.fulfilled, ["DEU", "KEN"], "misinformation", "digital_literacy"),
        ],
    ),
    (
        "Bogotá Tech",
        ST.technology_company,
        "COL",
        V.public,
        SignatureStatus.accepted,
        [(CommitmentStatus.in_progress, ["COL"], "scams_fraud", "social_listening")],
    ),
    (
        "Kakuma Voices",
        ST.refugee_led_organisation,
        "KEN",
        V.anonymised,
        SignatureStatus.accepted,
        [
            (CommitmentStatus.in_progress, ["KEN"], "hate_speech", "digital_literacy"),
            (CommitmentStatus.planning, ["UGA"], "misinformation", "social_listening"),
        ],
    ),
    (
        "Quiet Partners",
        ST.national_ngo,
        "KEN",
        V.hidden,
        SignatureStatus.accepted,
        [(CommitmentStatus.in_progress, ["KEN"], "hate_speech", "social_listening")],
    ),
    (
        "Not Yet Accepted",
        ST.national_ngo,
        "KEN",
        V.public,
        SignatureStatus.submitted,
        [(CommitmentStatus.planning, ["KEN"], "hate_speech", "social_listening")],
    ),
    (
        "Kampala Radio",
        ST.media_outlet,
        "UGA",
        V.public,
        SignatureStatus.accepted,
        [
            (CommitmentStatus.discontinued, ["UGA"], "hate_speech", "digital_literacy"),
            (CommitmentStatus.in_progress, [], "scams_fraud", "social_listening"),
        ],
    ),
]


def _term(db, kind, code):
    return db.session.scalar(
        select(VocabularyTerm).where(VocabularyTerm.kind == kind, VocabularyTerm.code == code)
    )


@pytest.fixture
def registry(db, pledge):
    """Six organisations, nine commitments across statuses, countries, risks and areas."""
    with acting_as(label="test-setup"), db.session.no_autoflush:
        for n, (name, kind, country, visibility, status, commitments) in enumerate(ORGANISATIONS):
            org = Organisation(
                name=name,
                stakeholder_type=kind,
                country=country,
                visibility=visibility,
                is_refugee_led=kind is ST.refugee_led_organisation,
            )
            signature = Signature(pledge=pledge, organisation=org, status=status)
            for k, (state, countries, risk, area) in enumerate(commitments):
                commitment = Commitment(
                    signature=signature,
                    title=f"{name} commitment {k}",
                    description=f"Work number {n}.{k}",
                    status=state,
                    key_outcome=pledge.key_outcomes[(n + k) % len(pledge.key_outcomes)],
                    risks=[_term(db, VocabularyKind.risk, risk)],
                    action_areas=[_term(db, VocabularyKind.action_area, area)],
                )
                commitment.countries = countries
                db.session.add(commitment)
            db.session.add(signature)
        db.session.commit()
    return pledge


def _shown(db) -> list[Commitment]:
    """The direct query: commitments of accepted signatures of organisations not hidden."""
    rows = db.session.scalars(select(Commitment).join(Signature).join(Organisation))
    return [
        c
        for c in rows
        if c.signature.status is SignatureStatus.accepted
        and c.signature.organisation.visibility is not V.hidden
    ]


REGION_OF = {
    "DEU": "europe",
    "KEN": "east_horn_great_lakes",
    "UGA": "east_horn_great_lakes",
    "COL": "americas",
}

#: filter → (value, what a commitment must have to match it)
FILTERS = {
    "status": ("in_progress", lambda c: c.status is CommitmentStatus.in_progress),
    "stakeholder_type": (
        "media_outlet",
        lambda c: c.signature.organisation.stakeholder_type is ST.media_outlet,
    ),
    # Countries are public for public organisations only.
    "country": (
        "KEN",
        lambda c: "KEN" in c.countries and c.signature.organisation.visibility is V.public,
    ),
    "region": (
        "east_horn_great_lakes",
        lambda c: any(REGION_OF[code] == "east_horn_great_lakes" for code in c.countries),
    ),
    "risk": ("hate_speech", lambda c: any(t.code == "hate_speech" for t in c.risks)),
    "action_area": (
        "social_listening",
        lambda c: any(t.code == "social_listening" for t in c.action_areas),
    ),
    "q": ("Berlin", lambda c: "Berlin" in c.title),
}


def _all_ids(client, url: str) -> tuple[list[int], int]:
    """Follow `next` from `url` to the end: every id, and the total the first page gave."""
    ids, total = [], None
    while url:
        body = client.get(url).get_json()
        total = body["total"] if total is None else total
        assert body["total"] == total
        ids += [row["id"] for row in body["data"]]
        url = body["next"]
    return ids, total


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_filter_returns_exactly_the_rows_of_a_direct_query(client, db, registry, name):
    value, matches = FILTERS[name]
    expected = sorted(c.id for c in _shown(db) if matches(c))
    assert expected  # the dataset has rows for every filter
    ids, total = _all_ids(client, f"/api/v1/commitments?{name}={value}&per_page=2")
    assert sorted(ids) == expected and total == len(expected)
    assert len(set(ids)) == len(ids)


def test_filters_combine_and_pages_cover_the_list_once(client, db, registry):
    shown = _shown(db)
    ids, total = _all_ids(client, "/api/v1/commitments?per_page=3")
    assert sorted(ids) == sorted(c.id for c in shown) and total == len(shown) == 7
    for a, b in itertools.combinations(["status", "risk", "action_area", "region"], 2):
        expected = sorted(c.id for c in shown if FILTERS[a][1](c) and FILTERS[b][1](c))
        url = f"/api/v1/commitments?{a}={FILTERS[a][0]}&{b}={FILTERS[b][0]}&per_page=1"
        assert sorted(_all_ids(client, url)[0]) == expected, (a, b)
    outcome = registry.key_outcomes[1].id
    expected = sorted(c.id for c in shown if c.key_outcome_id == outcome)
    assert sorted(_all_ids(client, f"/api/v1/commitments?key_outcome={outcome}")[0]) == expected


def test_updated_since_and_pledge(client, db, registry):
    later = _shown(db)[0]
    with acting_as(label="test-setup"):
        later.title = "Changed later"
        db.session.commit()
    since = (later.updated_at - timedelta(microseconds=1)).isoformat()
    body = client.get("/api/v1/commitments", query_string={"updated_since": since}).get_json()
    assert [row["id"] for row in body["data"]] == [later.id]
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert client.get(f"/api/v1/commitments?updated_since={tomorrow}").get_json()["total"] == 0
    everything = client.get(f"/api/v1/commitments?pledge={registry.slug}").get_json()
    assert everything["total"] == 7


def test_a_page_past_the_end_is_empty_and_links_chain(client, registry):
    body = client.get("/api/v1/commitments?per_page=5&page=2").get_json()
    assert len(body["data"]) == 2 and body["next"] is None
    assert body["previous"].endswith("/api/v1/commitments?page=1&per_page=5")
    assert body["previous"].startswith("http://registry.test/")  # BASE_URL, not Host
    past = client.get("/api/v1/commitments?per_page=5&page=9").get_json()
    assert past["data"] == [] and past["total"] == 7


def test_signatories_lists_accepted_visible_ones_named_first(client, registry):
    body = client.get("/api/v1/signatories").get_json()
    names = [row["organisation"]["name"] for row in body["data"]]
    assert names == [
        "Berlin Media Lab",
        "Bogotá Tech",
        "Kampala Radio",
        "A refugee-led organisation",
    ]
    anonymised = body["data"][-1]["organisation"]
    assert anonymised["id"] is None and anonymised["country"] is None
    media = client.get("/api/v1/signatories?stakeholder_type=media_outlet").get_json()
    assert [r["organisation"]["name"] for r in media["data"]] == [
        "Berlin Media Lab",
        "Kampala Radio",
    ]
    found = client.get("/api/v1/signatories?q=bogot").get_json()
    assert [r["organisation"]["name"] for r in found["data"]] == ["Bogotá Tech"]


def test_pledges_and_one_pledge(client, registry):
    pledges = client.get("/api/v1/pledges").get_json()["data"]
    assert [p["slug"] for p in pledges] == [registry.slug]
    assert pledges[0]["signatories"] == 5  # accepted ones, hidden included
    one = client.get(f"/api/v1/pledges/{registry.slug}").get_json()
    assert [o["title"] for o in one["key_outcomes"]] == [o.title for o in registry.key_outcomes]
    small = [f for f in one["by_stakeholder_type"] if f["value"] == "technology_company"]
    assert small == [
        {"value": "technology_company", "count": {"value": None, "text": "fewer than 3"}}
    ]
    assert client.get("/api/v1/pledges/no-such-pledge").status_code == 404


def test_one_commitment_and_what_answers_404(client, db, registry):
    shown = _shown(db)[0]
    body = client.get(f"/api/v1/commitments/{shown.id}").get_json()
    assert body["id"] == shown.id and body["title"] == shown.title
    assert body["page_url"] == f"http://registry.test/commitments/{shown.id}"
    hidden_or_draft = [c.id for c in db.session.scalars(select(Commitment)) if c not in _shown(db)]
    assert len(hidden_or_draft) == 2
    for commitment_id in [*hidden_or_draft, 99999, 2**40]:
        response = client.get(f"/api/v1/commitments/{commitment_id}")
        assert response.status_code == 404 and response.is_json
        assert response.get_json()["status"] == 404


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("per_page=100000", "per_page"),
        ("per_page=0", "per_page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-13-45", "updated_since"),
        ("colour=blue", "colour"),
        ("status=done", "status"),
        ("status=in_progress'--", "status"),
        ("stakeholder_type=<script>alert(1)</script>", "stakeholder_type"),
        ("country=ken", "country"),
        ("region=mars", "region"),
        ("key_outcome=0", "key_outcome"),
        ("pledge=", "pledge"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, registry, query, parameter):
    response = client.get(f"/api/v1/commitments?{query}")
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert list(body["errors"]) == [parameter] and parameter in body["error"]


@pytest.mark.parametrize(
    "query",
    [
        "country=XXX",
        "risk=nope",
        "action_area=1%20OR%201=1",
        "key_outcome=99999",
        "pledge=no-such-pledge",
        "pledge=x'%20OR%20'1'='1",
    ],
)
def test_a_value_that_names_nothing_selects_nothing(client, registry, query):
    response = client.get(f"/api/v1/commitments?{query}")
    assert response.status_code == 200 and response.get_json()["total"] == 0


def test_every_operation_refuses_unknown_parameters(client, registry):
    for url in [
        "/api/v1/pledges",
        f"/api/v1/pledges/{registry.slug}",
        "/api/v1/signatories",
        "/api/v1/commitments/1",
    ]:
        response = client.get(f"{url}?format=xml")
        assert response.status_code == 400 and response.get_json()["errors"] == {
            "format": ["Unknown field."]
        }, url


def test_sql_and_script_in_a_search_are_only_text(client, registry):
    for q in ["' OR 1=1 --", "%", "_", "<script>alert(1)</script>"]:
        response = client.get("/api/v1/commitments", query_string={"q": q})
        assert response.status_code == 200 and response.get_json()["total"] == 0, q
    page = client.get("/commitments", query_string={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in page.get_data(as_text=True)


def test_304_on_a_matching_etag_until_the_data_changes(client, db, registry):
    for url in [
        "/api/v1/commitments?status=planning",
        "/api/v1/pledges",
        "/commitments",
        "/open-data/commitments.csv",
    ]:
        first = client.get(url)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", url
        assert again.headers["ETag"] == etag
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, url
    other = client.get("/api/v1/commitments?status=fulfilled")
    assert other.headers["ETag"] != first.headers["ETag"]
    etag = client.get("/api/v1/commitments").headers["ETag"]
    with acting_as(label="test-setup"):
        _shown(db)[0].title = "A new title"
        db.session.commit()
    changed = client.get("/api/v1/commitments", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_cors_allows_any_site_to_read(client, registry):
    response = client.get("/api/v1/commitments")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_openapi_document_is_3_1_and_describes_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) == {
        "/api/v1/pledges",
        "/api/v1/pledges/{slug}",
        "/api/v1/signatories",
        "/api/v1/commitments",
        "/api/v1/commitments/{commitment_id}",
    }
    parameters = {p["name"] for p in spec["paths"]["/api/v1/commitments"]["get"]["parameters"]}
    assert parameters == {
        "pledge",
        "status",
        "stakeholder_type",
        "region",
        "country",
        "risk",
        "action_area",
        "key_outcome",
        "q",
        "updated_since",
        "page",
        "per_page",
    }
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "GET /api/v1/commitments" in docs and "updated_since" in docs
    assert "<script>" not in docs  # no inline script: the page is written on the server


def test_the_etag_moves_when_what_decides_disclosure_changes(client, db, registry):
    from registry.models import Contact

    anonymised = db.session.scalar(select(Organisation).where(Organisation.name == "Kakuma Voices"))
    etag = client.get("/api/v1/signatories").headers["ETag"]
    with acting_as(label="test-setup"):
        anonymised.contacts.append(Contact(name="Amani Person", email="amani@kakuma.example"))
        db.session.commit()
    after_contact = client.get("/api/v1/signatories", headers={"If-None-Match": etag})
    assert after_contact.status_code == 200 and after_contact.headers["ETag"] != etag
    with acting_as(label="test-setup"):
        anonymised.visibility = Visibility.public
        db.session.commit()
    named = client.get(
        "/api/v1/signatories", headers={"If-None-Match": after_contact.headers["ETag"]}
    )
    assert named.status_code == 200
    assert "Kakuma Voices" in [r["organisation"]["name"] for r in named.get_json()["data"]]
