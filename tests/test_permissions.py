"""The permission walk: every endpoint is marked public or role-restricted, and behaves so."""

import re

import pytest

from registry.models import Role
from registry.policies import STAFF
from tests.conftest import make_app

# Endpoints served by libraries: static files and Flask-Security's own account pages.
LIBRARY_PUBLIC = {
    "static",
    "bootstrap.static",
    "security.static",
    "security.login",
    "security.logout",
    "security.forgot_password",
    "security.reset_password",
    "security.verify",
    # The second factor: these pages serve a login in progress (Flask-Security checks its
    # state) as well as a logged-in user.
    "security.two_factor_setup",
    "security.two_factor_setup_validate",
    "security.two_factor_token_validation",
    "security.two_factor_rescue",
    "security.tf_select",
    "security.mf_recovery",
}
LIBRARY_LOGIN_REQUIRED = {"security.change_password", "security.mf_recovery_codes"}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in LIBRARY_PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    # Fill every URL argument with a value that routes (objects need not exist: a 404 after
    # the permission check is fine, but the check must come first).
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)


def _access(app, endpoint):
    if endpoint in LIBRARY_LOGIN_REQUIRED:
        return frozenset(Role)
    view = app.view_functions[endpoint]
    return getattr(view, "access", None)


def test_every_endpoint_is_marked(app):
    unmarked = sorted(
        {rule.endpoint for rule, _ in _rules(app) if _access(app, rule.endpoint) is None}
    )
    assert unmarked == [], "mark these views @public or @role_required(...)"


def _routes(app, applies) -> list:
    """The (endpoint, method, url) of every route `applies(access)` to, as test parameters."""
    return [
        pytest.param((rule.endpoint, method, _url(rule)), id=f"{method} {rule.endpoint}")
        for rule, method in _rules(app)
        if applies(_access(app, rule.endpoint))
    ]


#: fixture name -> the routes it walks: every protected one, those closed to stakeholders,
#: those closed to coordinators (admin only). Each test walks only the routes it applies to.
WALKS = {
    "protected_route": lambda access: access != "public",
    "staff_route": lambda access: access != "public" and Role.stakeholder not in access,
    "admin_route": lambda access: access != "public" and set(access) & set(STAFF) == {Role.admin},
}


def pytest_generate_tests(metafunc):
    for name, applies in WALKS.items():
        if name in metafunc.fixturenames:
            app = make_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
            metafunc.parametrize(name, _routes(app, applies))


def test_anonymous_users_are_sent_to_login(client, protected_route):
    _endpoint, method, url = protected_route
    response = client.open(url, method=method)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/account/login" in response.headers["Location"]


def test_staff_endpoints_refuse_stakeholders(client, make_user, login_as, staff_route):
    _endpoint, method, url = staff_route
    login_as(make_user(role=Role.stakeholder))
    assert client.open(url, method=method).status_code == 403


def test_admin_endpoints_refuse_coordinators(client, make_user, login_as, admin_route):
    _endpoint, method, url = admin_route
    login_as(make_user(role=Role.coordinator))
    assert client.open(url, method=method).status_code == 403
