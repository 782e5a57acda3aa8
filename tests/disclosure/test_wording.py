"""Public wording approved by a person, and the warnings before it is saved.

A non-public organisation's own words are absent from every public output until a coordinator
approves their public (redacted) version on the review or verification page, where the
identifiers found are marked; the approval is audit-logged; any later change to the text
withdraws it. Its forms warn when a text names the organisation itself."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    PublicWordingApproval,
    ReviewState,
    SignatureStatus,
    utcnow,
)
from registry.reports import grf, signatory
from tests.disclosure.crafted import build
from tests.signatures.test_signing import commitment_data  # noqa: F401 - a fixture

SIGN = "/pledges/digital-protection/sign"
SAUTI_TITLE = "Sauti ya Wakimbizi rumour desk"
PUBLIC_TITLE = "[a refugee-led organisation] rumour desk"


@pytest.fixture
def crafted(db, pledge, make_user):
    return build(db, pledge, make_user)


def _public_texts(data) -> str:
    """What the public reads about the crafted dataset: the pledge page, the GRF report and
    every public signatory report (their HTML)."""
    params = grf.parse_params({"pledge": data.pledge.slug})
    texts = [grf.render_html(params, grf.gather(params), fingerprint=None, generated_at=utcnow())]
    for key in ("sauti", "amal", "golos", "open", "peace"):
        params = signatory.parse_params({"organisation": data.orgs[key].id})
        data_ = signatory.gather(params)
        texts.append(signatory.render_html(params, data_, fingerprint=None, generated_at=utcnow()))
    return " ".join(texts)


def _version(page: str, action: str) -> str:
    """The version field of the form posting to `action` on `page`."""
    form = page[page.index(f'action="{action}"') :]
    return re.search(r'name="version"[^>]*value="([^"]*)"', form.split("</form>")[0]).group(1)


def test_unapproved_text_of_a_non_public_organisation_is_absent_from_public_outputs(crafted):
    text = _public_texts(crafted)
    assert "rumour desk" in text  # the public organisations' own titles are printed
    for withheld in (SAUTI_TITLE, PUBLIC_TITLE, "works with refugees", "Sessions run by Sauti"):
        assert withheld.replace("[", "") not in text.replace("[", ""), withheld
    # Structured fields only: a title made from its action areas, its region, its status.
    assert "A commitment on " in text
    assert "not published yet" in text


def test_approving_on_the_review_page_publishes_the_redacted_text(client, db, crafted, staff):
    signature = crafted.signatures["sauti"]
    page = client.get(f"/coordinate/review/{signature.id}").get_data(as_text=True)
    assert "Not approved: public outputs show structured fields only" in page
    assert '<mark class="identifier" title="Sauti ya Wakimbizi (name)">' in page
    assert f'Public:</span> <span class="text-prewrap">{PUBLIC_TITLE}' in page
    action = f"/coordinate/review/{signature.id}/wording"
    response = client.post(action, data={"version": _version(page, action)})
    assert response.status_code == 302
    text = _public_texts(crafted)
    assert PUBLIC_TITLE in text and SAUTI_TITLE not in text
    # Audit-logged: the approval row, and an event on each record approved.
    commitment = crafted.commitments["sauti"]
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "public_wording.approve",
            AuditEvent.entity_type == "Commitment",
            AuditEvent.entity_id == commitment.id,
        )
    )
    assert event is not None and event.actor_id == staff.id
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_type == "PublicWordingApproval", AuditEvent.action == "create"
        )
    )
    page = client.get(f"/coordinate/review/{signature.id}").get_data(as_text=True)
    assert "Public wording approved" in page


def test_a_later_edit_withdraws_the_approval(
    client,
    db,
    crafted,
    coordinator,
    login_as,
    approve_wording,
    commitment_data,  # noqa: F811
):
    commitment = crafted.commitments["sauti"]
    approve_wording(commitment)
    assert PUBLIC_TITLE in _public_texts(crafted)
    with acting_as(label="test-setup"):
        crafted.signatures["sauti"].status = SignatureStatus.changes_requested
        db.session.commit()
    login_as(crafted.users["sauti"])
    data = commitment_data | {"title": "Rumour desk in the camp", "version": commitment.version}
    response = client.post(f"{SIGN}/commitments/{commitment.id}", data=data)
    assert response.status_code == 302
    text = _public_texts(crafted)
    assert "Rumour desk in the camp" not in text and PUBLIC_TITLE not in text
    client.post("/account/logout")
    login_as(coordinator)
    page = client.get(f"/coordinate/review/{crafted.signatures['sauti'].id}").get_data(as_text=True)
    assert "Approval withdrawn: the text changed after it was approved" in page


def test_a_text_changed_since_the_page_was_read_is_not_approved(client, db, crafted, staff):
    signature = crafted.signatures["sauti"]
    page = client.get(f"/coordinate/review/{signature.id}").get_data(as_text=True)
    action = f"/coordinate/review/{signature.id}/wording"
    with acting_as(label="test-setup"):
        crafted.commitments["sauti"].description = "Changed meanwhile"
        db.session.commit()
    response = client.post(action, data={"version": _version(page, action)}, follow_redirects=True)
    assert "The text changed after you opened the page" in response.get_data(as_text=True)
    assert db.session.scalar(select(PublicWordingApproval)) is None


def test_verifying_with_approval_publishes_the_redacted_update(client, db, crafted, staff):
    update = crafted.updates["golos"]
    with acting_as(label="test-setup"):
        update.review_state = ReviewState.submitted
        db.session.commit()
    page = client.get("/coordinate/progress").get_data(as_text=True)
    assert 'title="Голос Беженцев Харьков (name)"' in page
    assert 'name="approve_wording"' in page
    action = f"/coordinate/progress/{update.id}/verify"
    version = _version(page, action)
    response = client.post(action, data={"version": version, "approve_wording": "y"})
    assert response.status_code == 302
    db.session.refresh(update)
    assert update.review_state is ReviewState.verified
    params = signatory.parse_params({"organisation": crafted.orgs["golos"].id})
    report = signatory.gather(params)
    [entry] = report["entries"]
    [shown] = entry["commitment"].updates
    assert shown.achievements.startswith("[a refugee-led organisation] rumour desk")
    assert shown.evidence_links == () and shown.links_withheld == 1


def test_an_update_verified_earlier_is_approved_from_the_commitment_page(
    client, db, crafted, staff
):
    commitment, update = crafted.commitments["amal"], crafted.updates["amal"]
    page = client.get(f"/coordinate/commitments/{commitment.id}").get_data(as_text=True)
    assert "Not approved: public outputs show structured fields only" in page
    action = f"/coordinate/progress/{update.id}/wording"
    response = client.post(action, data={"version": _version(page, action)})
    assert response.status_code == 302
    assert db.session.scalar(
        select(PublicWordingApproval).where(PublicWordingApproval.entity_id == update.id)
    )


# -- warnings before saving ----------------------------------------------------------------


def _as_draft(db, data, key):
    with acting_as(label="test-setup"):
        data.signatures[key].status = SignatureStatus.draft
        db.session.commit()


def _commitments_titled(db, title):
    return db.session.scalars(select(Commitment).where(Commitment.title == title)).all()


def test_the_commitment_form_warns_before_saving_own_identifiers(
    client,
    db,
    crafted,
    login_as,
    commitment_data,  # noqa: F811
):
    _as_draft(db, crafted, "sauti")
    login_as(crafted.users["sauti"])
    data = commitment_data | {"title": "SYW rumour desk", "token": "t1"}
    response = client.post(f"{SIGN}/commitments/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This text names your organisation" in page
    assert "names your organisation as <mark>SYW</mark>" in page
    assert "In public reports this will read:" in page
    assert '<q class="text-prewrap">[a refugee-led organisation] rumour desk</q>' in page
    assert 'value="SYW rumour desk"' in page  # input kept
    assert _commitments_titled(db, "SYW rumour desk") == []
    ack = re.search(r'name="disclosure_ack" type="hidden" value="([0-9a-f]+)"', page).group(1)
    response = client.post(f"{SIGN}/commitments/new", data=data | {"disclosure_ack": ack})
    assert response.status_code == 302
    assert len(_commitments_titled(db, "SYW rumour desk")) == 1


def test_no_warning_for_a_public_organisation_or_for_another_organisations_name(
    client,
    db,
    crafted,
    login_as,
    commitment_data,  # noqa: F811
):
    """Telling a stakeholder that a text names *another* protected organisation would reveal
    that it is registered: the forms only ever speak of the organisation's own identifiers."""
    _as_draft(db, crafted, "open")
    login_as(crafted.users["open"])
    data = commitment_data | {"title": "With Sauti ya Wakimbizi", "token": "t2"}
    assert client.post(f"{SIGN}/commitments/new", data=data).status_code == 302
    _as_draft(db, crafted, "sauti")
    login_as(crafted.users["sauti"])
    data = commitment_data | {"title": "With Голос Беженцев Харьков", "token": "t3"}
    assert client.post(f"{SIGN}/commitments/new", data=data).status_code == 302


def test_the_progress_form_warns_for_the_names_of_its_people(client, db, crafted, login_as):
    login_as(crafted.users["sauti"])
    commitment = crafted.commitments["sauti"]
    with acting_as(label="test-setup"):
        crafted.updates["sauti"].review_state = ReviewState.returned
        db.session.commit()
    data = {"status": "in_progress", "achievements": "Amani Odhiambo trained 40 moderators"}
    response = client.post(f"/report/digital-protection/commitments/{commitment.id}", data=data)
    page = response.get_data(as_text=True)
    assert "names your organisation as <mark>Amani Odhiambo</mark>" in page
    assert "[a refugee-led organisation] trained 40 moderators" in page


def test_the_profile_form_warns_with_the_names_it_is_saving(client, db, crafted, login_as):
    _as_draft(db, crafted, "sauti")
    login_as(crafted.users["sauti"])
    data = {
        "org_name": "Sauti ya Wakimbizi",
        "stakeholder_type": "refugee_led_organisation",
        "country": "KEN",
        "other_names": "Kakuma Sauti Collective\nVoix des Réfugiés de Kakuma",
        "description": "The Kakuma Sauti Collective runs a rumour desk.",
    }
    page = client.post(f"{SIGN}/organisation", data=data).get_data(as_text=True)
    assert "names your organisation as <mark>Kakuma Sauti Collective</mark>" in page
    assert "The [a refugee-led organisation] runs a rumour desk." in page
    ack = re.search(r'name="disclosure_ack" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert (
        client.post(f"{SIGN}/organisation", data=data | {"disclosure_ack": ack}).status_code == 302
    )
    db.session.refresh(crafted.orgs["sauti"])
    assert crafted.orgs["sauti"].other_names == [
        "Kakuma Sauti Collective",
        "Voix des Réfugiés de Kakuma",
    ]
