"""Row 3: sessions live on the server. Logging out ends a session even for a copied cookie;
a password change, a deactivation and a role change end every session of the user; sessions
end after idle and absolute timeouts; cookies are Secure over HTTPS; no remember-me cookie."""

import time

import pytest

from registry.accounts import operations
from registry.audit import acting_as
from registry.models import Role
from tests.conftest import PASSWORD

DASHBOARD = "/coordinate/dashboard"

#: Servers with two workers and timeouts to wait out: run by .ci/run as a step of its own.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(workers=2, RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES="1")


@pytest.fixture(scope="module")
def short_server(server_factory):
    """Sessions that end fast: 3 s idle for staff, 6 s after login for everyone."""
    return server_factory(
        SESSION_IDLE_MINUTES_STAFF="0.05", SESSION_MAX_HOURS=str(6 / 3600), TRUSTED_PROXIES="1"
    )


def opens_dashboard(browser) -> bool:
    """The dashboard itself, as its logged-in user sees it (not the login form)."""
    response = browser.get(DASHBOARD)
    return response.status_code == 200 and "Log out" in response.text


def _logged_in(server, user):
    browser = server.client()
    assert browser.login(user.email).status_code == 302
    assert opens_dashboard(browser)
    return browser


def _replay(server, cookies) -> bool:
    thief = server.client()
    thief.cookies.update(cookies)
    return opens_dashboard(thief)


def test_copied_cookie_opens_nothing_after_logout(server, coordinator):
    browser = _logged_in(server, coordinator)
    stolen = browser.cookies.copy()
    assert _replay(server, stolen)  # a copy works while the session lives
    token = browser.csrf("/")
    assert browser.post("/account/logout", data={"csrf_token": token}).status_code == 302
    assert not _replay(server, stolen)


def test_login_gets_a_new_session_id(server, coordinator):
    browser = server.client()
    browser.get("/account/login")
    before = browser.cookies.get("registry_session")
    assert browser.login(coordinator.email).status_code == 302
    assert browser.cookies.get("registry_session") not in (None, before)


def test_no_remember_me_cookie_even_when_asked(server, coordinator):
    browser = server.client()
    token = browser.csrf("/account/login")
    response = browser.post(
        "/account/login",
        data={
            "csrf_token": token,
            "email": coordinator.email,
            "password": PASSWORD,
            "remember": "y",
        },
    )
    assert response.status_code == 302
    assert "remember_token" not in browser.cookies


def test_password_change_ends_every_other_session(server, coordinator):
    other = _logged_in(server, coordinator)
    browser = _logged_in(server, coordinator)
    new = "marimba under the old baobab"
    response = browser.submit(
        "/account/change",
        {"password": PASSWORD, "new_password": new, "new_password_confirm": new},
    )
    assert response.status_code == 302
    assert opens_dashboard(browser)  # this one goes on
    assert not opens_dashboard(other)


def test_deactivation_and_role_change_end_sessions(server, db, make_user, coordinator):
    demoted = make_user(role=Role.coordinator, email="demoted@example.org")
    gone = make_user(role=Role.coordinator, email="gone@example.org")
    sessions = {user.email: _logged_in(server, user) for user in (demoted, gone)}
    with acting_as(label="test"):
        operations.change_role(demoted, Role.stakeholder)
        operations.set_active(gone, False)
        db.session.commit()
    for browser in sessions.values():
        assert not opens_dashboard(browser)
    assert server.client().login(gone.email).status_code == 200  # and cannot log in again


def test_staff_session_ends_when_idle(short_server, coordinator):
    browser = _logged_in(short_server, coordinator)
    time.sleep(3.5)
    assert not opens_dashboard(browser)
    assert '"event": "session.expired"' in short_server.log()


def test_session_ends_after_its_absolute_lifetime_however_active(short_server, coordinator):
    browser = _logged_in(short_server, coordinator)
    deadline = time.monotonic() + 8
    seen = []
    while time.monotonic() < deadline:  # active every second, never idle
        seen.append(opens_dashboard(browser))
        if not seen[-1]:
            break
        time.sleep(1)
    assert seen[0] and not seen[-1]


def test_cookies_are_secure_over_https(server_factory, coordinator):
    https = server_factory(BASE_URL="https://127.0.0.1", TRUSTED_HOSTS="127.0.0.1")
    browser = https.client()
    response = browser.get("/account/login")
    assert (
        "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
