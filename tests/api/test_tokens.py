"""Personal API tokens: created by coordinators (the secret shown once, only its hash stored),
scoped (`internal` names protected organisations, `contacts` adds their contact people),
audit-logged and rate-limited per token; revoked, expired or orphaned tokens are a 401."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.audit import acting_as
from registry.models import (
    ApiToken,
    AuditEvent,
    Commitment,
    Contact,
    Organisation,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    utcnow,
)


@pytest.fixture
def hidden_name(db, pledge):
    """An anonymised refugee-led organisation with a contact, an accepted signature and a
    commitment: the public never reads its name."""
    with acting_as(label="test-setup"), db.session.no_autoflush:
        org = Organisation(
            name="Kakuma Voices",
            stakeholder_type=StakeholderType.refugee_led_organisation,
            is_refugee_led=True,
            country="KEN",
            visibility=Visibility.anonymised,
        )
        org.contacts = [Contact(name="Amani Odhiambo", email="amani@kakuma.example")]
        signature = Signature(pledge=pledge, organisation=org, status=SignatureStatus.accepted)
        db.session.add(Commitment(signature=signature, title="Rumour tracking"))
        db.session.add(signature)
        db.session.commit()
    return org


def _create(client, **fields) -> str:
    data = {"name": "Tracker sync", "days": "30"} | {k: "y" for k in fields}
    page = client.post("/coordinate/api-tokens", data=data)
    assert page.status_code == 200
    return re.search(r'<code class="token-secret">([^<]+)</code>', page.text).group(1)


def _get(client, url, secret):
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


def test_a_token_is_shown_once_and_stored_hashed(client, db, staff):
    secret = _create(client, internal=True)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == ApiToken.hash_token(secret) and secret not in token.token_hash
    assert token.scopes == ["internal"] and token.user_id == staff.id
    assert token.expires_at - utcnow() > timedelta(days=29)
    again = client.get("/coordinate/api-tokens").text
    assert "Tracker sync" in again and secret not in again
    created = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_type == "ApiToken", AuditEvent.action == "create"
        )
    )
    assert created is not None and created.actor_id == staff.id
    assert "token_hash" not in created.after and token.token_hash not in str(created.after)


def test_scopes_decide_what_a_token_sees(client, db, staff, hidden_name):
    public = _create(client)
    internal = _create(client, internal=True)
    contacts = _create(client, internal=True, contacts=True)
    anonymous = client.get("/api/v1/commitments").text
    assert "Kakuma Voices" not in anonymous and "Amani" not in anonymous
    plain = _get(client, "/api/v1/commitments", public)
    assert plain.status_code == 200 and "Kakuma Voices" not in plain.text
    assert plain.headers["Cache-Control"] == "no-store" and "ETag" not in plain.headers
    named = _get(client, "/api/v1/commitments", internal).get_json()["data"][0]
    assert named["organisation"]["name"] == "Kakuma Voices"
    assert named["organisation"]["contacts"] is None
    full = _get(client, "/api/v1/signatories", contacts).get_json()["data"][0]
    assert full["organisation"]["contacts"] == [
        {"name": "Amani Odhiambo", "role": None, "email": "amani@kakuma.example", "phone": None}
    ]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("api_token.use") == 2 and actions.count("contact.view") == 1


def test_unusable_tokens_are_a_401(client, db, staff, make_user):
    revoked, expired, orphan = _create(client), _create(client), _create(client)
    tokens = {t.token_hash: t for t in db.session.scalars(select(ApiToken))}
    page = client.get("/coordinate/api-tokens").text
    token = tokens[ApiToken.hash_token(revoked)]
    assert client.post(f"/coordinate/api-tokens/{token.id}/revoke").status_code == 302
    with acting_as(label="test-setup"):
        tokens[ApiToken.hash_token(expired)].expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "Revoke" in page
    for header in [
        f"Bearer {revoked}",
        f"Bearer {expired}",
        "Bearer ppr_made_up",
        "Basic abc",
        "Bearer",
        "",
    ]:
        response = client.get("/api/v1/commitments", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"] == "Unknown, revoked or expired token."
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _get(client, "/api/v1/pledges", orphan).status_code == 200
    with acting_as(label="test-setup"):
        staff.role = Role.stakeholder
        db.session.commit()
    assert _get(client, "/api/v1/pledges", orphan).status_code == 401


def test_only_coordinators_have_tokens_and_only_their_own(client, db, staff, make_user, login_as):
    _create(client)
    token = db.session.scalar(select(ApiToken))
    other = make_user(role=Role.coordinator, email="other@agency.example.org")
    client.post("/account/logout")
    login_as(other)
    assert client.post(f"/coordinate/api-tokens/{token.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None
    client.post("/account/logout")
    login_as(make_user(role=Role.stakeholder))
    assert client.get("/coordinate/api-tokens").status_code == 403


def test_another_site_may_call_with_a_token_after_a_preflight(app, client, db, staff, hidden_name):
    """A browser on another site asks first (`OPTIONS`) whether it may send `Authorization`;
    the answer allows it, and the call itself is readable there. No cookie is involved: a
    fresh client, signed in nowhere, makes both requests."""
    secret = _create(client, internal=True)
    browser = app.test_client()
    origin = {"Origin": "https://tracker.partner.example"}
    preflight = browser.options(
        "/api/v1/commitments",
        headers=origin
        | {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {
        h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "if-none-match"} <= allowed
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]
    call = browser.get(
        "/api/v1/commitments", headers=origin | {"Authorization": f"Bearer {secret}"}
    )
    assert call.status_code == 200 and call.headers["Access-Control-Allow-Origin"] == "*"
    assert hidden_name.name in call.text  # the internal scope names it
