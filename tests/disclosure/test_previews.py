"""The public preview of a signature, a commitment and a signatory report: exactly the records
the public outputs print; and the views one organisation has of another (co-implementers)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from registry.audit import acting_as
from registry.models import SignatureStatus, Visibility
from tests.disclosure.crafted import assert_no_leak, build, leaks

SIGN = "/pledges/digital-protection/sign"


@pytest.fixture
def crafted(db, pledge, make_user):
    return build(db, pledge, make_user)


def test_coordinators_preview_a_signature_as_the_public_will_see_it(
    client, crafted, staff, approve_wording
):
    signature = crafted.signatures["open"]
    page = client.get(f"/coordinate/review/{signature.id}/preview").get_data(as_text=True)
    assert "How the public will see this signature" in page
    assert "Open Platforms Inc" in page
    assert "[a refugee-led organisation" in page  # its partners, described
    assert_no_leak(page, crafted, "preview of the public partner's signature")
    # A non-public organisation's signature: its words only once approved, then redacted.
    sauti = crafted.signatures["sauti"]
    page = client.get(f"/coordinate/review/{sauti.id}/preview").get_data(as_text=True)
    assert "Not published yet" in page and "rumour desk" not in page
    approve_wording(sauti, crafted.orgs["sauti"], *sauti.commitments)
    page = client.get(f"/coordinate/review/{sauti.id}/preview").get_data(as_text=True)
    assert "[a refugee-led organisation] rumour desk" in page
    assert_no_leak(page, crafted, "preview of an anonymised organisation's signature")


def test_a_preview_shows_a_signature_not_accepted_yet(client, db, crafted, staff):
    with acting_as(label="test-setup"):
        crafted.signatures["peace"].status = SignatureStatus.submitted
        db.session.commit()
    page = client.get(f"/coordinate/review/{crafted.signatures['peace'].id}/preview")
    assert "Kenya Peace Network" in page.get_data(as_text=True)


def test_a_hidden_organisation_has_nothing_to_preview(client, crafted, staff):
    page = client.get(f"/coordinate/review/{crafted.signatures['rvn'].id}/preview")
    text = page.get_data(as_text=True)
    assert "public outputs only count it" in text
    assert_no_leak(text, crafted, "preview of a hidden organisation")
    commitment = crafted.commitments["rvn"]
    text = client.get(f"/coordinate/commitments/{commitment.id}/preview").get_data(as_text=True)
    assert "only count this commitment" in text


def test_coordinators_preview_a_commitment(client, crafted, staff):
    commitment = crafted.commitments["open"]
    page = client.get(f"/coordinate/commitments/{commitment.id}/preview").get_data(as_text=True)
    assert "How the public will see this commitment" in page
    assert "Open Platforms Inc rumour desk" in page
    assert "1 link withheld to protect the organisation" in page  # it names a protected one
    assert "open-platforms.example.com/ok.pdf" in page
    assert_no_leak(page, crafted, "commitment preview")


def test_an_organisation_previews_its_own_signature_without_learning_about_others(
    client, db, crafted, login_as, approve_wording
):
    """Its own identifiers are replaced as the public will see them; another organisation's are
    left as written (replacing them would tell it that they are protected, hence registered)."""
    with acting_as(label="test-setup"):
        crafted.commitments["sauti"].description = "With Голос Беженцев Харьков and SYW"
        db.session.commit()
    approve_wording(crafted.commitments["sauti"])
    login_as(crafted.users["sauti"])
    page = client.get(f"{SIGN}/preview").get_data(as_text=True)
    assert "With Голос Беженцев Харьков and [a refugee-led organisation]" in page
    assert "their names will be replaced too" in page
    assert "Sauti ya Wakimbizi rumour desk" not in page


def test_an_organisation_previews_its_public_report(client, crafted, login_as, approve_wording):
    approve_wording(crafted.commitments["amal"], crafted.updates["amal"])
    login_as(crafted.users["amal"])
    response = client.get("/my-organisation/public-report.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "A refugee-led organisation" in text
    assert leaks(text, crafted.orgs["amal"]) == []
    assert "rumour desk" in text
    assert reader.metadata.title == "Signatory report: A refugee-led organisation"
    mine = client.get("/my-organisation").get_data(as_text=True)
    assert "/my-organisation/public-report.pdf" in mine and f"{SIGN}/preview" in mine


def test_a_hidden_organisation_has_no_public_report_to_preview(client, crafted, login_as):
    login_as(crafted.users["cagri"])
    response = client.get("/my-organisation/public-report.pdf")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "there is no public report of it" in response.get_data(as_text=True)


# -- one organisation's view of another -------------------------------------------------------


def test_co_implementers_are_shown_to_another_organisation_by_display_name(
    client, db, crafted, login_as
):
    with acting_as(label="test-setup"):
        crafted.signatures["open"].status = SignatureStatus.draft
        db.session.commit()
    login_as(crafted.users["open"])
    review = client.get(f"{SIGN}/review").get_data(as_text=True)
    assert "Co-implementing organisations: A refugee-led organisation, " in review
    assert "An organisation that is not listed" in review  # the hidden partner
    commitment = crafted.commitments["open"]
    form = client.get(f"{SIGN}/commitments/{commitment.id}").get_data(as_text=True)
    for page in (review, form):
        assert "Sauti ya Wakimbizi" not in page and "Çağrı" not in page
    # Partners that stopped being public stay chosen (by their display name) when saved.
    sauti, cagri = crafted.orgs["sauti"].id, crafted.orgs["cagri"].id
    assert f'<option selected value="{sauti}">A refugee-led organisation</option>' in form
    assert f'<option selected value="{cagri}">An organisation that is not listed</option>' in form


def test_a_partner_that_becomes_non_public_is_described_from_then_on(
    client, db, pledge, make_org, make_user, login_as
):
    from registry.models import Commitment, Signature

    partner = make_org(name="Lumen Radio", country="UGA")
    own = make_org(name="Open Partner")
    with acting_as(label="test-setup"):
        signature = Signature(pledge=pledge, organisation=own, status=SignatureStatus.draft)
        db.session.add(Commitment(signature=signature, title="Radio", co_implementers=[partner]))
        db.session.commit()
    login_as(make_user(organisation=own))
    assert "Lumen Radio" in client.get(f"{SIGN}/review").get_data(as_text=True)
    with acting_as(label="test-setup"):
        partner.visibility = Visibility.anonymised
        db.session.commit()
    review = client.get(f"{SIGN}/review").get_data(as_text=True)
    assert "Lumen Radio" not in review
    assert "Co-implementing organisations: An organisation (National or local NGO" in review
