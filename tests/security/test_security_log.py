"""Row 10: security events are logged, with who, what, when (UTC), from where, and control
characters escaped: logins that succeed and fail, access refused, contact views and exports,
role and activation changes, rate limits."""

import json
import logging

import pytest

from registry.accounts import operations
from registry.audit import acting_as
from registry.models import Role
from tests.conftest import PASSWORD


@pytest.fixture
def events(caplog):
    """The security events logged during the test, parsed."""
    caplog.set_level(logging.INFO, logger="registry.security")

    def read() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "registry.security"]

    return read


def _one(events, name):
    found = [e for e in events() if e["event"] == name]
    assert found, f"no {name} event in {[e['event'] for e in events()]}"
    return found[-1]


def test_failed_and_successful_logins(client, make_user, events, caplog):
    user = make_user()
    forged = 'someone@example.org\nINFO registry.security: {"event": "login.success"}'
    client.post("/account/login", data={"email": forged, "password": "wrong password!"})
    failure = _one(events, "login.failure")
    assert failure["email"] == forged[:254] and failure["ip"] == "127.0.0.1"
    assert failure["at"].endswith("+00:00")  # UTC
    # The line break is escaped: the forged text cannot start a log line of its own.
    line = next(r.getMessage() for r in caplog.records if "login.failure" in r.getMessage())
    assert "\n" not in line and "\\n" in line
    client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    success = _one(events, "login.success")
    assert (success["user"], success["user_id"]) == (user.email, user.id)


def test_access_denied_contact_views_and_exports(
    client, db, make_user, login_as, staff, make_org, events
):
    organisation = make_org()
    client.get(f"/coordinate/organisations/{organisation.id}?contacts=1")
    viewed = _one(events, "contact.view")
    assert viewed["user"] == staff.email and viewed["entity_id"] == organisation.id
    client.get("/coordinate/export/organisations.csv?include_contacts=1")
    assert _one(events, "export")["user"] == staff.email
    assert client.get("/admin/users").status_code == 403
    denied = _one(events, "access.denied")
    assert (denied["user"], denied["path"]) == (staff.email, "/admin/users")


def test_role_and_activation_changes(db, make_user, events):
    admin = make_user(role=Role.admin, email="admin@agency.org")
    user = make_user(email="person@example.org")
    with acting_as(admin):
        operations.change_role(user, Role.coordinator, by=admin)
        operations.set_active(user, False, by=admin)
        db.session.commit()
    changed = _one(events, "role.changed")
    assert (changed["target"], changed["before"], changed["after"]) == (
        "person@example.org",
        "stakeholder",
        "coordinator",
    )
    assert _one(events, "user.deactivated")["target"] == "person@example.org"
