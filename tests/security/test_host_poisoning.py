"""Row 1: password-reset poisoning. A forged `Host` header must never put the attacker's site
into a link the registry mails; links come from BASE_URL only; untrusted hosts are refused."""

import re

import pytest
from sqlalchemy import select

from registry.models import OutboxMessage


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory()


def _reset_mail(db, email):
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == email).order_by(OutboxMessage.id)
    ).all()


def test_forged_host_is_refused_and_mails_nothing(server, make_user, db):
    victim = make_user(email="victim@example.org")
    browser = server.client()
    token = browser.csrf("/account/reset")
    response = browser.post(
        "/account/reset",
        data={"csrf_token": token, "email": victim.email},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 400
    assert "evil.example" not in response.text
    assert _reset_mail(db, victim.email) == []
    assert '"event": "host.refused"' in server.log()


def test_reset_link_comes_from_base_url_whatever_the_headers(server, make_user, db):
    victim = make_user(email="victim2@example.org")
    browser = server.client()
    # Forwarding headers an attacker may add are not believed (no TRUSTED_PROXIES).
    headers = {
        "X-Forwarded-Host": "evil.example",
    }
    token = browser.csrf("/account/reset", headers=headers)
    response = browser.post(
        "/account/reset", data={"csrf_token": token, "email": victim.email}, headers=headers
    )
    assert response.status_code in (200, 302), re.findall("(?s)<main.*</main>", response.text)
    [message] = _reset_mail(db, victim.email)
    links = re.findall(r"https?://[^\s]+", message.body)
    assert links and all(link.startswith(server.url + "/account/reset/") for link in links)
    # The link works on the real site.
    path = links[0][len(server.url) :]
    assert browser.get(path).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "registry.test"])
def test_every_page_refuses_an_untrusted_host(server, host):
    response = server.client().get("/", headers={"Host": host})
    assert response.status_code == 400
