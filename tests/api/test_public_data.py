"""On the crafted dataset of the disclosure issue, with every public wording approved (so that
the most text is shown): no API answer, directory page or open data file names a protected
organisation, in any script or spelling; no filter or search finds anything by what the public
may not see (a protected name, an anonymised organisation's country)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.disclosure.crafted import PROTECTED, assert_no_leak, build, identifiers


@pytest.fixture
def crafted(db, pledge, make_user, approve_wording):
    """The crafted dataset with every public wording approved."""
    data = build(db, pledge, make_user)
    records = [*data.orgs.values(), *data.signatures.values(), *data.commitments.values()]
    approve_wording(*records, *data.updates.values())
    return data


def _urls(data) -> list[str]:
    ids = [c.id for c in data.commitments.values()]
    orgs = [o.id for o in data.orgs.values()]
    return [
        "/api/v1/pledges",
        f"/api/v1/pledges/{data.pledge.slug}",
        "/api/v1/signatories",
        "/api/v1/signatories?per_page=1&page=3",
        "/api/v1/commitments",
        "/api/v1/commitments?per_page=100",
        *(f"/api/v1/commitments/{i}" for i in ids),
        "/commitments",
        "/signatories",
        f"/pledges/{data.pledge.slug}/progress",
        *(f"/commitments/{i}" for i in ids),
        *(f"/organisations/{i}" for i in orgs),
        "/open-data",
        "/open-data/commitments.csv",
        "/open-data/commitments.json",
        "/open-data/signatories.csv",
        "/open-data/signatories.json",
    ]


def _text(response) -> str:
    if response.is_json:  # JSON escapes non-ASCII letters: read it as the caller does
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def test_no_public_answer_names_a_protected_organisation(client, crafted):
    shown = 0
    for url in _urls(crafted):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        shown += response.status_code == 200
        assert_no_leak(_text(response), crafted, url)
    everything = client.get("/api/v1/commitments?per_page=100").get_json()
    names = {row["organisation"]["name"] for row in everything["data"]}
    assert "Open Platforms Inc" in names and "A refugee-led organisation" in names
    assert shown > 15


def test_anonymised_and_hidden_organisations_have_no_page_and_no_id(client, crafted):
    for org in crafted.protected():
        response = client.get(f"/organisations/{org.id}")
        assert response.status_code == 404
        # The same page as for an id that names nothing, but for the address asked for (the
        # language links lead back to it).
        page = response.get_data(as_text=True).replace(f"/organisations/{org.id}", "/X")
        nothing = client.get("/organisations/99999").get_data(as_text=True)
        assert page == nothing.replace("/organisations/99999", "/X")
    rows = client.get("/api/v1/commitments?per_page=100").get_json()["data"]
    for row in rows:
        organisation = row["organisation"]
        assert (organisation["id"] is None) == (not organisation["is_named"])
        if not organisation["is_named"]:
            assert organisation["country"] is None and row["countries"] == []
            assert organisation["page_url"] is None


def test_a_protected_name_finds_nothing(client, crafted):
    for spec in PROTECTED:
        org = crafted.orgs[spec[0]]
        for identifier in identifiers(org):
            api = client.get("/api/v1/commitments", query_string={"q": identifier}).get_json()
            assert api["total"] == 0, identifier
            people = client.get("/api/v1/signatories", query_string={"q": identifier})
            assert people.get_json()["total"] == 0, identifier
            page = client.get("/commitments", query_string={"q": identifier})
            assert "0 commitments" in page.get_data(as_text=True), identifier


def test_the_country_filter_never_reveals_an_anonymised_organisations_country(client, crafted):
    # Every commitment of the dataset is in Kenya; only public organisations' say so.
    rows = client.get("/api/v1/commitments?country=KEN&per_page=100").get_json()["data"]
    assert {r["organisation"]["name"] for r in rows} == {
        "Open Platforms Inc",
        "Kenya Peace Network",
    }
    region = client.get("/api/v1/commitments?region=east_horn_great_lakes&per_page=100")
    everything = client.get("/api/v1/commitments?per_page=100")
    assert region.get_json()["total"] == everything.get_json()["total"]


def test_open_data_has_the_apis_rows_and_field_names(client, crafted):
    api = client.get("/api/v1/commitments?per_page=100").get_json()["data"]
    table = list(csv.DictReader(io.StringIO(client.get("/open-data/commitments.csv").text)))
    assert [int(r["id"]) for r in table] == [r["id"] for r in api]
    assert [r["organisation.name"] for r in table] == [r["organisation"]["name"] for r in api]
    files = client.get("/open-data/commitments.json").get_json()["data"]
    assert files == api
    dictionary = client.get("/open-data").get_data(as_text=True)
    for column in table[0]:
        assert f"<code>{column}</code>" in dictionary, column
    for name in api[0]:
        assert name in table[0] or any(c.startswith(f"{name}.") for c in table[0]), name


def test_open_data_files_are_the_same_in_every_language(client, crafted):
    """One file for every caller, in English: the first caller's language is never served
    to the next (region labels and descriptions are words)."""
    french = client.get("/open-data/commitments.json?lang=fr")
    english = client.get("/open-data/commitments.json", headers={"Accept-Language": "en"})
    assert french.get_data() == english.get_data()
    assert french.headers["ETag"] == english.headers["ETag"]
    assert "dirigée" not in english.get_data(as_text=True)
    api = client.get("/api/v1/commitments?per_page=100").get_json()["data"]
    assert english.get_json()["data"] == api
