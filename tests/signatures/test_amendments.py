"""Amendments after acceptance: the review cycle end to end (the published version in force in
every view until a coordinator accepts), the history of accepted changes, coordinators' edits
on an organisation's behalf, optimistic locking, withdrawn signatures and closed windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AmendmentStatus,
    Commitment,
    CommitmentAmendment,
    CommitmentRevision,
    Invitation,
    OutboxMessage,
    Role,
    Signature,
    SignatureStatus,
    WindowKind,
    utcnow,
)
from registry.pledges import operations as pledge_ops
from registry.policies import INVITATIONS_SESSION_KEY
from tests.conftest import PASSWORD
from tests.signatures.published import AMEND, form_of, hidden, publish


@pytest.fixture
def signatory(make_user, make_org):
    return make_user(
        role=Role.stakeholder,
        organisation=make_org(name="Kakuma Digital Voices"),
        name="Amina Yusuf",
        email="amina@kdv.example.org",
    )


@pytest.fixture
def published(db, pledge, signatory):
    _signature, commitment = publish(db, pledge, signatory.organisation)
    return commitment


@pytest.fixture
def reviewer(app, coordinator):
    """A second browser, logged in as the coordinator."""
    other = app.test_client()
    response = other.post("/account/login", data={"email": coordinator.email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    return other


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _propose(client, commitment, **changes):
    page = client.get(f"{AMEND}/commitments/{commitment.id}").get_data(as_text=True)
    data = form_of(commitment, **changes) | {
        "version": hidden(page, "version"),
        "proposal_version": hidden(page, "proposal_version"),
    }
    return client.post(f"{AMEND}/commitments/{commitment.id}", data=data)


def _decide(reviewer, amendment_id, decision, comment=""):
    page = reviewer.get(f"/coordinate/review/amendments/{amendment_id}").get_data(as_text=True)
    return reviewer.post(
        f"/coordinate/review/amendments/{amendment_id}/decide",
        data={"decision": decision, "comment": comment, "version": hidden(page, "version")},
    )


def _public_views(client, commitment_id) -> list[str]:
    """The commitment's public page and API answer (anonymous) as text."""
    anonymous = client.application.test_client()
    return [
        anonymous.get(f"/commitments/{commitment_id}").get_data(as_text=True),
        anonymous.get(f"/api/v1/commitments/{commitment_id}").get_data(as_text=True),
    ]


def test_review_cycle_end_to_end_keeps_the_published_version_until_accepted(
    client, db, published, signatory, login_as, reviewer, coordinator
):
    login_as(signatory)
    response = _propose(client, published, title="Rumour desk in Kakuma and Dadaab",
                        target_date="2028-12-31")  # fmt: skip
    assert response.status_code == 302
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    assert amendment.status is AmendmentStatus.submitted

    # Published version in force everywhere: the row, public page, API, internal page, export.
    for page in _public_views(client, published.id):
        assert "Rumour desk in Kakuma" in page and "Dadaab" not in page
    internal = reviewer.get(f"/coordinate/commitments/{published.id}").get_data(as_text=True)
    assert "Dadaab" not in internal.split("Accepted changes")[0]
    export = reviewer.get("/coordinate/export/commitments.csv").get_data(as_text=True)
    assert "Dadaab" not in export
    db.session.expire_all()
    assert db.session.get(Commitment, published.id).title == "Rumour desk in Kakuma"

    # The coordinator sees the diff and asks for changes; the organisation reads the comment.
    page = reviewer.get(f"/coordinate/review/amendments/{amendment.id}").get_data(as_text=True)
    assert "Dadaab" in page and "2028-12-31" in page
    assert (
        _decide(reviewer, amendment.id, "changes_requested", "Say which camps.").status_code == 302
    )
    overview = client.get(AMEND).get_data(as_text=True)
    assert "Say which camps." in overview and "Changes requested" in overview
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == signatory.email))
    assert any("Say which camps." in m.body for m in mail)

    # The organisation changes its proposal (the form starts from it) and sends it again.
    form_page = client.get(f"{AMEND}/commitments/{published.id}").get_data(as_text=True)
    assert "Rumour desk in Kakuma and Dadaab" in form_page
    assert _propose(client, published, title="Rumour desk in Kakuma camp and Dadaab camp",
                    target_date="2028-12-31").status_code == 302  # fmt: skip
    for page in _public_views(client, published.id):
        assert "Dadaab" not in page

    # Accepted: published at once, and in the history with who and when.
    assert _decide(reviewer, amendment.id, "accepted").status_code == 302
    db.session.expire_all()
    commitment = db.session.get(Commitment, published.id)
    assert commitment.title == "Rumour desk in Kakuma camp and Dadaab camp"
    assert commitment.target_date.isoformat() == "2028-12-31"
    for page in _public_views(client, published.id):
        assert "Rumour desk in Kakuma camp and Dadaab camp" in page
    revision = db.session.scalars(select(CommitmentRevision)).one()
    assert revision.proposed_by_id == signatory.id and revision.accepted_by_id == coordinator.id
    assert set(revision.changes) == {"title", "target_date"}
    internal = reviewer.get(f"/coordinate/commitments/{published.id}").get_data(as_text=True)
    assert "Amendment proposed by Amina Yusuf, accepted by Carla Coordinator" in internal
    assert "2027-06-30" in internal and "2028-12-31" in internal  # before and after
    assert "Amendment proposed by Amina Yusuf" in client.get(AMEND).get_data(as_text=True)


def test_a_new_commitment_is_proposed_and_published_on_acceptance(
    client, db, published, signatory, login_as, reviewer
):
    login_as(signatory)
    page = client.get(f"{AMEND}/new").get_data(as_text=True)
    data = form_of(published, title="Radio call-in on scams") | {
        "version": "new",
        "proposal_version": hidden(page, "proposal_version"),
    }
    assert client.post(f"{AMEND}/new", data=data).status_code == 302
    before = count(db, Commitment)
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    assert amendment.commitment_id is None
    assert "Radio call-in on scams" in reviewer.get("/coordinate/review/amendments").get_data(
        as_text=True
    )
    assert _decide(reviewer, amendment.id, "accepted").status_code == 302
    assert count(db, Commitment) == before + 1
    created = db.session.scalars(
        select(Commitment).where(Commitment.title == "Radio call-in on scams")
    ).one()
    assert created.signature_id == published.signature_id
    assert "Radio call-in on scams" in _public_views(client, created.id)[0]


def test_rejection_keeps_the_published_version(
    client, db, published, signatory, login_as, reviewer
):
    login_as(signatory)
    _propose(client, published, title="Something else entirely")
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    assert _decide(reviewer, amendment.id, "rejected").status_code == 400  # a reason is needed
    assert _decide(reviewer, amendment.id, "rejected", "Out of scope.").status_code == 302
    db.session.expire_all()
    assert db.session.get(Commitment, published.id).title == "Rumour desk in Kakuma"
    assert count(db, CommitmentRevision) == 0
    assert "Out of scope." in client.get(AMEND).get_data(as_text=True)


def test_a_coordinator_edits_on_behalf_recorded_as_such(
    db, published, signatory, reviewer, coordinator
):
    url = f"/coordinate/review/commitments/{published.id}/edit"
    page = reviewer.get(url).get_data(as_text=True)
    data = form_of(published, indicator_target="350") | {"version": hidden(page, "version")}
    assert reviewer.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Commitment, published.id).indicator_target == 350
    revision = db.session.scalars(select(CommitmentRevision)).one()
    assert revision.kind == "on_behalf" and revision.on_behalf_of_id == signatory.organisation_id
    detail = reviewer.get(f"/coordinate/commitments/{published.id}").get_data(as_text=True)
    assert "Edited by coordinator Carla Coordinator on behalf of Kakuma Digital Voices" in detail


def test_a_stale_proposal_is_refused_with_nothing_written(
    client, db, published, signatory, login_as, reviewer
):
    login_as(signatory)
    page = client.get(f"{AMEND}/commitments/{published.id}").get_data(as_text=True)
    read = {"version": hidden(page, "version"), "proposal_version": "new"}
    # Meanwhile a coordinator changes the commitment on the organisation's behalf.
    edit = f"/coordinate/review/commitments/{published.id}/edit"
    edit_page = reviewer.get(edit).get_data(as_text=True)
    reviewer.post(edit, data=form_of(published, indicator_target="300")
                  | {"version": hidden(edit_page, "version")})  # fmt: skip
    response = client.post(
        f"{AMEND}/commitments/{published.id}", data=form_of(published, title="Mine") | read
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this commitment or its proposal" in text
    assert 'value="Mine"' in text  # the input is kept
    assert count(db, CommitmentAmendment) == 0


def test_a_proposal_racing_another_is_refused(
    client, db, published, signatory, login_as, make_user
):
    colleague = make_user(organisation=signatory.organisation, email="colleague@kdv.example.org")
    login_as(signatory)
    page = client.get(f"{AMEND}/commitments/{published.id}").get_data(as_text=True)
    read = {"version": hidden(page, "version"), "proposal_version": "new"}
    other = client.application.test_client()
    other.post("/account/login", data={"email": colleague.email, "password": PASSWORD})
    first = other.post(
        f"{AMEND}/commitments/{published.id}", data=form_of(published, title="First") | read
    )
    assert first.status_code == 302
    second = client.post(
        f"{AMEND}/commitments/{published.id}", data=form_of(published, title="Second") | read
    )
    assert "Someone else changed this commitment or its proposal" in second.get_data(as_text=True)
    amendments = db.session.scalars(select(CommitmentAmendment)).all()
    assert [a.proposed["title"] for a in amendments] == ["First"]


def test_a_stale_acceptance_is_refused_with_nothing_written(
    client, db, published, signatory, login_as, reviewer
):
    login_as(signatory)
    _propose(client, published, title="Proposed title")
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    decision_page = reviewer.get(f"/coordinate/review/amendments/{amendment.id}").get_data(
        as_text=True
    )
    read = hidden(decision_page, "version")
    # The commitment changes after the proposal was made (a coordinator's edit).
    edit = f"/coordinate/review/commitments/{published.id}/edit"
    edit_page = reviewer.get(edit).get_data(as_text=True)
    reviewer.post(edit, data=form_of(published, indicator_target="300")
                  | {"version": hidden(edit_page, "version")})  # fmt: skip
    response = reviewer.post(
        f"/coordinate/review/amendments/{amendment.id}/decide",
        data={"decision": "accepted", "comment": "", "version": read},
    )
    assert response.status_code == 409
    assert "changed after this proposal was made" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CommitmentAmendment, amendment.id).status is AmendmentStatus.submitted
    assert db.session.get(Commitment, published.id).title == "Rumour desk in Kakuma"
    assert count(db, CommitmentRevision) == 1  # the coordinator's edit only


def test_a_decision_on_a_proposal_changed_since_it_was_read_is_refused(
    client, db, published, signatory, login_as, reviewer
):
    login_as(signatory)
    _propose(client, published, title="Proposed title")
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    response = reviewer.post(
        f"/coordinate/review/amendments/{amendment.id}/decide",
        data={"decision": "accepted", "comment": "", "version": str(amendment.version - 1)},
    )
    assert response.status_code == 409
    assert "Someone else changed this commitment or its proposal" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Commitment, published.id).title == "Rumour desk in Kakuma"


def test_a_withdrawn_signature_cannot_be_amended(client, db, pledge, signatory, login_as):
    with acting_as(label="test-setup"):
        signature = Signature(
            pledge=pledge, organisation=signatory.organisation, status=SignatureStatus.withdrawn
        )
        commitment = Commitment(signature=signature, title="Old", description="d")
        db.session.add(signature)
        db.session.commit()
    login_as(signatory)
    for response in (
        client.get(AMEND),
        client.get(f"{AMEND}/commitments/{commitment.id}"),
        client.post(f"{AMEND}/commitments/{commitment.id}", data={"title": "New"}),
        client.post(f"{AMEND}/new", data={"title": "New"}),
    ):
        assert response.status_code == 403
        assert "This signature was withdrawn" in response.get_data(as_text=True)
    assert count(db, CommitmentAmendment) == 0


def test_proposals_need_the_open_window_or_an_invitation(
    client, db, pledge, published, signatory, login_as
):
    with acting_as(label="test"):
        window = pledge_ops.close_window(pledge, WindowKind.signature, message="Closed until May.")
        db.session.commit()
    login_as(signatory)
    page = client.get(f"{AMEND}/commitments/{published.id}").get_data(as_text=True)
    assert "Closed until May." in page and "Send the proposal for review" not in page
    data = form_of(published, title="Closed") | {
        "version": str(published.version),
        "proposal_version": "new",
    }
    response = client.post(f"{AMEND}/commitments/{published.id}", data=data)
    assert response.status_code == 403 and count(db, CommitmentAmendment) == 0
    with acting_as(label="test"):
        invitation = Invitation(
            window=window,
            organisation=signatory.organisation,
            token_hash=Invitation.hash_token("amend-token"),
            expires_at=utcnow() + timedelta(days=3),
        )
        db.session.add(invitation)
        db.session.commit()
    with client.session_transaction() as session:
        session[INVITATIONS_SESSION_KEY] = [invitation.id]
    assert client.post(f"{AMEND}/commitments/{published.id}", data=data).status_code == 302
    assert count(db, CommitmentAmendment) == 1


def test_another_organisation_cannot_reach_the_proposals(
    client, db, pledge, published, signatory, login_as, make_user, make_org
):
    login_as(signatory)
    _propose(client, published, title="Ours")
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    other = make_user(organisation=make_org(name="Other org"))
    publish(db, pledge, other.organisation, title="Theirs")
    stranger = client.application.test_client()
    stranger.post("/account/login", data={"email": other.email, "password": PASSWORD})
    assert stranger.get(f"{AMEND}/commitments/{published.id}").status_code == 404
    assert stranger.get(f"{AMEND}/proposals/{amendment.id}").status_code == 404
    assert stranger.get(f"/coordinate/review/amendments/{amendment.id}").status_code == 403


def test_a_returned_new_commitment_proposal_is_changed_and_sent_again(
    client, db, published, signatory, login_as, reviewer
):
    login_as(signatory)
    data = form_of(published, title="Podcast") | {"version": "new", "proposal_version": "new"}
    assert client.post(f"{AMEND}/new", data=data).status_code == 302
    amendment = db.session.scalars(select(CommitmentAmendment)).one()
    _decide(reviewer, amendment.id, "changes_requested", "Name the languages.")
    url = f"{AMEND}/proposals/{amendment.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Name the languages." in page and 'value="Podcast"' in page
    again = form_of(published, title="Podcast in Somali") | {
        "version": "new",
        "proposal_version": hidden(page, "proposal_version"),
    }
    assert client.post(url, data=again).status_code == 302
    db.session.expire_all()
    amendment = db.session.get(CommitmentAmendment, amendment.id)
    assert amendment.status is AmendmentStatus.submitted
    assert amendment.proposed["title"] == "Podcast in Somali"
    assert count(db, CommitmentAmendment) == 1
    # While it waits for a coordinator it cannot be changed again.
    response = client.post(url, data=again | {"proposal_version": str(amendment.version)})
    assert "waiting for a coordinator" in response.get_data(as_text=True)


def test_a_proposal_that_changes_nothing_is_refused(client, db, published, signatory, login_as):
    login_as(signatory)
    response = _propose(client, published)
    assert response.status_code == 200
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert count(db, CommitmentAmendment) == 0
