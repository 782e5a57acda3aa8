"""Review of submitted signatures: the queue, the full page, decisions, changes since review."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    OutboxMessage,
    Role,
    Signature,
    SignatureStatus,
    utcnow,
)
from registry.signatures import operations as signature_ops
from registry.signatures.queries import changes_since_last_review
from tests.conftest import body_of

QUEUE = "/coordinate/review"


def commitment_fields(pledge, **changes) -> dict:
    """`save_commitment` arguments for a complete commitment."""
    return {
        "title": "Somali-language escalation channel",
        "description": "Escalate hate speech against refugees within 48 hours.",
        "key_outcome_id": pledge.key_outcomes[0].id,
        "geographic_level": None,
        "languages": ["Somali", "Arabic"],
        "start_date": None,
        "target_date": None,
        "indicator_text": "Escalations handled within 48 hours",
        "indicator_unit": "escalations",
        "indicator_baseline": 0.0,
        "indicator_target": 500.0,
        "action_area_ids": [],
        "risk_ids": [],
        "target_population_ids": [],
        "countries": ["KEN"],
    } | changes


@pytest.fixture
def submit(db, pledge, make_user, make_org):
    """Create a stakeholder whose organisation submits a signature; returns the signature."""

    def make(name="Kakuma Digital Voices", submitted_at=None, titles=("First commitment",)):
        stakeholder = make_user(role=Role.stakeholder, organisation=make_org(name=name))
        with acting_as(stakeholder):
            signature = signature_ops.start_signature(pledge, stakeholder.organisation)
            signature_ops.update_signatory(signature, "Amina Yusuf", "Director", "We join.")
            for title in titles:
                signature_ops.save_commitment(signature, commitment_fields(pledge, title=title))
            signature_ops.submit_signature(signature, stakeholder, now=submitted_at)
            db.session.commit()
        return signature

    return make


def status_of(db, signature) -> SignatureStatus:
    db.session.expire_all()
    return db.session.get(Signature, signature.id).status


def test_queue_lists_submitted_signatures_oldest_first(client, db, submit, staff):
    now = utcnow()
    submit("Newer Org", submitted_at=now - timedelta(days=1))
    older = submit("Older Org", submitted_at=now - timedelta(days=5), titles=("A", "B"))
    page = client.get(QUEUE).get_data(as_text=True)
    assert page.index("Older Org") < page.index("Newer Org")
    assert f'href="/coordinate/review/{older.id}"' in page
    row = page.split(f'data-signature="{older.id}"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row and "Digital Protection" in row  # commitments, pledge
    assert older.submitted_by.name in row


def test_queue_leaves_out_drafts_and_decided_signatures(
    client, db, pledge, submit, staff, make_org
):
    submitted = submit("Waiting Org")
    decided = submit("Rejected Org")
    with acting_as(staff):
        signature_ops.decide_signature(decided, SignatureStatus.rejected, staff, "Out of scope")
        signature_ops.start_signature(pledge, make_org(name="Drafting Org"))
        db.session.commit()
    page = client.get(QUEUE).get_data(as_text=True)
    assert "Waiting Org" in page and f"/coordinate/review/{submitted.id}" in page
    assert "Rejected Org" not in page and "Drafting Org" not in page
    row = page.split(f'data-signature="{submitted.id}"')[1].split("</tr>")[0]
    assert "<td>1</td>" in row  # one commitment


def test_detail_shows_everything_the_organisation_entered(client, db, submit, staff):
    signature = submit(titles=("First commitment", "Second commitment"))
    page = client.get(f"{QUEUE}/{signature.id}").get_data(as_text=True)
    for text in (
        "Kakuma Digital Voices",
        "Amina Yusuf, Director",
        "We join.",
        "First commitment",
        "Second commitment",
        "Escalate hate speech against refugees within 48 hours.",
        "Somali, Arabic",
        "Escalations handled within 48 hours",
        "Kenya",  # a country by its name, not its ISO code
        "500",
        'name="decision"',
    ):
        assert text in page, text
    assert "500.0" not in page and ">KEN<" not in page
    assert "What changed since changes were requested" not in page
    assert client.get(f"{QUEUE}/999999").status_code == 404


@pytest.mark.parametrize(
    ("decision", "comment", "status"),
    [
        ("accepted", "", SignatureStatus.accepted),
        ("changes_requested", "Add an indicator target.", SignatureStatus.changes_requested),
        ("rejected", "Outside the scope of the pledge.", SignatureStatus.rejected),
    ],
)
def test_decision_through_the_web(client, db, submit, staff, smtp, decision, comment, status):
    signature = submit()
    submitter = signature.submitted_by.email
    smtp.wait_for(1)  # the submission's confirmation
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = client.post(
        f"{QUEUE}/{signature.id}/decide", data={"decision": decision, "comment": comment}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(QUEUE)
    assert status.label in client.get(QUEUE).get_data(as_text=True)  # the flash message
    assert status_of(db, signature) is status
    messages = smtp.wait_for(2)
    assert messages[-1]["To"] == submitter and status.label in messages[-1]["Subject"]
    if comment:
        assert comment in body_of(messages[-1])
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "Signature", AuditEvent.entity_id == signature.id)
        .order_by(AuditEvent.id.desc())
    )
    assert event.action == "update" and event.after["status"] == status.name
    assert event.actor_id == staff.id
    assert db.session.scalar(select(func.count(AuditEvent.id))) > events_before


@pytest.mark.parametrize("decision", ["changes_requested", "rejected"])
def test_decision_without_comment_is_refused_and_writes_nothing(
    client, db, submit, staff, decision
):
    signature = submit()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    outbox = db.session.scalar(select(func.count(OutboxMessage.id)))
    response = client.post(
        f"{QUEUE}/{signature.id}/decide", data={"decision": decision, "comment": "   "}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    chosen = page.split(f'value="{decision}"')[0].rsplit("<input", 1)[1]
    assert "checked" in chosen  # the choice is kept
    assert status_of(db, signature) is SignatureStatus.submitted
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox


def test_decision_on_a_decided_signature_is_refused(client, db, submit, staff):
    signature = submit()
    with acting_as(staff):
        signature_ops.decide_signature(signature, SignatureStatus.accepted, staff)
        db.session.commit()
    data = {"decision": "rejected", "comment": "Too late."}
    response = client.post(f"{QUEUE}/{signature.id}/decide", data=data)
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    assert status_of(db, signature) is SignatureStatus.accepted


def test_resubmission_shows_what_changed_since_changes_were_requested(
    client, db, pledge, submit, staff
):
    signature = submit(titles=("First commitment", "Dropped commitment"))
    stakeholder = signature.submitted_by
    client.post(
        f"{QUEUE}/{signature.id}/decide",
        data={"decision": "changes_requested", "comment": "Sharpen the statement."},
    )
    db.session.expire_all()
    signature = db.session.get(Signature, signature.id)
    first, dropped = signature.commitments
    with acting_as(stakeholder):
        signature_ops.update_signatory(signature, "Amina Yusuf", "Director", "We join, with care.")
        signature_ops.save_commitment(
            signature, commitment_fields(pledge, title="Renamed commitment"), first
        )
        # An edit undone before resubmitting is not a change.
        signature_ops.update_signatory(signature, "Amina Y.", "Director", "We join, with care.")
        signature_ops.update_signatory(signature, "Amina Yusuf", "Director", "We join, with care.")
        signature_ops.remove_commitment(signature, dropped)
        signature_ops.save_commitment(signature, commitment_fields(pledge, title="Brand new one"))
        signature_ops.submit_signature(signature, stakeholder)
        db.session.commit()

    page = client.get(f"{QUEUE}/{signature.id}").get_data(as_text=True)
    assert "What changed since changes were requested" in page
    assert "Sharpen the statement." in page
    changes = page.split('id="changes"')[1].split("</section>")[0]
    assert "We join." in changes and "We join, with care." in changes
    assert "First commitment" in changes and "Renamed commitment" in changes
    assert "Dropped commitment" in changes and "Commitment removed" in changes
    assert "Brand new one" in changes and "Commitment added" in changes
    assert "Amina Y." not in changes

    rows = changes_since_last_review(signature)
    assert [(r["entity_type"], r["change"], r.get("field")) for r in rows] == [
        ("Signature", "changed", "statement"),
        ("Commitment", "changed", "title"),
        ("Commitment", "removed", None),
        ("Commitment", "added", None),
    ]
    assert rows[0]["old"] == "We join." and rows[0]["new"] == "We join, with care."
    assert rows[1]["old"] == "First commitment" and rows[1]["new"] == "Renamed commitment"


def test_changes_are_listed_only_since_the_last_request(db, pledge, submit, make_user):
    staff = make_user(role=Role.coordinator)
    signature = submit()
    stakeholder = signature.submitted_by
    for statement in ("Second version.", "Third version."):
        with acting_as(staff):
            signature_ops.decide_signature(
                signature, SignatureStatus.changes_requested, staff, "Again."
            )
        with acting_as(stakeholder):
            signature_ops.update_signatory(signature, "Amina Yusuf", "Director", statement)
            signature_ops.submit_signature(signature, stakeholder)
        db.session.commit()
    [row] = changes_since_last_review(signature)
    assert (row["old"], row["new"]) == ("Second version.", "Third version.")


def test_other_signatures_changes_are_not_listed(db, pledge, submit, make_user):
    staff = make_user(role=Role.coordinator)
    mine, theirs = submit("Mine"), submit("Theirs")
    with acting_as(staff):
        signature_ops.decide_signature(mine, SignatureStatus.changes_requested, staff, "x")
        signature_ops.decide_signature(theirs, SignatureStatus.changes_requested, staff, "x")
        db.session.commit()
    with acting_as(theirs.submitted_by):
        signature_ops.save_commitment(theirs, commitment_fields(pledge, title="Theirs, added"))
        signature_ops.remove_commitment(theirs, theirs.commitments[0])
        db.session.commit()
    assert changes_since_last_review(mine) == []
    assert {r["change"] for r in changes_since_last_review(theirs)} == {"added", "removed"}


def test_stakeholders_cannot_review(client, db, submit, make_user, login_as):
    signature = submit()
    login_as(signature.submitted_by)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}/{signature.id}").status_code == 403
    response = client.post(f"{QUEUE}/{signature.id}/decide", data={"decision": "accepted"})
    assert response.status_code == 403
    assert status_of(db, signature) is SignatureStatus.submitted
    assert db.session.scalar(select(func.count(Commitment.id))) == 1
