"""The frame every page shares: grouped menus with the current page marked, each role's start
page, the login and logout words, the mark and favicon, numbers and countries as people read
them, and no inline script or style (a strict Content-Security-Policy can be set)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from registry.i18n import day, number
from registry.models import Role
from registry.templating import countries, country

MENUS = ["Pledges", "Commitments", "Partners &amp; targets", "Data"]


def _nav(client, path="/"):
    page = client.get(path).get_data(as_text=True)
    return page[page.index("<header") : page.index("</header>")]


def test_coordinators_see_five_menus_not_a_dozen_links(client, make_user, login_as):
    login_as(make_user(role=Role.coordinator))
    nav = _nav(client)
    top = re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', nav)
    assert top[:5] == ["Dashboard", *MENUS]
    assert "Admin" not in top
    for label in ("Review signatures", "Windows", "Progress to verify", "Add an organisation",
                  "Reports", "Audit log", "Import"):  # fmt: skip
        assert f">{label}</a>" in nav


def test_admins_have_an_admin_menu_with_the_outbox(client, make_user, login_as):
    login_as(make_user(role=Role.admin))
    nav = _nav(client)
    assert ">Admin</a>" in nav and ">Users</a>" in nav and ">Outbox</a>" in nav


@pytest.mark.parametrize(
    ("path", "current", "menu"),
    [
        ("/coordinate/progress", "Progress to verify", "Commitments"),
        ("/coordinate/reports", "Reports", "Data"),
        ("/coordinate/dashboard", "Dashboard", None),
    ],
)
def test_the_current_page_is_marked(client, make_user, login_as, path, current, menu):
    login_as(make_user(role=Role.coordinator))
    nav = _nav(client, path)
    assert re.search(rf'aria-current="page">{current}</a>', nav)
    assert nav.count('aria-current="page"') == 1
    if menu:
        assert re.search(rf'dropdown-toggle active"[^>]*>{re.escape(menu)}</a>', nav)


def test_a_record_page_marks_its_list_in_the_menu(client, db, make_user, make_org, login_as):
    login_as(make_user(role=Role.coordinator))
    organisation = make_org()
    nav = _nav(client, f"/coordinate/organisations/{organisation.id}")
    assert 'dropdown-item active" href="/coordinate/organisations"' in nav
    assert 'aria-current="page"' not in nav


@pytest.mark.parametrize(
    ("role", "start"),
    [
        (Role.stakeholder, "/my-organisation"),
        (Role.coordinator, "/coordinate/dashboard"),
        (Role.admin, "/coordinate/dashboard"),
    ],  # fmt: skip
)
def test_each_role_lands_on_its_start_page(client, make_user, login_as, role, start):
    response = login_as(make_user(role=role))
    assert response.headers["Location"].endswith("/start")
    assert client.get("/start").headers["Location"].endswith(start)


def test_logging_out_says_so(client, make_user, login_as):
    login_as(make_user())
    page = client.post("/account/logout", follow_redirects=True).get_data(as_text=True)
    assert "You are logged out." in page


def test_the_login_page_speaks_the_registry_words(client, db):
    page = client.get("/account/login").get_data(as_text=True)
    assert ">E-mail address</label>" in page and ">Log in</button>" in page
    assert "Email Address" not in page and ">Login<" not in page and 'value="Login"' not in page
    assert page.count('href="/account/reset"') == 1  # one "forgot" link, not two
    assert "Remember Me" not in page


def test_the_mark_and_favicon_are_served_locally(client, db):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    assert 'src="/static/img/logo.svg"' in page
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.data[:4] == b"\x00\x00\x01\x00"
    assert client.get("/static/img/logo.svg").status_code == 200


@pytest.mark.parametrize("role", [None, Role.stakeholder, Role.coordinator, Role.admin])
def test_no_inline_script_style_or_handler_in_the_frame(client, make_user, login_as, role):
    if role:
        login_as(make_user(role=role))
    for path in ("/", "/pledges", "/account/login"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and not re.search(r"\son[a-z]+=", page)


def test_numbers_dates_and_countries_as_people_read_them(app):
    with app.test_request_context():
        assert number(757.0) == "757" and number(12.5) == "12.5" and number(1234567) == "1,234,567"
        assert number(None) == "" and number(0.0) == "0" and number(2 / 3, 1) == "0.7"
        assert day(date(2027, 3, 31)) == "31 March 2027"
    assert country("BGD") == "Bangladesh" and country("XXX") == "XXX" and country(None) == ""
    assert countries(["KEN", "UGA"]) == "Kenya, Uganda"


def test_no_template_has_inline_script_style_or_handlers():
    """Every page's script and style come from static files (a strict Content-Security-Policy
    allows no inline ones); the PDF templates, which no browser renders, are exempt."""
    from tests.conftest import ROOT

    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "reports/pdf" in path.as_posix():
            continue
        text = path.read_text()
        if re.search(r"\sstyle=|\son[a-z]+=|<script(?![^>]*\bsrc=)|<style", text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []
