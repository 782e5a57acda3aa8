"""Row 11: weak passwords refused everywhere a password is set: the shipped list of common
and breached passwords (the demo's old published password among them), 12 to 128 characters,
no composition rules, not the account's own address or name."""

import pytest

from registry.passwords import common_passwords, problems
from tests.accounts.test_accounts import REGISTRATION
from tests.conftest import PASSWORD

REFUSED = [
    ("demo pledge registry 2026", "common or leaked"),  # published with the demo until now
    ("correct horse battery staple", "common or leaked"),
    ("Password1234", "common or leaked"),  # case does not help
    ("qwertyuiopasdf", "common or leaked"),
    ("short pass", "between 12 and 128"),
    ("x" * 129, "between 12 and 128"),
]


def test_the_shipped_list_is_large_and_holds_the_usual_suspects():
    listed = common_passwords()
    assert len(listed) > 30_000
    assert {"password", "123456", "iloveyou", "demo pledge registry 2026"} <= listed


@pytest.mark.parametrize(("password", "why"), REFUSED)
def test_registration_refuses(client, db, password, why):
    response = client.post(
        "/account/register",
        data=REGISTRATION | {"password": password, "password_confirm": password},
    )
    assert response.status_code == 200 and why in response.get_data(as_text=True)


@pytest.mark.parametrize(("password", "why"), REFUSED[:3])
def test_password_change_and_reset_refuse(client, make_user, login_as, password, why):
    login_as(make_user())
    response = client.post(
        "/account/change",
        data={"password": PASSWORD, "new_password": password, "new_password_confirm": password},
    )
    assert response.status_code == 200 and why in response.get_data(as_text=True)


def test_create_user_refuses_the_demo_password(app):
    result = app.test_cli_runner().invoke(
        args=["registry", "create-user", "admin@example.org", "--role", "admin"],
        input="demo pledge registry 2026\n",
    )
    assert result.exit_code == 1 and "common or leaked" in result.output


def test_no_composition_rules_and_not_ones_own_address():
    assert problems("all lower case words here") == []  # no digit or capital needed
    assert problems("amina@voices.example.org", email="amina@voices.example.org")
    assert problems("Amina Yusuf Kakuma", name="Amina Yusuf Kakuma")
