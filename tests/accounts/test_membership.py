"""Duplicates: a registration that matches an existing organisation offers to join it instead."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from registry import errors, text
from registry.accounts import operations as account_ops
from registry.audit import acting_as
from registry.models import (
    JoinRequest,
    JoinRequestStatus,
    Organisation,
    OutboxMessage,
    PossibleDuplicate,
    Role,
    User,
    Visibility,
)
from registry.organisations import queries as organisation_queries
from tests.accounts.test_accounts import REGISTRATION
from tests.conftest import PASSWORD, register

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("The Refugee Voices Association", "refugee voices"),
        ("Réfugiés Unis", "Refugies Unis"),
        ("Refugee Voices e.V.", "REFUGEE   VOICES"),
        ("Women's Voices, Ltd.", "Womens Voices"),
    ],
)
def test_normalise_name_equal(one, other):
    assert text.normalise_name(one) == text.normalise_name(other)


def test_normalise_name_keeps_what_tells_organisations_apart():
    assert text.normalise_name("Voices of Kakuma") != text.normalise_name("Voices")
    assert text.normalise_name("The Association") == "the association"  # only filler


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.example.org/about", "example.org"),
        ("http://example.org", "example.org"),
        ("HTTPS://Example.ORG:8443/x", "example.org"),
        ("example.org/about", "example.org"),
        ("", None),
        (None, None),
    ],
)
def test_website_domain(url, domain):
    assert text.website_domain(url) == domain


def test_find_similar_by_name_or_domain(make_org):
    by_name = make_org(name="Réfugiés Unis")
    by_site = make_org(name="Something else", website="https://www.example.org/about")
    make_org(name="Refugees United Kingdom", website="https://other.example.net")
    assert organisation_queries.find_similar_organisations("Refugies Unis", None) == [by_name]
    assert organisation_queries.find_similar_organisations("New name", "http://example.org") == [
        by_site
    ]
    assert (
        organisation_queries.find_similar_organisations("Unrelated", "https://elsewhere.org") == []
    )


def test_shared_sites_compare_by_page(make_org):
    page = make_org(name="Kakuma Voices", website="https://www.facebook.com/KakumaVoices")
    assert organisation_queries.find_similar_organisations(
        "X", "https://facebook.com/kakumavoices"
    ) == [page]
    assert (
        organisation_queries.find_similar_organisations("Y", "https://facebook.com/otherpage") == []
    )


def test_similar_registration_warns_and_writes_nothing(client, db, make_org):
    existing = make_org(name="The Voices of Kakuma Association", country="KEN")
    organisations, users = _count(db, Organisation), _count(db, User)
    response = client.post("/account/register", data=REGISTRATION)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already registered" in page
    assert existing.name in page and "Kenya" in page
    assert f'name="join_organisation_id" value="{existing.id}"' in page
    assert 'value="Amina Yusuf"' in page  # input kept
    assert (_count(db, Organisation), _count(db, User)) == (organisations, users)


@pytest.mark.parametrize("visibility", [Visibility.anonymised, Visibility.hidden])
def test_non_public_match_registers_as_if_nothing_matched(client, db, make_org, visibility):
    existing = make_org(
        name="Secret Shelter Collective",
        website="https://voices.example.org/home",
        visibility=visibility,
    )
    response = register(client, REGISTRATION)  # the same "check your e-mail" page: no warning
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.organisation.name == "Voices of Kakuma" and user.organisation != existing
    [duplicate] = db.session.scalars(select(PossibleDuplicate)).all()
    assert (duplicate.organisation, duplicate.existing) == (user.organisation, existing)


def test_cannot_ask_to_join_a_non_public_organisation(client, db, make_org):
    existing = make_org(name="Voices of Kakuma", visibility=Visibility.anonymised)
    data = REGISTRATION | {"join_organisation_id": existing.id}
    response = client.post("/account/register", data=data)
    assert response.status_code == 200
    assert "Choose one of the organisations listed" in response.get_data(as_text=True)
    assert _count(db, User) == 0 and _count(db, JoinRequest) == 0


def test_confirm_new_registers_anyway(client, db, make_org):
    make_org(name="Voices of Kakuma")
    response = register(client, REGISTRATION | {"confirm_new": "y"})
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.organisation.name == "Voices of Kakuma"
    assert _count(db, Organisation) == 2


def test_ask_to_join_creates_user_and_pending_request(client, db, make_org):
    existing = make_org(name="Voices of Kakuma")
    data = REGISTRATION | {"join_organisation_id": existing.id, "join_message": "I run comms"}
    response = register(client, data)
    assert response.status_code == 302
    assert _count(db, Organisation) == 1
    user = db.session.scalar(select(User))
    assert user.organisation is None and user.role is Role.stakeholder
    join_request = db.session.scalar(select(JoinRequest))
    assert (join_request.user, join_request.organisation) == (user, existing)
    assert join_request.status is JoinRequestStatus.pending
    assert join_request.message == "I run comms"
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains("request to join"))
    ).all()
    assert message.to == "amina@voices.example.org"
    assert "Voices of Kakuma" in message.body
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "sent to the coordinators" in home and "Amina Yusuf" in home  # logged in


def test_cannot_ask_to_join_an_organisation_that_does_not_match(client, db, make_org):
    make_org(name="Voices of Kakuma")
    unrelated = make_org(name="Completely Different", visibility=Visibility.hidden)
    data = REGISTRATION | {"join_organisation_id": unrelated.id}
    response = client.post("/account/register", data=data)
    assert response.status_code == 200
    assert "Choose one of the organisations listed" in response.get_data(as_text=True)
    assert _count(db, User) == 0 and _count(db, JoinRequest) == 0


def test_ask_to_join_with_taken_email_tells_the_owner_only(client, db, make_org, make_user):
    existing = make_org(name="Voices of Kakuma")
    make_user(email="amina@voices.example.org")
    response = client.post(
        "/account/register", data=REGISTRATION | {"join_organisation_id": existing.id}
    )
    # The same answer as for a new address; the owner of the address is told by e-mail.
    assert response.headers["Location"].endswith("/account/register/sent")
    assert _count(db, JoinRequest) == 0
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.to == "amina@voices.example.org" and "already has an account" in message.body


@pytest.fixture
def join_request(db, make_org):
    organisation = make_org(name="Voices of Kakuma")
    with acting_as(label="test-setup"):
        created = account_ops.request_to_join(
            {"email": "new@example.org", "name": "New Person", "password": PASSWORD},
            organisation,
            "Please add me",
        )
        db.session.commit()
    return created


def test_pending_stakeholder_can_use_the_site(app, client, login_as, join_request, pledge):
    """A stakeholder without an organisation yet: no page may fail for want of one."""
    login_as(join_request.user)
    for path in ("/", "/pledges", f"/pledges/{pledge.slug}"):
        assert client.get(path).status_code == 200, path
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments:
            assert client.get(rule.rule).status_code < 500, rule.rule


def test_coordinator_sees_and_approves(client, db, make_user, login_as, join_request):
    coordinator = make_user(role=Role.coordinator)
    login_as(coordinator)
    page = client.get("/coordinate/join-requests").get_data(as_text=True)
    assert "New Person" in page and "new@example.org" in page
    assert "Voices of Kakuma" in page and "Please add me" in page
    outbox_before = _count(db, OutboxMessage)
    response = client.post(f"/coordinate/join-requests/{join_request.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert join_request.status is JoinRequestStatus.approved
    assert join_request.user.organisation.name == "Voices of Kakuma"
    assert join_request.decided_by == coordinator
    assert _count(db, OutboxMessage) == outbox_before + 1
    page = client.get("/coordinate/join-requests").get_data(as_text=True)
    assert "is now a member of Voices of Kakuma" in page  # the flash
    assert "new@example.org" not in page  # no longer pending
    # Approving twice is refused with a message, not a server error.
    response = client.post(
        f"/coordinate/join-requests/{join_request.id}/approve", follow_redirects=True
    )
    assert response.status_code == 200
    assert "already been decided" in response.get_data(as_text=True)


def test_coordinator_declines(client, db, make_user, login_as, join_request):
    login_as(make_user(role=Role.coordinator))
    response = client.post(f"/coordinate/join-requests/{join_request.id}/decline")
    assert response.status_code == 302
    db.session.expire_all()
    assert join_request.status is JoinRequestStatus.declined
    assert join_request.user.organisation is None
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message.to == "new@example.org" and "declined" in message.subject


def test_decide_twice_raises_operation_error(db, make_user, join_request):
    coordinator = make_user(role=Role.coordinator)
    account_ops.decline_join_request(join_request, coordinator, now=NOW)
    assert join_request.decided_at == NOW
    with pytest.raises(errors.OperationError):
        account_ops.approve_join_request(join_request, coordinator, now=NOW)
    assert join_request.user.organisation is None


def test_unknown_request_is_404(client, make_user, login_as):
    login_as(make_user(role=Role.coordinator))
    assert client.post("/coordinate/join-requests/999/approve").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/coordinate/join-requests"),
        ("POST", "/coordinate/join-requests/{id}/approve"),
        ("POST", "/coordinate/join-requests/{id}/decline"),
    ],
)
def test_stakeholders_cannot_decide(client, db, make_user, login_as, join_request, method, path):
    login_as(make_user())
    response = client.open(path.format(id=join_request.id), method=method)
    assert response.status_code == 403
    db.session.expire_all()
    assert join_request.status is JoinRequestStatus.pending
