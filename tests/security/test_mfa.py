"""Row 12: multi-factor authentication with an authenticator app (TOTP) and recovery codes.
Coordinators and admins must set it up before any internal page; stakeholders may. A code
works once; a recovery code works once; failures and changes are logged."""

import re
import time

import pytest
from sqlalchemy import select

from registry.extensions import security
from registry.models import Role, User
from tests.conftest import PASSWORD

DASHBOARD = "/coordinate/dashboard"


@pytest.fixture
def mfa_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_FOR_STAFF", True)


def code(secret: str, step: int = 0) -> str:
    """The authenticator app's code for `secret`, `step` periods of 30 s from now."""
    totp = security._totp_factory._totp.from_source(secret)
    return totp.generate(time=time.time() + 30 * step).token


def _set_up(client) -> str:
    """Choose the authenticator app on the set-up page and confirm it with a code; the
    secret the app would hold."""
    page = client.post("/account/tf-setup", data={"setup": "authenticator"})
    assert page.status_code == 200 and 'id="qrcode"' in page.get_data(as_text=True)
    with client.session_transaction() as session:
        secret = session["tf_totp_secret"]
    assert client.post("/account/tf-validate", data={"code": code(secret)}).status_code == 302
    return secret


def _password_step(client, user):
    return client.post("/account/login", data={"email": user.email, "password": PASSWORD})


def _logout(client):
    client.post("/account/logout")


def test_staff_must_set_up_a_second_factor_before_any_internal_page(
    client, db, coordinator, mfa_required
):
    response = _password_step(client, coordinator)
    assert response.headers["Location"].endswith("/account/tf-setup")
    assert client.get(DASHBOARD).status_code == 302  # not logged in until it is set up
    page = client.get("/account/tf-setup").get_data(as_text=True)
    assert not re.search(r"<style\b|\sstyle=|<script(?![^>]*\bsrc=)", page)  # CSP-clean
    secret = _set_up(client)
    assert client.get(DASHBOARD).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, coordinator.id).tf_primary_method == "authenticator"
    # Next time: password, then a code. The code just used does not work again.
    _logout(client)
    assert (
        _password_step(client, coordinator)
        .headers["Location"]
        .split("?")[0]
        .endswith("/account/tf-validate")
    )
    refused = client.post("/account/tf-validate", data={"code": code(secret)})
    assert refused.status_code == 200 and client.get(DASHBOARD).status_code == 302
    assert client.post("/account/tf-validate", data={"code": code(secret, 1)}).status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def test_wrong_codes_are_refused_and_logged(client, coordinator, mfa_required, caplog):
    _password_step(client, coordinator)
    secret = _set_up(client)
    _logout(client)
    _password_step(client, coordinator)
    with caplog.at_level("INFO", logger="registry.security"):
        assert client.post("/account/tf-validate", data={"code": "000000"}).status_code == 200
    assert client.get(DASHBOARD).status_code == 302
    assert '"event": "mfa.failure"' in caplog.text
    assert secret


def test_a_session_from_before_mfa_was_required_is_sent_to_set_it_up(
    app, client, coordinator, login_as, monkeypatch
):
    login_as(coordinator)  # MFA not required yet
    assert client.get(DASHBOARD).status_code == 200
    monkeypatch.setitem(app.config, "MFA_REQUIRED_FOR_STAFF", True)
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/account/tf-setup"
    )


def test_stakeholders_may_log_in_without_and_may_turn_it_on(client, make_user, mfa_required):
    stakeholder = make_user(role=Role.stakeholder)
    assert _password_step(client, stakeholder).headers["Location"].endswith("/start")
    assert client.get("/my-organisation").status_code == 200
    secret = _set_up(client)
    _logout(client)
    assert (
        _password_step(client, stakeholder)
        .headers["Location"]
        .split("?")[0]
        .endswith("/account/tf-validate")
    )
    assert client.post("/account/tf-validate", data={"code": code(secret, 1)}).status_code == 302
    assert client.get("/my-organisation").status_code == 200


def test_recovery_codes_each_work_once(client, db, coordinator, mfa_required):
    _password_step(client, coordinator)
    _set_up(client)
    page = client.post("/account/mf-recovery-codes", data={}).get_data(as_text=True)
    codes = re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", page)
    assert len(codes) == 8, page[:3000]
    stored = db.session.scalar(select(User.mf_recovery_codes).where(User.id == coordinator.id))
    assert codes[0] not in str(stored)  # kept encrypted
    for attempt, expected in ((codes[0], True), (codes[0], False)):
        _logout(client)
        _password_step(client, coordinator)
        client.post("/account/mf-recovery", data={"code": attempt})
        assert (client.get(DASHBOARD).status_code == 200) is expected
