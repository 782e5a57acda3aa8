"""The protected organisations' identifiers are kept between requests (`protected_now`), and a
kept load is never used once anything it depends on changed: a renamed or newly protected
organisation, a new contact, a write from outside the registry, a request's own changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit import acting_as
from registry.disclosure import View
from registry.models import (
    Commitment,
    CommitmentStatus,
    Contact,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    utcnow,
)

TEXT = "Run with Sunrise Voices, Moonrise Collective, Harbour Media and Amina Odhiambo's team."


#: Public outputs kept between requests that show the description: the commitment's page,
#: the API's list and record (their answers are kept). The directory's list (its page of
#: records is kept) is the last test's.
PATHS = ("/commitments/{id}", "/api/v1/commitments", "/api/v1/commitments/{id}")


@pytest.fixture(params=PATHS)
def path(request):
    return request.param


def _page(client, commitment_id: int, path: str = PATHS[0]) -> str:
    response = client.get(path.format(id=commitment_id))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _setup(db, pledge, make_org):
    """A public organisation's commitment whose description names three others."""
    lead = make_org(name="Coastal Fact Check", stakeholder_type=StakeholderType.media_outlet)
    hidden = make_org(
        name="Sunrise Voices",
        stakeholder_type=StakeholderType.refugee_led_organisation,
        visibility=Visibility.anonymised,
    )
    harbour = make_org(name="Harbour Media", stakeholder_type=StakeholderType.media_outlet)
    outcome = pledge.key_outcomes[0]
    with acting_as(label="test-setup"):
        signature = Signature(
            pledge=pledge, organisation=lead, status=SignatureStatus.accepted, decided_at=utcnow()
        )
        commitment = Commitment(
            signature=signature,
            title="Rumour tracking desk",
            description=TEXT,
            status=CommitmentStatus.in_progress,
            key_outcome=outcome,
        )
        db.session.add_all([signature, commitment])
        db.session.commit()
    return commitment.id, hidden, harbour


def test_a_renamed_protected_organisation_is_hidden_by_its_new_name(
    client, db, pledge, make_org, path
):
    commitment_id, hidden, _harbour = _setup(db, pledge, make_org)
    page = _page(client, commitment_id, path)  # the identifiers are loaded and kept
    assert "Sunrise Voices" not in page and "Moonrise Collective" in page
    with acting_as(label="test"):
        hidden.name = "Moonrise Collective"
        db.session.commit()
    page = _page(client, commitment_id, path)
    assert "Moonrise Collective" not in page and "Harbour Media" in page


def test_a_new_contact_of_a_protected_organisation_is_hidden_at_once(
    client, db, pledge, make_org, path
):
    commitment_id, hidden, _harbour = _setup(db, pledge, make_org)
    assert "Amina Odhiambo" in _page(client, commitment_id, path)
    with acting_as(label="test"):
        db.session.add(Contact(organisation=hidden, name="Amina Odhiambo", email="a@b.example"))
        db.session.commit()
    assert "Amina Odhiambo" not in _page(client, commitment_id, path)


def test_an_organisation_protected_from_outside_the_registry_is_hidden_at_once(
    app, client, db, pledge, make_org, path
):
    """A write that neither the ORM nor the audit trail sees (a database console, a data
    migration run while the registry serves), leaving `updated_at` alone."""
    commitment_id, _hidden, harbour = _setup(db, pledge, make_org)
    assert "Harbour Media" in _page(client, commitment_id, path)
    engine = app.extensions["sqlalchemy"].engine
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE organisations SET visibility = 'anonymised' WHERE id = :id"),
            {"id": harbour.id},
        )
    assert "Harbour Media" not in _page(client, commitment_id, path)


def test_a_requests_own_changes_are_seen_and_never_kept(client, db, pledge, make_org, path):
    commitment_id, _hidden, harbour = _setup(db, pledge, make_org)
    assert "Harbour Media" in _page(client, commitment_id, path)
    harbour.visibility = Visibility.anonymised  # not committed
    assert "Harbour Media" not in View().text("with Harbour Media")
    db.session.flush()
    assert "Harbour Media" not in View().text("with Harbour Media")
    db.session.rollback()
    # The load made from the uncommitted change was not kept.
    assert "Harbour Media" in _page(client, commitment_id, path)
    assert View().text("with Harbour Media") == "with Harbour Media"


@pytest.mark.parametrize("path", ["/commitments", "/commitments?status=in_progress"])
def test_the_kept_directory_page_follows_its_owner_being_protected(
    app, client, db, pledge, make_org, path
):
    _setup(db, pledge, make_org)
    assert "Coastal Fact Check" in client.get(path).get_data(as_text=True)
    assert "Coastal Fact Check" in client.get(path).get_data(as_text=True)  # now kept
    engine = app.extensions["sqlalchemy"].engine
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE organisations SET visibility = 'anonymised' WHERE name = :name"),
            {"name": "Coastal Fact Check"},
        )
    response = client.get(path)
    assert response.status_code == 200
    # Its commitment is listed still, described, its words held until a coordinator approves.
    page = response.get_data(as_text=True)
    assert "Coastal Fact Check" not in page and "directory-item" in page
