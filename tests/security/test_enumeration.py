"""Row 9: registration answers the same for a new address and one that has an account; the
owner of a registered address is told by e-mail instead, and nothing is created."""

from sqlalchemy import func, select

from registry.models import OutboxMessage, PendingRegistration, User
from tests.accounts.test_accounts import REGISTRATION


def _answer(client, email):
    response = client.post("/account/register", data=REGISTRATION | {"email": email})
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.headers["Location"], follow


def test_same_answer_for_new_and_registered_addresses(app, db, make_user):
    make_user(email="taken@example.org", name="Taken Owner")
    new = _answer(app.test_client(), "fresh@example.org")
    taken = _answer(app.test_client(), "taken@example.org")
    assert new == taken  # status, where it leads, and the page there: word for word
    # Nothing is created for the registered address; its owner hears of the attempt.
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert db.session.scalar(select(func.count(PendingRegistration.id))) == 1
    mails = {m.to: m for m in db.session.scalars(select(OutboxMessage))}
    assert "already has an account" in mails["taken@example.org"].body
    assert "/account/register/confirm/" in mails["fresh@example.org"].body


def test_a_confirmation_link_works_once(client, db):
    import re

    from tests.conftest import finish_registration

    client.post("/account/register", data=REGISTRATION)
    assert finish_registration(client, REGISTRATION["email"]).status_code == 302
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    path = re.search(r"/account/register/confirm/\S+", mail.body).group(0)
    assert client.post(path).status_code == 404  # the link is spent
    assert db.session.scalar(select(func.count(User.id))) == 1
