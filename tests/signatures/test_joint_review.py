"""Review of issue 15's joint commitments: what the lead organisation is shown of its
co-implementers' notes (another organisation's page: no protected organisation named)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.audit import acting_as
from registry.models import SubmissionWindow, Visibility, WindowKind, utcnow
from registry.signatures import operations, queries
from tests.conftest import browser_of
from tests.signatures.published import AMEND, publish


@pytest.fixture
def setting(db, pledge, make_user, make_org):
    lead = make_user(organisation=make_org(name="Open Platforms Inc"), name="Lena Lead")
    partner_org = make_org(name="Kenya Peace Network")
    partner = make_user(organisation=partner_org, name="Pat Partner")
    # A third organisation, anonymised, with nothing to do with the lead.
    make_org(name="Sauti ya Wakimbizi", acronym="SYW", visibility=Visibility.anonymised)
    _signature, commitment = publish(
        db, pledge, lead.organisation, title="Shared rumour desk", partners=[partner_org]
    )
    with acting_as(partner):
        operations.add_partner_note(
            queries.partner_link(commitment.id, partner_org.id),
            "Trained 12 volunteers with Sauti ya Wakimbizi (SYW) in Kakuma.",
            partner,
        )
        db.session.commit()
    return lead, commitment


def test_the_lead_reads_its_partners_notes_without_a_protected_organisations_name(app, db, setting):
    lead, commitment = setting
    browser = browser_of(app, lead)
    overview = browser.get(AMEND).get_data(as_text=True)
    assert "Trained 12 volunteers" in overview
    assert "Sauti ya Wakimbizi" not in overview and "SYW" not in overview
    with acting_as(label="test-setup"):
        db.session.add(
            SubmissionWindow(
                pledge=commitment.signature.pledge,
                kind=WindowKind.progress,
                label="2026 review",
                opens_at=utcnow() - timedelta(days=1),
                closes_at=utcnow() + timedelta(days=30),
            )
        )
        db.session.commit()
    slug = commitment.signature.pledge.slug
    report = browser.get(f"/report/{slug}/commitments/{commitment.id}").get_data(as_text=True)
    assert "Trained 12 volunteers" in report
    assert "Sauti ya Wakimbizi" not in report and "SYW" not in report


def test_a_hidden_leads_partner_can_neither_answer_nor_add_notes(app, db, setting):
    """The joint page of a hidden lead's commitment is 404 for its partners (README); so are
    its answer and notes: nothing is written, and nothing tells the partner it is named."""
    lead, commitment = setting
    with acting_as(label="test-setup"):
        lead.organisation.visibility = Visibility.hidden
        db.session.commit()
    part = queries.partner_link(commitment.id, commitment.co_implementers[0].id)
    partner = next(u for u in part.organisation.users)
    browser = browser_of(app, partner)
    base = f"/my-organisation/joint/{commitment.id}"
    assert browser.get(base).status_code == 404
    assert browser.post(f"{base}/answer", data={"answer": "confirmed"}).status_code == 404
    assert browser.post(f"{base}/notes", data={"text": "Another note."}).status_code == 404
    db.session.expire_all()
    assert part.status.name == "pending"
    assert [n.text for n in queries.partner_notes(commitment)] == [
        "Trained 12 volunteers with Sauti ya Wakimbizi (SYW) in Kakuma."
    ]


def test_an_address_is_invited_to_a_commitment_once(app, db, setting):
    """Inviting the same address again sends no second e-mail and keeps one invitation."""
    from sqlalchemy import func, select

    from registry.models import OutboxMessage, PartnerInvitation

    lead, commitment = setting
    browser = browser_of(app, lead)
    prefix = f"invite-{commitment.id}-"
    data = {f"{prefix}organisation_name": "Dadaab Youth Media"}
    url = f"{AMEND}/commitments/{commitment.id}/invite"
    first = browser.post(url, data=data | {f"{prefix}email": "ayan@dym.example.org"})
    assert first.status_code == 302
    again = browser.post(url, data=data | {f"{prefix}email": "Ayan@DYM.example.org"})
    assert again.status_code == 400
    assert "This address is already invited to this commitment." in again.get_data(as_text=True)
    db.session.expire_all()
    sent = select(func.count()).where(OutboxMessage.to == "ayan@dym.example.org")
    assert db.session.scalar(sent) == 1
    assert db.session.scalar(select(func.count()).select_from(PartnerInvitation)) == 1
