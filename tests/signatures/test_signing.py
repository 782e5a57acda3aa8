"""The pledge form: the full journey, closed windows, other organisations, conflicts, bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry import errors
from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    Invitation,
    Role,
    Signature,
    SignatureStatus,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
    utcnow,
)
from registry.pledges import operations as pledge_ops
from registry.policies import INVITATIONS_SESSION_KEY
from registry.signatures import operations as signature_ops
from tests.conftest import PASSWORD, body_of, register

SIGN = "/pledges/digital-protection/sign"


def term_ids(db, kind, *codes):
    return [
        str(t.id)
        for t in db.session.scalars(
            select(VocabularyTerm).where(
                VocabularyTerm.kind == kind, VocabularyTerm.code.in_(codes)
            )
        )
    ]


@pytest.fixture
def commitment_data(db, pledge):
    return {
        "token": "",
        "title": "Arabic and Somali trust & safety escalation channel",
        "description": "A dedicated escalation channel for hate speech against refugees.",
        "key_outcome": str(pledge.key_outcomes[0].id),
        "action_areas": term_ids(db, VocabularyKind.action_area, "content_moderation"),
        "risks": term_ids(db, VocabularyKind.risk, "hate_speech", "disinformation"),
        "target_populations": term_ids(db, VocabularyKind.target_population, "refugees"),
        "geographic_level": "national",
        "countries": ["KEN"],
        "languages": "Arabic, Somali",
        "start_date": "2026-01-01",
        "target_date": "2027-06-30",
        "indicator_text": "Escalations handled within 48 hours",
        "indicator_unit": "escalations",
        "indicator_baseline": "0",
        "indicator_target": "500",
    }


ORGANISATION_STEP = {
    "org_name": "Kakuma Digital Voices",
    "acronym": "KDV",
    "stakeholder_type": "refugee_led_organisation",
    "country": "KEN",
    "website": "https://kdv.example.org",
    "is_refugee_led": "y",
    "visibility": "anonymised",
}
SIGNATORY_STEP = {
    "signed_by_name": "Amina Yusuf",
    "signed_by_title": "Director",
    "statement": "We join.",
    "version": "",
}


@pytest.fixture
def stakeholder(make_user, make_org):
    return make_user(role=Role.stakeholder, organisation=make_org(name="Kakuma Digital Voices"))


@pytest.fixture
def draft(db, pledge, stakeholder):
    """A saved draft signature with one commitment, by `stakeholder`'s organisation."""
    with acting_as(stakeholder):
        signature = signature_ops.start_signature(pledge, stakeholder.organisation)
        signature_ops.update_signatory(signature, "Amina Yusuf", "Director", "We join.")
        commitment = Commitment(signature=signature, title="Existing", description="d")
        db.session.add(commitment)
        db.session.commit()
    return signature


def count(db, model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_full_journey_with_confirmation_email(client, db, pledge, smtp, commitment_data):
    # Register the organisation and its first user.
    response = register(
        client,
        {
            **ORGANISATION_STEP,
            "org_name": "Kakuma Digital Voices",
            "name": "Amina Yusuf",
            "email": "amina@kdv.example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    # The public page links to the form; the form begins with the organisation profile.
    assert f'href="{SIGN}"' in client.get("/pledges/digital-protection").get_data(as_text=True)
    assert client.get(SIGN).headers["Location"].endswith(f"{SIGN}/organisation")
    page = client.get(f"{SIGN}/organisation").get_data(as_text=True)
    assert 'value="Kakuma Digital Voices"' in page
    assert client.post(f"{SIGN}/organisation", data=ORGANISATION_STEP).status_code == 302
    assert client.post(f"{SIGN}/signatory", data=SIGNATORY_STEP).status_code == 302
    # Two commitments, the second added with "add another".
    for title in ("First commitment", "Second commitment"):
        page = client.get(f"{SIGN}/commitments/new").get_data(as_text=True)
        token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
        data = commitment_data | {"title": title, "token": token}
        assert client.post(f"{SIGN}/commitments/new", data=data).status_code == 302
    commitments_page = client.get(f"{SIGN}/commitments").get_data(as_text=True)
    assert "Add another commitment" in commitments_page
    review = client.get(f"{SIGN}/review").get_data(as_text=True)
    assert "First commitment" in review and "Second commitment" in review
    assert "Amina Yusuf, Director" in review and "Arabic, Somali" in review
    # Submit: confirmation page, locked, e-mail through a real SMTP server.
    response = client.post(f"{SIGN}/submit")
    assert response.headers["Location"].endswith(f"{SIGN}/done")
    assert "your signature was submitted" in client.get(f"{SIGN}/done").get_data(as_text=True)
    signature = db.session.scalar(select(Signature))
    assert signature.status is SignatureStatus.submitted and len(signature.commitments) == 2
    message = smtp.wait_for(2)[-1]  # after the registration's link
    assert message["To"] == "amina@kdv.example.org"
    assert "Digital Protection" in message["Subject"]
    assert "2 commitment(s)" in body_of(message)
    # Locked for review: edits are refused by the server.
    response = client.post(f"{SIGN}/signatory", data=SIGNATORY_STEP | {"signed_by_name": "X"})
    assert response.status_code == 403
    assert "can no longer be changed" in response.get_data(as_text=True)
    mine = client.get("/my-organisation").get_data(as_text=True)
    assert "Submitted" in mine


def _write_routes(draft):
    commitment_id = draft.commitments[0].id
    return [
        ("organisation", f"{SIGN}/organisation", ORGANISATION_STEP),
        ("signatory", f"{SIGN}/signatory", SIGNATORY_STEP),
        ("new commitment", f"{SIGN}/commitments/new", None),
        ("edit commitment", f"{SIGN}/commitments/{commitment_id}", None),
        ("remove commitment", f"{SIGN}/commitments/{commitment_id}/remove", {}),
        ("submit", f"{SIGN}/submit", {}),
    ]


@pytest.mark.parametrize("route", range(6), ids=lambda i: _ROUTE_NAMES[i])
@pytest.mark.parametrize("how", ["by hand", "by dates"])
def test_every_write_is_refused_while_closed(
    client, db, pledge, stakeholder, draft, login_as, commitment_data, route, how
):
    window = pledge.windows[0]
    with acting_as(label="test"):
        if how == "by hand":
            pledge_ops.close_window(pledge, WindowKind.signature, message="Closed until May.")
        else:
            window.opens_at = utcnow() + timedelta(days=10)
        db.session.commit()
    login_as(stakeholder)
    name, url, data = _write_routes(draft)[route]
    counts = {m: count(db, m) for m in (Signature, Commitment, AuditEvent)}
    response = client.post(url, data=commitment_data if data is None else data)
    page = response.get_data(as_text=True)
    assert response.status_code == 403, name
    assert ("Closed until May." if how == "by hand" else "It opens on") in page
    assert {m: count(db, m) for m in counts} == counts  # nothing written
    db.session.refresh(draft)
    assert draft.status is SignatureStatus.draft and draft.signed_by_name == "Amina Yusuf"


_ROUTE_NAMES = ["organisation", "signatory", "new", "edit", "remove", "submit"]


@pytest.mark.parametrize("step", ["organisation", "signatory", "commitments", "review"])
def test_every_page_of_the_form_shows_the_closed_message(
    client, db, pledge, stakeholder, draft, login_as, step
):
    with acting_as(label="test"):
        pledge_ops.close_window(pledge, WindowKind.signature)
        db.session.commit()
    login_as(stakeholder)
    page = client.get(f"{SIGN}/{step}").get_data(as_text=True)
    assert "This form is closed to new submissions." in page
    assert "Save and continue" not in page and "Submit for review" not in page


def test_an_invitation_lets_its_holder_through_once(
    app, client, db, pledge, stakeholder, draft, login_as
):
    with acting_as(label="test"):
        window = pledge_ops.close_window(pledge, WindowKind.signature)
        invitation = Invitation(
            window=window,
            organisation=stakeholder.organisation,
            token_hash=Invitation.hash_token("secret-token"),
            expires_at=utcnow() + timedelta(days=3),
        )
        db.session.add(invitation)
        db.session.commit()
    login_as(stakeholder)
    with client.session_transaction() as session:
        session[INVITATIONS_SESSION_KEY] = [invitation.id]
    assert client.post(f"{SIGN}/signatory", data=SIGNATORY_STEP).status_code == 302
    assert client.post(f"{SIGN}/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).used_at is not None
    assert db.session.get(Signature, draft.id).status is SignatureStatus.submitted


def test_another_organisations_objects_answer_404(
    client, db, pledge, draft, make_user, make_org, login_as, commitment_data
):
    other = make_user(role=Role.stakeholder, organisation=make_org(name="Other org"))
    with acting_as(other):
        theirs = signature_ops.start_signature(pledge, other.organisation)
        signature_ops.save_commitment(
            theirs,
            {
                "title": "Theirs",
                "description": "d",
                "key_outcome_id": None,
                "geographic_level": None,
                "languages": [],
                "start_date": None,
                "target_date": None,
                "indicator_text": None,
                "indicator_unit": None,
                "indicator_baseline": None,
                "indicator_target": None,
                "action_area_ids": [],
                "risk_ids": [],
                "target_population_ids": [],
                "countries": [],
            },
        )
        db.session.commit()
    foreign_id = theirs.commitments[0].id
    login_as(draft.organisation.users[0])
    assert client.get(f"{SIGN}/commitments/{foreign_id}").status_code == 404
    assert client.post(f"{SIGN}/commitments/{foreign_id}", data=commitment_data).status_code == 404
    assert client.post(f"{SIGN}/commitments/{foreign_id}/remove").status_code == 404
    db.session.expire_all()
    assert db.session.get(Commitment, foreign_id).title == "Theirs"


def test_second_save_of_a_draft_gets_a_conflict_and_keeps_input(
    app, client, db, draft, stakeholder, make_user, login_as
):
    colleague = make_user(role=Role.stakeholder, organisation=stakeholder.organisation)
    other_client = app.test_client()
    other_client.post("/account/login", data={"email": colleague.email, "password": PASSWORD})
    login_as(stakeholder)
    version = str(draft.version)
    first = client.post(
        f"{SIGN}/signatory", data=SIGNATORY_STEP | {"version": version, "statement": "Mine"}
    )
    assert first.status_code == 302
    second = other_client.post(
        f"{SIGN}/signatory", data=SIGNATORY_STEP | {"version": version, "statement": "Theirs!"}
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 200 and "Someone else in your organisation saved this" in page
    assert "Theirs!" in page  # their input is kept
    db.session.expire_all()
    assert db.session.get(Signature, draft.id).statement == "Mine"  # nothing overwritten


def test_double_posted_commitment_is_created_once(
    client, db, draft, stakeholder, login_as, commitment_data
):
    login_as(stakeholder)
    data = commitment_data | {"token": "abc123"}
    client.post(f"{SIGN}/commitments/new", data=data)
    client.post(f"{SIGN}/commitments/new", data=data)
    db.session.expire_all()
    titles = [c.title for c in db.session.get(Signature, draft.id).commitments]
    assert titles.count(commitment_data["title"]) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "x" * 301}, "Field cannot be longer than 300 characters"),
        ({"target_date": "2025-01-01"}, "The target date must be on or after the start date"),
        ({"countries": ["XXX"]}, "Countries"),
        ({"countries": []}, "Choose the country or countries"),
        ({"key_outcome": "0"}, "Choose the key outcome"),
        ({"action_areas": []}, "Choose at least one action area"),
        ({"description": "d" * 5001}, "What you will do"),
    ],
)
def test_commitment_validation_keeps_input_and_writes_nothing(
    client, db, draft, stakeholder, login_as, commitment_data, change, message
):
    login_as(stakeholder)
    before = count(db, Commitment)
    response = client.post(f"{SIGN}/commitments/new", data=commitment_data | change)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert "Escalations handled within 48 hours" in page  # input kept
    assert count(db, Commitment) == before


def test_javascript_url_refused_in_profile(client, db, stakeholder, pledge, login_as):
    login_as(stakeholder)
    data = ORGANISATION_STEP | {"website": "javascript:alert(1)"}
    page = client.post(f"{SIGN}/organisation", data=data).get_data(as_text=True)
    assert "starting with http:// or https://" in page
    assert count(db, Signature) == 0


def test_submit_needs_a_commitment(client, db, pledge, stakeholder, login_as):
    login_as(stakeholder)
    client.post(f"{SIGN}/organisation", data=ORGANISATION_STEP)
    client.post(f"{SIGN}/signatory", data=SIGNATORY_STEP)
    response = client.post(f"{SIGN}/submit", follow_redirects=True)
    assert "Add at least one commitment" in response.get_data(as_text=True)
    assert db.session.scalar(select(Signature)).status is SignatureStatus.draft


@pytest.mark.parametrize(
    ("decision", "comment", "status", "editable"),
    [
        (SignatureStatus.accepted, None, "Accepted", False),
        (SignatureStatus.changes_requested, "Add an indicator target.", "Changes requested", True),
        (SignatureStatus.rejected, "Outside the scope of the pledge.", "Rejected", False),
    ],
)
def test_decisions_email_the_submitter_and_show_on_my_organisation(
    client, db, draft, stakeholder, make_user, login_as, smtp, decision, comment, status, editable
):
    coordinator = make_user(role=Role.coordinator)
    with acting_as(stakeholder):
        signature_ops.submit_signature(draft, stakeholder)
        db.session.commit()
    smtp.wait_for(1)
    with acting_as(coordinator):
        signature_ops.decide_signature(draft, decision, coordinator, comment)
        db.session.commit()
    messages = smtp.wait_for(2)
    assert messages[-1]["To"] == stakeholder.email and status in messages[-1]["Subject"]
    if comment:
        assert comment in body_of(messages[-1])
    login_as(stakeholder)
    page = client.get("/my-organisation").get_data(as_text=True)
    assert status in page and (comment or "") in page
    assert draft.is_editable is editable


def test_decisions_need_a_reason(db, draft, stakeholder, make_user):
    with acting_as(stakeholder):
        signature_ops.submit_signature(draft, stakeholder)
    with pytest.raises(errors.OperationError):
        signature_ops.decide_signature(
            draft, SignatureStatus.rejected, make_user(role=Role.admin), ""
        )


def test_withdraw(client, db, draft, stakeholder, login_as):
    login_as(stakeholder)
    assert client.post(f"{SIGN}/withdraw").headers["Location"].endswith("/my-organisation")
    db.session.expire_all()
    assert db.session.get(Signature, draft.id).status is SignatureStatus.withdrawn


def test_user_without_organisation_gets_a_clear_message(client, db, pledge, make_user, login_as):
    user = make_user(role=Role.stakeholder)
    user.organisation = None
    db.session.commit()
    login_as(user)
    response = client.get(f"{SIGN}/organisation")
    assert response.status_code == 403
    assert "not linked to an organisation" in response.get_data(as_text=True)
