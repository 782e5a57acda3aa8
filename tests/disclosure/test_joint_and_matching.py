"""Joint commitments and matching pledges on the crafted dataset (every public wording
approved, so that the most text is shown): a protected co-implementer or a protected matched
commitment is never named in public output, a hidden one never even listed, and a
co-implementer's own pages name no other protected organisation."""

from __future__ import annotations

import csv
import io

import pytest

from registry.audit import acting_as
from registry.models import (
    CommitmentPartner,
    OutboxMessage,
    PartnerStatus,
    utcnow,
)
from registry.signatures import operations as signature_operations
from tests.conftest import PASSWORD
from tests.disclosure.crafted import assert_no_leak, build


@pytest.fixture
def crafted(db, pledge, make_user, approve_wording):
    """The crafted dataset, wording approved; the public "peace" commitment matches every
    other one (protected and hidden ones included), and the anonymised "sauti" commitment
    matches the public "open" one, which names sauti and the hidden cagri as partners."""
    data = build(db, pledge, make_user)
    c = data.commitments
    with acting_as(label="test-setup"):
        c["peace"].matches = [c[key] for key in c if key != "peace"]
        c["sauti"].matches = [c["open"]]
        db.session.commit()
    records = [*data.orgs.values(), *data.signatures.values(), *data.commitments.values()]
    approve_wording(*records, *data.updates.values())
    return data


def _login(app, user):
    browser = app.test_client()
    response = browser.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_public_pages_api_and_open_data_name_no_protected_partner_or_match(app, client, crafted):
    c = crafted.commitments
    urls = [f"/commitments/{commitment.id}" for commitment in c.values()]
    urls += [f"/api/v1/commitments/{commitment.id}" for commitment in c.values()]
    urls += ["/commitments", "/api/v1/commitments", "/open-data/commitments.csv"]
    urls += ["/open-data/commitments.json"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_no_leak(response.get_data(as_text=True), crafted, url)
    peace = client.get(f"/commitments/{c['peace'].id}").get_data(as_text=True)
    assert "Matches or supports" in peace and "Open Platforms Inc" in peace
    assert "A refugee-led organisation" in peace  # protected matches: described, not named
    # A hidden organisation's commitment is neither linked nor numbered anywhere public.
    cagri, rvn = c["cagri"].id, c["rvn"].id
    assert f"/commitments/{cagri}" not in peace and f"/commitments/{rvn}" not in peace
    shown = client.get(f"/api/v1/commitments/{c['peace'].id}").get_json()["matches"]
    assert cagri not in shown and rvn not in shown and c["open"].id in shown
    opendata = client.get("/open-data/commitments.csv").get_data(as_text=True)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(opendata))}
    assert str(cagri) not in rows[str(c["peace"].id)]["matches"].split("; ")
    # "open" is matched by the anonymised sauti: shown by its description.
    open_page = client.get(f"/commitments/{c['open'].id}").get_data(as_text=True)
    assert "Matched by" in open_page


def test_a_protected_co_implementer_sees_the_joint_commitment_and_nothing_more(app, crafted):
    sauti = _login(app, crafted.users["sauti"])
    mine = sauti.get("/my-organisation").get_data(as_text=True)
    assert "Joint commitments you are named on" in mine and "led by Open Platforms Inc" in mine
    page = sauti.get(f"/my-organisation/joint/{crafted.commitments['open'].id}")
    assert page.status_code == 200
    for text, where in ((mine, "my organisation"), (page.get_data(as_text=True), "joint page")):
        assert_no_leak(text, crafted, f"sauti's {where}", except_for=crafted.orgs["sauti"])
    cagri = _login(app, crafted.users["cagri"])
    page = cagri.get(f"/my-organisation/joint/{crafted.commitments['open'].id}")
    assert page.status_code == 200
    assert_no_leak(
        page.get_data(as_text=True), crafted, "cagri's joint page", crafted.orgs["cagri"]
    )


def test_a_protected_partner_that_declines_is_neither_listed_nor_counted(app, client, crafted, db):
    open_id = crafted.commitments["open"].id
    before = client.get(f"/api/v1/commitments/{open_id}").get_json()
    assert len(before["co_implementers"]) + before["co_implementers_not_listed"] == 2
    with acting_as(crafted.users["cagri"]):
        part = db.session.get(CommitmentPartner, (open_id, crafted.orgs["cagri"].id))
        signature_operations.answer_as_partner(
            part, PartnerStatus.declined, crafted.users["cagri"], utcnow()
        )
        db.session.commit()
    after = client.get(f"/api/v1/commitments/{open_id}").get_json()
    assert len(after["co_implementers"]) + after["co_implementers_not_listed"] == 1
    assert_no_leak(client.get(f"/commitments/{open_id}").get_data(as_text=True), crafted, "page")


def test_an_invitation_from_a_protected_lead_names_it_not(app, crafted, db):
    sauti = _login(app, crafted.users["sauti"])
    commitment_id = crafted.commitments["sauti"].id
    prefix = f"invite-{commitment_id}-"
    response = sauti.post(
        f"/pledges/{crafted.pledge.slug}/amend/commitments/{commitment_id}/invite",
        data={
            f"{prefix}organisation_name": "Friends of Golos Bezhentsev",
            f"{prefix}email": "someone@new-partner.example.org",
        },
    )
    assert response.status_code == 302
    message = db.session.query(OutboxMessage).filter_by(to="someone@new-partner.example.org").one()
    assert_no_leak(message.subject + "\n" + message.body, crafted, "invitation e-mail")
    assert "A refugee-led organisation" in message.body
