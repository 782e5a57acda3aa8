"""The permission walk: every endpoint is marked public or role-restricted, and behaves so."""

import re

import pytest

from registry.models import Role
from registry.policies import STAFF

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
}
LIBRARY_LOGIN_REQUIRED = {"security.change_password"}


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


def _protected(app):
    return [
        pytest.param((rule.endpoint, method, _url(rule)), id=f"{method} {rule.endpoint}")
        for rule, method in _rules(app)
        if _access(app, rule.endpoint) != "public"
    ]


def pytest_generate_tests(metafunc):
    if "protected_route" in metafunc.fixturenames:
        from app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        metafunc.parametrize("protected_route", _protected(app))


def test_anonymous_users_are_sent_to_login(client, protected_route):
    _endpoint, method, url = protected_route
    response = client.open(url, method=method)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/account/login" in response.headers["Location"]


def test_staff_endpoints_refuse_stakeholders(app, client, make_user, login_as, protected_route):
    endpoint, method, url = protected_route
    access = _access(app, endpoint)
    if Role.stakeholder in access:
        pytest.skip("open to stakeholders; object checks are tested per area")
    login_as(make_user(role=Role.stakeholder))
    assert client.open(url, method=method).status_code == 403


def test_admin_endpoints_refuse_coordinators(app, client, make_user, login_as, protected_route):
    endpoint, method, url = protected_route
    if set(_access(app, endpoint)) & set(STAFF) != {Role.admin}:
        pytest.skip("not admin-only")
    login_as(make_user(role=Role.coordinator))
    assert client.open(url, method=method).status_code == 403
