"""Layout, navigation per role, friendly error pages, CSRF, health check."""

import pytest

from registry.models import Role
from tests.conftest import make_app


def test_bootstrap_is_served_locally(client, pledge):
    page = client.get("/").get_data(as_text=True)
    assert "/bootstrap/static/css/bootstrap.min.css" in page
    assert "cdn" not in page.lower()
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (None, ["Log in", "Register your organisation"], ["Users", "Log out"]),
        (Role.stakeholder, ["Log out", "Pledges"], ["Users", "Register your organisation"]),
        (Role.coordinator, ["Log out"], ["Users"]),
        (Role.admin, ["Log out", "Users"], ["Register your organisation"]),
    ],
)
def test_navigation_shows_what_the_role_can_do(client, make_user, login_as, role, visible, hidden):
    if role:
        login_as(make_user(role=role))
    page = client.get("/").get_data(as_text=True)
    nav = page.split("</nav>")[0]
    for text in visible:
        assert text in nav
    for text in hidden:
        assert f">{text}<" not in nav


def test_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_friendly_403(client, make_user, login_as):
    login_as(make_user(role=Role.stakeholder))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)


def test_500_without_traceback(app, client, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "pledges.index", boom)
    response = client.get("/pledges")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_post_without_csrf_token_is_refused(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        user = make_user()
        response = client.post("/account/login", data={"email": user.email, "password": "x"})
        assert response.status_code == 400
        assert "This form has expired" in response.get_data(as_text=True)
        response = client.post("/account/register", data={"org_name": "x"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_forms_carry_a_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = app.test_client().get("/account/register").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_unreachable_database_gives_503(tmp_path):
    broken = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/registry.db"})
    client = broken.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    page = client.get("/pledges")
    assert page.status_code == 503
    assert "temporarily unavailable" in page.get_data(as_text=True)


def test_public_pledge_page(client, pledge):
    response = client.get("/pledges/digital-protection")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Engagement of community and refugee-led organisations" in page
    assert "Open for signatures" in page
    assert client.get("/pledges/nope").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/pledges/digital-protection/sign/commitments/99999999999999999999",
        "/coordinate/organisations/99999999999999999999",
        "/coordinate/commitments?key_outcome=99999999999999999999",
        "/coordinate/engagements?organisation=99999999999999999999",
        "/coordinate/audit?entity_id=99999999999999999999&page=99999999999999999999",
    ],
)
def test_huge_numbers_in_urls_are_never_a_500(client, pledge, make_user, login_as, url):
    role = Role.stakeholder if "/sign/" in url else Role.coordinator
    login_as(make_user(role=role))
    assert client.get(url).status_code in (200, 404)
