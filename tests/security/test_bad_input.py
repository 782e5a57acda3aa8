"""Row 6: bad input answers with a form error or a 400/404, never a 500: NUL bytes in paths
and in every form field of every page, a huge integer in the merge form, long passwords (past
zxcvbn's 72-character limit) on registration, password change and `create-user`."""

import re

import pytest
from sqlalchemy import select

from registry.models import Organisation, User
from tests.conftest import PASSWORD, make_app
from tests.test_permissions import _rules, _url

LONG = "kettle " * 16 + "end"  # 115 characters, not a common password
TOO_LONG = "x" * 129


@pytest.mark.parametrize("path", ["/pledges/a%00b", "/%00", "/coordinate/commitments?q=a%00b"])
def test_nul_in_the_url(client, staff, path):
    assert client.get(path).status_code in (400, 404)


def _post_routes():
    app = make_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({_url(rule) for rule, method in _rules(app) if method == "POST"})


def test_nul_in_every_form_field_of_every_page(client, db, staff, make_org, pledge):
    make_org()
    fields = {
        name: "a\x00b"
        for name in (
            "name",
            "email",
            "title",
            "description",
            "comment",
            "q",
            "org_name",
            "website",
            "password",
            "statement",
            "achievements",
            "duplicate",
            "window",
            "kind",
            "label",
            "status",
            "role",
            "message",
            "version",
            "token",
            "country",
            "organisation",
        )
    }
    codes = {path: client.post(path, data=fields).status_code for path in _post_routes()}
    assert {path: code for path, code in codes.items() if code >= 500} == {}
    assert {code for code in codes.values()} <= {302, 400, 403, 404, 405}


def test_huge_integer_in_the_merge_form(client, staff, make_org):
    kept = make_org(name="Kept")
    path = f"/coordinate/organisations/{kept.id}/merge"
    for value in ("99999999999999999999999", str(2**31), "-5"):
        response = client.post(path, data={"duplicate": value})
        assert response.status_code in (200, 302, 400, 404), value
    assert client.get(path, query_string={"duplicate": "9" * 30}).status_code in (200, 400, 404)


def test_long_passwords_on_register_change_and_cli(app, client, db, make_user, login_as):
    from tests.accounts.test_accounts import REGISTRATION
    from tests.conftest import register

    # Registration: 115 characters work, 129 are refused with a message.
    refused = client.post(
        "/account/register",
        data=REGISTRATION | {"password": TOO_LONG, "password_confirm": TOO_LONG},
    )
    assert refused.status_code == 200 and "between 12 and 128" in refused.get_data(as_text=True)
    data = REGISTRATION | {"password": LONG, "password_confirm": LONG}
    assert register(client, data).status_code == 302
    # Change password, to 128 characters and beyond.
    user = db.session.scalar(select(User).where(User.email == "amina@voices.example.org"))
    change = {
        "password": LONG,
        "new_password": "q" * 40 + LONG[:88],
        "new_password_confirm": "q" * 40 + LONG[:88],
    }
    assert client.post("/account/change", data=change).status_code == 302
    page = client.post(
        "/account/change",
        data={
            "password": change["new_password"],
            "new_password": TOO_LONG,
            "new_password_confirm": TOO_LONG,
        },
    )
    assert page.status_code == 200 and "between 12 and 128" in page.get_data(as_text=True)
    # create-user.
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["registry", "create-user", "long@example.org"], input=LONG + "\n")
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        args=["registry", "create-user", "toolong@example.org"], input=TOO_LONG + "\n"
    )
    assert bad.exit_code == 1 and "between 12 and 128" in bad.output
    assert user.organisation is not None and db.session.scalar(select(Organisation))


def test_nul_in_the_login_form(client, make_user):
    user = make_user()
    response = client.post(
        "/account/login", data={"email": user.email + "\x00", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert re.search("could not be understood", response.get_data(as_text=True))
