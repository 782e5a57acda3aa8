"""Joint commitments both sides see (the lead names co-implementers, by name or by e-mail
invitation; the co-implementer sees the commitment in My organisation, confirms or declines,
adds notes) and matching pledges (shown on both commitments' pages and in exports)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    Commitment,
    CommitmentAmendment,
    CommitmentPartner,
    OutboxMessage,
    PartnerInvitation,
    PartnerNote,
    PartnerStatus,
    SubmissionWindow,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.organisations import operations as organisation_operations
from tests.conftest import PASSWORD, browser_of, register
from tests.signatures.published import AMEND, form_of, hidden, publish


@pytest.fixture
def lead(make_user, make_org):
    return make_user(organisation=make_org(name="Open Platforms Inc"), name="Lena Lead")


@pytest.fixture
def partner(make_user, make_org):
    return make_user(organisation=make_org(name="Kenya Peace Network"), name="Pat Partner")


@pytest.fixture
def joint(db, pledge, lead, partner):
    _signature, commitment = publish(
        db, pledge, lead.organisation, title="Shared rumour desk", partners=[partner.organisation]
    )
    return commitment


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_both_sides_of_a_joint_commitment(app, client, db, joint, lead, partner, staff):
    side = browser_of(app, partner)
    mine = side.get("/my-organisation").get_data(as_text=True)
    assert "Joint commitments you are named on" in mine
    assert "Shared rumour desk" in mine and "led by Open Platforms Inc" in mine
    page = side.get(f"/my-organisation/joint/{joint.id}").get_data(as_text=True)
    assert "Waiting for the partner" in page and "Open Platforms Inc" in page

    # Confirm, then a note of its own.
    assert (
        side.post(
            f"/my-organisation/joint/{joint.id}/answer", data={"answer": "confirmed"}
        ).status_code
        == 302
    )
    note = {"text": "Trained 12 volunteers in Dadaab."}
    assert side.post(f"/my-organisation/joint/{joint.id}/notes", data=note).status_code == 302
    page = side.get(f"/my-organisation/joint/{joint.id}").get_data(as_text=True)
    assert "Confirmed by the partner" in page and "Trained 12 volunteers in Dadaab." in page

    # The lead sees the answer and the note beside its commitment, and beside its progress
    # report, which stays the consolidated one.
    lead_browser = browser_of(app, lead)
    overview = lead_browser.get(AMEND).get_data(as_text=True)
    assert "Kenya Peace Network: Confirmed by the partner" in overview
    assert "Trained 12 volunteers in Dadaab." in overview
    with acting_as(label="test-setup"):
        db.session.add(
            SubmissionWindow(
                pledge=joint.signature.pledge,
                kind=WindowKind.progress,
                label="2026 review",
                opens_at=utcnow() - timedelta(days=1),
                closes_at=utcnow() + timedelta(days=30),
            )
        )
        db.session.commit()
    report = lead_browser.get(f"/report/{joint.signature.pledge.slug}/commitments/{joint.id}")
    assert "Trained 12 volunteers in Dadaab." in report.get_data(as_text=True)
    # So do coordinators; the public sees the partner, never its notes.
    detail = client.get(f"/coordinate/commitments/{joint.id}").get_data(as_text=True)
    assert "Kenya Peace Network (Confirmed by the partner)" in detail
    assert "Trained 12 volunteers in Dadaab." in detail
    anonymous = app.test_client()
    public = anonymous.get(f"/commitments/{joint.id}").get_data(as_text=True)
    assert "Kenya Peace Network" in public and "Dadaab" not in public
    assert "Dadaab" not in anonymous.get(f"/api/v1/commitments/{joint.id}").get_data(as_text=True)


def test_a_declined_partner_is_not_listed_and_adds_no_notes(app, db, joint, partner):
    side = browser_of(app, partner)
    side.post(f"/my-organisation/joint/{joint.id}/answer", data={"answer": "declined"})
    assert db.session.get(CommitmentPartner, (joint.id, partner.organisation_id)).status is (
        PartnerStatus.declined
    )
    anonymous = app.test_client()
    public = anonymous.get(f"/commitments/{joint.id}").get_data(as_text=True)
    assert "Kenya Peace Network" not in public and "partner not listed" not in public
    api = anonymous.get(f"/api/v1/commitments/{joint.id}").get_json()
    assert api["co_implementers"] == [] and api["co_implementers_not_listed"] == 0
    response = side.post(f"/my-organisation/joint/{joint.id}/notes", data={"text": "x"})
    assert response.status_code == 400
    assert "declined its part" in response.get_data(as_text=True)
    assert _count(db, PartnerNote) == 0


def test_bad_answers_and_strangers(app, db, joint, lead, make_user, make_org, partner):
    side = browser_of(app, partner)
    response = side.post(f"/my-organisation/joint/{joint.id}/answer", data={"answer": "maybe"})
    assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)
    response = side.post(f"/my-organisation/joint/{joint.id}/notes", data={"text": " "})
    assert response.status_code == 400 and "Write the note." in response.get_data(as_text=True)
    stranger = browser_of(app, make_user(organisation=make_org(name="Stranger org")))
    assert stranger.get(f"/my-organisation/joint/{joint.id}").status_code == 404
    # The lead is not its own co-implementer either.
    assert browser_of(app, lead).get(f"/my-organisation/joint/{joint.id}").status_code == 404


def test_a_co_implementer_invited_by_email_is_named_once_registered(app, client, db, joint, lead):
    browser = browser_of(app, lead)
    prefix = f"invite-{joint.id}-"
    response = browser.post(
        f"{AMEND}/commitments/{joint.id}/invite",
        data={
            f"{prefix}organisation_name": "Dadaab Youth Media",
            f"{prefix}email": "Ayan@DYM.example.org",
        },
    )
    assert response.status_code == 302
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == "ayan@dym.example.org")
    ).one()
    assert "Dadaab Youth Media" in message.body and "/account/register" in message.body
    assert "Open Platforms Inc" in message.body
    register(
        client,
        {
            "org_name": "Dadaab Youth Media",
            "stakeholder_type": "media_outlet",
            "country": "KEN",
            "name": "Ayan Hassan",
            "email": "ayan@dym.example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    db.session.expire_all()
    commitment = db.session.get(Commitment, joint.id)
    assert "Dadaab Youth Media" in [o.name for o in commitment.co_implementers]
    mine = client.get("/my-organisation").get_data(as_text=True)
    assert "Shared rumour desk" in mine and "Waiting for the partner" in mine


def test_an_invitation_to_an_address_of_another_organisation_is_refused(
    app, db, joint, lead, make_user, make_org
):
    other = make_user(organisation=make_org(name="Somewhere else"), email="taken@else.example.org")
    browser = browser_of(app, lead)
    prefix = f"invite-{joint.id}-"
    response = browser.post(
        f"{AMEND}/commitments/{joint.id}/invite",
        data={f"{prefix}organisation_name": "Else", f"{prefix}email": other.email},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already belongs to an account of another organisation" in text
    assert 'value="Else"' in text  # input kept
    assert _count(db, PartnerInvitation) == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to == other.email)
        )
        == 0
    )


@pytest.fixture
def matched(db, pledge, lead, partner):
    """The partner's commitment names the lead's as the one it supports."""
    _signature, theirs = publish(db, pledge, partner.organisation, title="Peace radio spots")
    _signature, ours = publish(db, pledge, lead.organisation, title="Platform escalation desk")
    return ours, theirs


def test_matching_is_proposed_by_number_and_shown_on_both_pages(
    app, client, db, matched, partner, staff
):
    ours, theirs = matched
    side = browser_of(app, partner)
    found = side.get(f"{AMEND}/commitments/{theirs.id}?match_q=escalation").get_data(as_text=True)
    assert f"#{ours.id} — Platform escalation desk" in found  # chosen by search …
    page = side.get(f"{AMEND}/commitments/{theirs.id}").get_data(as_text=True)
    data = form_of(theirs, matches=f"#{ours.id}") | {  # … and given by number
        "version": hidden(page, "version"),
        "proposal_version": "new",
    }
    assert side.post(f"{AMEND}/commitments/{theirs.id}", data=data).status_code == 302
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    page = client.get(f"/coordinate/review/amendments/{amendment.id}").get_data(as_text=True)
    client.post(
        f"/coordinate/review/amendments/{amendment.id}/decide",
        data={"decision": "accepted", "version": hidden(page, "version")},
    )
    anonymous = app.test_client()
    theirs_page = anonymous.get(f"/commitments/{theirs.id}").get_data(as_text=True)
    ours_page = anonymous.get(f"/commitments/{ours.id}").get_data(as_text=True)
    assert "Matches or supports" in theirs_page and "Platform escalation desk" in theirs_page
    assert "Matched by" in ours_page and "Peace radio spots" in ours_page
    internal = client.get(f"/coordinate/commitments/{ours.id}").get_data(as_text=True)
    assert f"#{theirs.id} Peace radio spots" in internal.split('id="matched-by"')[1][:400]
    assert anonymous.get(f"/api/v1/commitments/{ours.id}").get_json()["matched_by"] == [theirs.id]


def test_matching_in_every_export_format(client, db, matched, staff):
    ours, theirs = matched
    with db.session.no_autoflush:
        theirs.matches = [ours]
    db.session.commit()
    exported = client.get("/coordinate/export/commitments.csv").get_data(as_text=True)
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(exported))}
    assert rows[theirs.id]["matches"] == str(ours.id) and rows[ours.id]["matched_by"] == str(
        theirs.id
    )
    assert "Kenya Peace Network" not in rows[ours.id]["co_implementers"]
    data = json.loads(client.get("/coordinate/export/commitments.json").get_data(as_text=True))
    records = {r["id"]: r for r in data["rows"]}
    assert records[theirs.id]["matches"] == [ours.id]
    workbook = load_workbook(io.BytesIO(client.get("/coordinate/export/commitments.xlsx").data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert {"co_implementers", "matches", "matched_by"} <= set(header)
    assert list(rows[theirs.id]) == header  # the same columns in CSV and XLSX
    anonymous = client.application.test_client()
    opendata = anonymous.get("/open-data/commitments.csv").get_data(as_text=True)
    public = {int(r["id"]): r for r in csv.DictReader(io.StringIO(opendata))}
    assert public[ours.id]["matched_by"] == str(theirs.id)


def test_a_match_must_be_a_published_commitment(app, db, pledge, matched, partner, make_org):
    ours, theirs = matched
    hidden_org = make_org(name="Hidden Helpers", visibility=Visibility.hidden)
    _sig, secret = publish(db, pledge, hidden_org, title="Secret work")
    side = browser_of(app, partner)
    page = side.get(f"{AMEND}/commitments/{theirs.id}").get_data(as_text=True)
    for wrong in (f"{secret.id}", "999999", f"{theirs.id}", "twelve"):
        data = form_of(theirs, matches=wrong) | {
            "version": hidden(page, "version"),
            "proposal_version": "new",
        }
        response = side.post(f"{AMEND}/commitments/{theirs.id}", data=data)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and "There is a problem" in text, wrong
        assert f'value="{wrong}"' in text
    assert _count(db, CommitmentAmendment) == 0


def test_the_public_page_changes_version_when_a_partner_answers_or_a_match_is_named(
    app, db, joint, partner, pledge, make_org
):
    _sig, other = publish(db, pledge, make_org(name="Radio Dadaab"), title="Radio spots")
    anonymous = app.test_client()
    url = f"/commitments/{joint.id}"
    first = anonymous.get(url).headers["ETag"]
    browser_of(app, partner).post(
        f"/my-organisation/joint/{joint.id}/answer", data={"answer": "declined"}
    )
    second = anonymous.get(url).headers["ETag"]
    assert second != first
    assert "Kenya Peace Network" not in anonymous.get(url).get_data(as_text=True)
    with acting_as(label="test-setup"):
        db.session.get(type(joint), other.id).matches = [db.session.get(type(joint), joint.id)]
        db.session.commit()
    third = anonymous.get(url)
    assert third.headers["ETag"] not in (first, second)
    assert "Radio spots" in third.get_data(as_text=True)


def test_a_merge_keeps_the_co_implementers_notes(app, db, joint, partner, make_org, coordinator):
    browser_of(app, partner).post(
        f"/my-organisation/joint/{joint.id}/notes", data={"text": "Our note."}
    )
    kept = make_org(name="Kenya Peace Network (registered twice)")
    with acting_as(coordinator):
        organisation_operations.merge_organisations(kept, partner.organisation, coordinator)
        db.session.commit()
    note = db.session.scalars(select(PartnerNote)).one()
    assert note.organisation_id == kept.id and note.text == "Our note."
