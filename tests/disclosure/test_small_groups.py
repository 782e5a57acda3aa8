"""Small groups identify: an anonymised description shared by fewer than DISCLOSURE_MIN_GROUP
organisations of an output is coarsened; a public count of fewer than that many organisations
under a filter prints "fewer than 3" (and stays out of the charts); anonymised organisations'
commitments show regions, never countries."""

from __future__ import annotations

import pytest

from registry.audit import acting_as
from registry.models import (
    Commitment,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    utcnow,
)
from registry.reports import grf, signatory

RLO = StakeholderType.refugee_led_organisation
EAST = "A refugee-led organisation in East and Horn of Africa and the Great Lakes"


@pytest.fixture
def signed(db, pledge, make_org):
    """Give each organisation an accepted signature with one commitment in its country."""

    def sign(*organisations) -> None:
        with acting_as(label="test-setup"), db.session.no_autoflush:
            for org in organisations:
                signature = Signature(
                    pledge=pledge, organisation=org, status=SignatureStatus.accepted
                )
                commitment = Commitment(signature=signature, title=f"Work of {org.id}")
                commitment.countries = [org.country]
                db.session.add(commitment)
            db.session.commit()

    return sign


def _anonymised(make_org, country: str, n: int):
    return [
        make_org(stakeholder_type=RLO, country=country, visibility=Visibility.anonymised)
        for _ in range(n)
    ]


def _page(client) -> str:
    return client.get("/pledges/digital-protection").get_data(as_text=True)


def test_descriptions_keep_their_region_from_three_organisations(client, make_org, signed):
    signed(*_anonymised(make_org, "KEN", 2))
    assert _page(client).count(f"<li>{EAST}</li>") == 0
    assert _page(client).count("<li>A refugee-led organisation</li>") == 2
    signed(*_anonymised(make_org, "UGA", 1))  # the same region
    assert _page(client).count(f"<li>{EAST}</li>") == 3


def test_the_threshold_is_a_setting(app, client, make_org, signed, monkeypatch):
    signed(*_anonymised(make_org, "KEN", 2))
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_GROUP", 2)
    page = _page(client)
    assert page.count(f"<li>{EAST}</li>") == 2
    assert '<th scope="row">Refugee-led organisation</th><td class="text-end">2</td>' in page
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_GROUP", 5)
    page = _page(client)
    assert (
        '<th scope="row">Refugee-led organisation</th><td class="text-end">fewer than 5</td>'
        in page
    )


def test_a_filter_that_leaves_few_organisations_gives_no_figure_away(db, make_org, signed):
    lone = _anonymised(make_org, "POL", 1)
    kenyans = _anonymised(make_org, "KEN", 3)
    signed(*lone, *kenyans, make_org(country="USA", stakeholder_type=StakeholderType.academia))
    params = grf.parse_params({"pledge": "digital-protection", "region": "europe"})
    data = grf.gather(params)
    assert str(data["figures"]["signatories"]) == "fewer than 3"
    assert [str(r["count"]) for r in data["figures"]["signatories_by_region"]] == ["fewer than 3"]
    [item] = [i for g in data["annex"] for i in g["items"]]
    assert item["organisation"] == "A refugee-led organisation"  # alone in this report
    html = grf.render_html(params, data, fingerprint=None, generated_at=utcnow())
    summary = '<p class="label">Signatories</p><p class="value">fewer than 3</p>'
    assert summary in html and "in Europe" not in html.split("Methodology")[0]
    # The charts plot no small group (a bar would give its size away).
    assert grf._chart_data(data["figures"]["signatories_by_region"]) == {}
    # Unfiltered, the report's total is exact; the region of three keeps its description.
    data = grf.gather(grf.parse_params({"pledge": "digital-protection"}))
    assert str(data["figures"]["signatories"]) == "5"
    names = {i["organisation"] for g in data["annex"] for i in g["items"]}
    assert EAST in names and "A refugee-led organisation" in names
    rows = {r["label"]: str(r["count"]) for r in data["figures"]["signatories_by_region"]}
    assert rows["East and Horn of Africa and the Great Lakes"] == "3"
    assert rows["Europe"] == rows["Americas"] == "fewer than 3"


def test_an_anonymised_organisations_commitments_show_regions_not_countries(
    db, make_org, signed, approve_wording
):
    [org] = _anonymised(make_org, "KEN", 1)
    public = make_org(name="Open Org", country="UGA")
    signed(org, public)
    approve_wording(*org.signatures[0].commitments)
    data = signatory.gather(signatory.parse_params({"organisation": org.id}))
    [entry] = data["entries"]
    assert entry["commitment"].countries == ()
    assert entry["commitment"].regions == ("East and Horn of Africa and the Great Lakes",)
    html = signatory.render_html(
        signatory.parse_params({"organisation": org.id}),
        data,
        fingerprint=None,
        generated_at=utcnow(),
    )
    assert "Kenya" not in html and "<th>Regions</th>" in html
    data = signatory.gather(signatory.parse_params({"organisation": public.id}))
    assert data["entries"][0]["commitment"].countries == ("Uganda",)
