"""Invitations: operations, the coordinators' page and the invitation link."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import session as flask_session
from flask_login import login_user
from sqlalchemy import select, text

from registry import errors
from registry.audit import acting_as
from registry.errors import Refused
from registry.models import (
    AuditEvent,
    Invitation,
    OutboxMessage,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.pledges import operations as pledge_ops
from registry.pledges import queries as pledge_queries
from registry.policies import INVITATIONS_SESSION_KEY, require_open_window
from tests.conftest import body_of

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def signature_window(pledge) -> SubmissionWindow:
    return next(w for w in pledge.windows if w.kind is WindowKind.signature)


@pytest.fixture
def closed_window(db, pledge) -> SubmissionWindow:
    """The pledge's signature window, closed by hand."""
    with acting_as(label="test-setup"):
        window = pledge_ops.close_window(pledge, WindowKind.signature)
        db.session.commit()
    return window


def invite(db, window, **kwargs) -> tuple[Invitation, str]:
    with acting_as(label="test"):
        invitation, token = pledge_ops.create_invitation(window, **kwargs)
        db.session.commit()
    return invitation, token


def outbox(db) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


# --- Operations --------------------------------------------------------------------------------


def test_invitation_to_an_address_sends_one_email_with_the_link(db, closed_window, smtp):
    invitation, token = invite(db, closed_window, email=" Invitee@Example.org ", now=NOW)
    assert invitation.email == "invitee@example.org"  # as user e-mails are stored
    assert invitation.expires_at == NOW + timedelta(days=14)
    [message] = outbox(db)
    assert message.to == "invitee@example.org"
    assert closed_window.pledge.title in message.subject
    [received] = smtp.wait_for(1)
    assert received["To"] == "invitee@example.org"
    body = body_of(received)
    # No request here (as in the CLI): the link is built from BASE_URL.
    assert f"/invitations/{token}" in body
    assert body.count(token) == 1


def test_without_a_request_the_link_uses_base_url(app, db, closed_window, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://registry.example.org/app")
    _invitation, token = invite(db, closed_window, email="a@example.org")
    [message] = outbox(db)
    assert f"https://registry.example.org/app/invitations/{token}" in message.body


def test_only_the_hash_of_the_token_is_stored(db, closed_window):
    invitation, token = invite(db, closed_window, email="a@example.org")
    assert invitation.token_hash == Invitation.hash_token(token) != token
    rows = db.session.execute(text("SELECT * FROM invitations")).all()
    assert rows and all(token not in str(value) for row in rows for value in row)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "Invitation")
    ).all()
    assert [e.action for e in events] == ["create"]
    assert "token_hash" not in events[0].after and token not in str(events[0].after)


def test_organisation_invitation_goes_to_its_active_users(db, closed_window, make_org, make_user):
    organisation = make_org()
    first = make_user(organisation=organisation)
    second = make_user(organisation=organisation)
    gone = make_user(organisation=organisation)
    gone.active = False
    make_user()  # another organisation's user
    db.session.commit()
    invitation, _token = invite(db, closed_window, organisation=organisation)
    assert invitation.organisation is organisation and invitation.email is None
    assert sorted(m.to for m in outbox(db)) == sorted([first.email, second.email])


def test_organisation_without_users_is_refused(db, closed_window, make_org):
    with pytest.raises(errors.OperationError, match="no user to send") as excinfo:
        pledge_ops.create_invitation(closed_window, organisation=make_org())
    assert excinfo.value.field == "organisation"


@pytest.mark.parametrize(
    ("with_org", "email", "reason"),
    [(False, None, "Choose an organisation"), (False, "  ", "Choose"), (True, "a@x.org", "both")],
)
def test_exactly_one_invitee(db, closed_window, make_user, with_org, email, reason):
    organisation = make_user().organisation if with_org else None
    with pytest.raises(errors.OperationError, match=reason):
        pledge_ops.create_invitation(closed_window, organisation=organisation, email=email)
    assert db.session.scalars(select(Invitation)).all() == []
    assert outbox(db) == []


def test_find_invitation_by_token(db, closed_window):
    invitation, token = invite(db, closed_window, email="a@example.org")
    assert pledge_queries.find_invitation(token) is invitation
    assert pledge_queries.find_invitation(token + "x") is None
    assert pledge_queries.find_invitation("") is None


def test_use_invitation_once(db, closed_window):
    invitation, _token = invite(db, closed_window, email="a@example.org", now=NOW)
    pledge_ops.use_invitation(invitation, now=NOW + timedelta(days=1))
    assert invitation.used_at == NOW + timedelta(days=1)
    with pytest.raises(errors.OperationError, match="already been used"):
        pledge_ops.use_invitation(invitation, now=NOW + timedelta(days=2))


def test_use_expired_invitation_is_refused(db, closed_window):
    invitation, _token = invite(db, closed_window, email="a@example.org", days=2, now=NOW)
    with pytest.raises(errors.OperationError, match="expired on 3 March 2026, 12:00 UTC"):
        pledge_ops.use_invitation(invitation, now=NOW + timedelta(days=2))
    assert invitation.used_at is None


# --- The invitation link -----------------------------------------------------------------------


def test_valid_link_asks_anonymous_visitors_to_log_in(client, db, closed_window):
    invitation, token = invite(db, closed_window, email="a@example.org")
    response = client.get(f"/invitations/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert closed_window.pledge.title in html
    assert f"next=/invitations/{token}" in html.replace("%2F", "/")
    with client.session_transaction() as session:
        assert session[INVITATIONS_SESSION_KEY] == [invitation.id]


def test_logged_in_invitee_is_sent_to_the_form_and_the_session_holds_it(
    app, client, db, closed_window, make_user, login_as
):
    user = make_user(email="invitee@example.org")
    login_as(user)
    invitation, token = invite(db, closed_window, email="Invitee@example.org")
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 302
    slug = closed_window.pledge.slug
    assert response.headers["Location"] in (f"/pledges/{slug}/sign", f"/pledges/{slug}")
    client.get(f"/invitations/{token}")  # opened twice: remembered once
    with client.session_transaction() as session:
        assert session[INVITATIONS_SESSION_KEY] == [invitation.id]
        held = dict(session)
    # With that session, the closed window lets the invitee through.
    with app.test_request_context():
        flask_session.update(held)
        login_user(user)
        assert require_open_window(closed_window.pledge, WindowKind.signature) is invitation
        flask_session.pop(INVITATIONS_SESSION_KEY)
        with pytest.raises(Refused):
            require_open_window(closed_window.pledge, WindowKind.signature)


def test_invitation_survives_logging_in(client, db, closed_window, make_user, login_as):
    user = make_user(email="invitee@example.org")
    invitation, token = invite(db, closed_window, email=user.email)
    client.get(f"/invitations/{token}")
    login_as(user)
    with client.session_transaction() as session:
        assert session[INVITATIONS_SESSION_KEY] == [invitation.id]


def test_organisation_invitation_lets_its_users_in(client, db, closed_window, make_user, login_as):
    user = make_user()
    invitation, token = invite(db, closed_window, organisation=user.organisation)
    login_as(user)
    assert client.get(f"/invitations/{token}").status_code == 302


def test_someone_else_is_told_the_link_is_not_theirs(
    client, db, closed_window, make_user, login_as
):
    _invitation, token = invite(db, closed_window, email="invitee@example.org")
    login_as(make_user())
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 403
    assert "sent to someone else" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert INVITATIONS_SESSION_KEY not in session


def test_progress_invitation_goes_to_the_progress_report(client, db, pledge, make_user, login_as):
    with acting_as(label="test-setup"):
        window = pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM 2025")
        pledge_ops.close_window(pledge, WindowKind.progress, window=window)
        db.session.commit()
    user = make_user()
    _invitation, token = invite(db, window, organisation=user.organisation)
    login_as(user)
    response = client.get(f"/invitations/{token}")
    assert response.headers["Location"] == f"/report/{pledge.slug}"


def test_unknown_link_is_404_with_a_clear_message(client, db, pledge):
    response = client.get("/invitations/not-a-token")
    assert response.status_code == 404
    assert "This invitation link is not valid." in response.get_data(as_text=True)


def test_used_link_is_refused(client, db, closed_window):
    invitation, token = invite(db, closed_window, email="a@example.org")
    invitation.use(utcnow())
    db.session.commit()
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 410
    assert "This invitation has already been used." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert INVITATIONS_SESSION_KEY not in session


def test_expired_link_says_when_it_expired(client, db, closed_window):
    invitation, token = invite(db, closed_window, email="a@example.org")
    invitation.expires_at = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)
    db.session.commit()
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 410
    assert "This invitation expired on 30 June 2025, 18:00 UTC." in response.get_data(as_text=True)


# --- Coordinators' page ------------------------------------------------------------------------


def test_page_creates_an_invitation_and_lists_it(client, db, closed_window, staff):
    html = client.get("/coordinate/invitations").get_data(as_text=True)
    assert f"{closed_window.pledge.title} — {closed_window.label}" in html
    assert "No invitation has been sent yet." in html
    response = client.post(
        "/coordinate/invitations",
        data={
            "window": closed_window.id,
            "organisation": "",
            "email": "new@example.org",
            "days": 7,
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Invitation sent to new@example.org." in html
    assert "new@example.org" in html and "Active" in html
    [invitation] = db.session.scalars(select(Invitation)).all()
    assert invitation.created_by_id == staff.id
    assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
    [message] = outbox(db)
    assert message.to == "new@example.org"
    assert "http://registry.test/invitations/" in message.body
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "Invitation")
    ).all()
    assert [e.actor_label for e in events] == [staff.email]


def test_page_invites_an_organisation(client, db, closed_window, make_user, staff):
    user = make_user()
    response = client.post(
        "/coordinate/invitations",
        data={"window": closed_window.id, "organisation": user.organisation_id, "days": 14},
    )
    assert response.status_code == 302
    [message] = outbox(db)
    assert message.to == user.email


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": ""}, "Choose an organisation or enter an e-mail address."),
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"days": "90"}, "Between 1 and 60 days."),
        ({"window": ""}, "Choose the form to invite to."),
    ],
)
def test_page_shows_errors_and_keeps_input(client, db, closed_window, staff, data, error):
    form = {"window": closed_window.id, "organisation": "", "email": "kept@example.org"}
    response = client.post("/coordinate/invitations", data=form | {"days": "7"} | data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and error in html
    if "email" not in data:
        assert 'value="kept@example.org"' in html
    assert db.session.scalars(select(Invitation)).all() == []


def test_page_shows_operation_refusals(client, db, closed_window, make_org, staff):
    organisation = make_org()
    response = client.post(
        "/coordinate/invitations",
        data={"window": closed_window.id, "organisation": organisation.id, "days": 14},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no user to send the invitation to" in html
    assert db.session.scalars(select(Invitation)).all() == []


def test_page_shows_used_and_expired_states(client, db, closed_window, staff):
    used, _t = invite(db, closed_window, email="used@example.org")
    expired, _t = invite(db, closed_window, email="late@example.org")
    used.used_at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    expired.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    html = client.get("/coordinate/invitations").get_data(as_text=True)
    assert "Used on 2 January 2026, 03:04 UTC" in html
    assert "Expired" in html


def test_stakeholders_cannot_invite(client, db, closed_window, make_user, login_as):
    login_as(make_user())
    assert client.get("/coordinate/invitations").status_code == 403
    response = client.post(
        "/coordinate/invitations", data={"window": closed_window.id, "email": "a@example.org"}
    )
    assert response.status_code == 403
    assert db.session.scalars(select(Invitation)).all() == []


def test_page_refuses_both_an_organisation_and_an_address(
    client, db, closed_window, make_user, staff
):
    user = make_user()
    data = {"window": closed_window.id, "organisation": user.organisation_id, "days": 14}
    response = client.post("/coordinate/invitations", data=data | {"email": "b@example.org"})
    html = response.get_data(as_text=True)
    assert "Invite an organisation or an e-mail address, not both." in html
    assert 'value="b@example.org"' in html
    assert db.session.scalars(select(Invitation)).all() == []
