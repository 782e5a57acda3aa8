"""Registration, login, logout, password reset and change, roles, deactivation, create-user."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from registry.models import Organisation, Role, User, Visibility
from tests.conftest import PASSWORD, body_of, register

REGISTRATION = {
    "org_name": "Voices of Kakuma",
    "acronym": "VoK",
    "stakeholder_type": "refugee_led_organisation",
    "country": "KEN",
    "website": "https://voices.example.org",
    "name": "Amina Yusuf",
    "email": "Amina@Voices.example.org",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}


def test_registration_creates_organisation_and_stakeholder(client, db):
    response = register(client, REGISTRATION)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "amina@voices.example.org"  # case-folded
    assert user.role is Role.stakeholder
    organisation = user.organisation
    assert organisation.name == "Voices of Kakuma"
    assert organisation.region.name == "east_horn_great_lakes"
    assert organisation.is_refugee_led
    # Refugee-led organisations default to anonymised (DESIGN §4).
    assert organisation.visibility is Visibility.anonymised
    assert user.password.startswith("$argon2")
    # Registered and logged in.
    assert "Amina Yusuf" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "password1", "password_confirm": "password1"}, "between 12 and 128"),
        ({"password": "aaaaaaaaaaaa", "password_confirm": "aaaaaaaaaaaa"}, "common or leaked"),
        ({"password": "x" * 129, "password_confirm": "x" * 129}, "between 12 and 128"),
        ({"org_name": ""}, "Organisation name"),
        ({"stakeholder_type": ""}, "Choose the type of organisation"),
        ({"country": "XXX"}, "Country"),
        ({"website": "javascript:alert(1)"}, "http://"),
        ({"password_confirm": "something else entirely"}, "The passwords differ"),
    ],
)
def test_registration_errors_keep_input(client, db, make_user, change, message):
    make_user(email="taken@example.org")
    before = db.session.scalar(select(func.count(Organisation.id)))
    data = REGISTRATION | change
    response = client.post("/account/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert 'href="#' in page  # the summary links to the fields
    assert 'value="Amina Yusuf"' in page  # the rest of the input is kept
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_login_logout(client, make_user):
    user = make_user()
    response = client.post("/account/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    response = client.post(
        "/account/login", data={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert user.name in client.get("/").get_data(as_text=True)
    client.post("/account/logout")
    assert user.name not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com"]
)
def test_login_next_stays_on_site(client, make_user, target):
    user = make_user()
    response = client.post(
        "/account/login?next=" + target, data={"email": user.email, "password": PASSWORD}
    )
    # Either the login is refused with the form shown again, or it redirects within the site.
    if response.status_code == 302:
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", "registry.test")
        assert not response.headers["Location"].startswith("//")
    else:
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)


def test_login_next_within_site(client, make_user):
    user = make_user(role=Role.admin)
    response = client.post(
        "/account/login?next=/admin/users", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/admin/users")


def test_password_reset_through_real_smtp(client, make_user, smtp):
    user = make_user(email="reset.me@example.org")
    response = client.post("/account/reset", data={"email": "reset.me@example.org"})
    assert response.status_code in (200, 302)
    [message] = smtp.wait_for(1)
    assert message["To"] == "reset.me@example.org"
    link = re.search(r"https?://\S+/account/reset/\S+", body_of(message)).group(0)
    path = link.split("registry.test", 1)[1]
    new_password = "a brand new reset passphrase"
    response = client.post(path, data={"password": new_password, "password_confirm": new_password})
    assert response.status_code == 302
    client.post("/account/logout")
    assert (
        client.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 200
    )
    assert (
        client.post(
            "/account/login", data={"email": user.email, "password": new_password}
        ).status_code
        == 302
    )


def test_reset_for_unknown_email_sends_nothing(client, smtp):
    response = client.post("/account/reset", data={"email": "nobody@example.org"})
    assert response.status_code in (200, 302)
    assert smtp.wait_for(1, timeout=0.5) == []


def test_change_password_ends_other_sessions(app, make_user, login_as, client):
    user = make_user()
    login_as(user)
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert user.name in other.get("/").get_data(as_text=True)
    new_password = "another long passphrase here"
    response = client.post(
        "/account/change",
        data={
            "password": PASSWORD,
            "new_password": new_password,
            "new_password_confirm": new_password,
        },
    )
    assert response.status_code == 302
    assert user.name in client.get("/").get_data(as_text=True)  # this session stays
    assert user.name not in other.get("/").get_data(as_text=True)  # the other one ended


def test_admin_changes_role_and_deactivates(app, db, make_user, login_as, client):
    admin = make_user(role=Role.admin)
    target = make_user()
    target_client = app.test_client()
    target_client.post("/account/login", data={"email": target.email, "password": PASSWORD})
    login_as(admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert target.email in page
    client.post(f"/admin/users/{target.id}/role", data={"role": "coordinator"})
    db.session.expire_all()
    assert db.session.get(User, target.id).role is Role.coordinator
    client.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    client.post(f"/admin/users/{target.id}/active", data={"active": "0"})  # double click
    db.session.expire_all()
    assert not db.session.get(User, target.id).active
    # The deactivated user's session ended and they cannot log in again.
    assert target.name not in target_client.get("/").get_data(as_text=True)
    response = target_client.post(
        "/account/login", data={"email": target.email, "password": PASSWORD}
    )
    assert response.status_code == 200


def test_admin_cannot_lock_themselves_out(db, make_user, login_as, client):
    admin = make_user(role=Role.admin)
    login_as(admin)
    client.post(f"/admin/users/{admin.id}/role", data={"role": "stakeholder"})
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert admin.role is Role.admin and admin.active


def test_create_user_cli_reads_password_from_stdin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["registry", "create-user", "Admin@Example.org", "--role", "admin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("admin@example.org", Role.admin)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["x@example.org", "--role", "emperor"], PASSWORD, "unknown role"),
        (["taken@example.org"], PASSWORD, "already exists"),
        (["weak@example.org"], "short", "between 12 and 128 characters"),
    ],
)
def test_create_user_cli_errors(app, make_user, args, stdin, message):
    make_user(email="taken@example.org")
    result = app.test_cli_runner().invoke(args=["registry", "create-user", *args], input=stdin)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/invitations/abc", "/invitations/abc"), ("https://evil.example.com/", "/my-organisation")],
)
def test_registration_follows_next_within_the_site_only(client, db, target, expected):
    response = register(client, REGISTRATION, query=f"?next={target}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "registry.test") and location.path == expected
