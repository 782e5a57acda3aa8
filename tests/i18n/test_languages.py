"""Choosing a language (?lang=, the switcher, the account, Accept-Language), pages in each
language with the right lang/dir (Arabic right to left on Bootstrap's RTL build), vocabularies
and formats in the chosen language, and e-mails in the recipient's language."""

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from registry.accounts import operations as account_ops
from registry.audit import acting_as
from registry.i18n import day, direction, number
from registry.models import OutboxMessage, Role, StakeholderType, User
from registry.templating import bdi, forward
from tests.conftest import PASSWORD, body_of

TITLES = {
    "en": "Pledge & Partnership Registry",
    "fr": "Registre des engagements et des partenariats",
    "es": "Registro de Promesas y Alianzas",
    "ar": "سجل التعهدات والشراكات",
}
DIRECTIONS = {"en": "ltr", "fr": "ltr", "es": "ltr", "ar": "rtl"}


def _html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.parametrize("language", list(TITLES))
def test_main_pages_in_each_language(client, pledge, language):
    """The browser's Accept-Language picks the language of a visitor's pages."""
    headers = {"Accept-Language": f"{language},en;q=0.5"}
    for path in ("/", "/pledges", f"/pledges/{pledge.slug}", "/account/login", "/account/register"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert _html_tag(page) == f'<html lang="{language}" dir="{DIRECTIONS[language]}">', path
        assert TITLES[language] in page.replace("&amp;", "&"), path
        rtl_css = "css/bootstrap.rtl.min.css" in page
        assert rtl_css is (language == "ar"), path
        assert ("bootstrap/static/css/bootstrap.min.css" in page) is (language != "ar"), path


def test_rtl_stylesheet_is_served_locally(client):
    response = client.get("/static/css/bootstrap.rtl.min.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    assert "Bootstrap" in css and "v5.3.8" in css  # the version Bootstrap-Flask serves for LTR
    assert ".me-auto{margin-left:auto!important}" in css  # flipped: the RTL build


def test_lang_parameter_outvotes_the_browser(app, client, pledge):
    page = client.get("/pledges?lang=es", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(page) == '<html lang="es" dir="ltr">'
    # An unknown language is ignored, not an error.
    page = app.test_client().get("/?lang=xx", headers={"Accept-Language": "fr"}).get_data(True)
    assert _html_tag(page) == '<html lang="fr" dir="ltr">'


def test_visitor_switcher_links_and_the_choice_is_kept(client, pledge):
    """A visitor's switcher is a link per language; the choice is kept in a cookie (no
    session is made for a visitor), and later pages follow it."""
    page = client.get("/pledges?page=1").get_data(as_text=True)
    switcher = re.search(r'<div class="language-switcher".*?</div>', page, re.S).group(0)
    for code, name in [("fr", "Français"), ("es", "Español"), ("ar", "العربية")]:
        link = f'href="/pledges?page=1&amp;lang={code}" hreflang="{code}" lang="{code}">{name}</a>'
        assert link in switcher
    assert '<span class="nav-link active" lang="en" aria-current="true">English</span>' in page
    response = client.get("/pledges?page=1&lang=ar")
    assert "registry_language=ar" in response.headers["Set-Cookie"]
    assert "registry_session" not in response.headers.get("Set-Cookie", "")
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'


def test_signed_in_switcher_posts_with_csrf(app, client, make_user, login_as):
    login_as(make_user())
    page = client.get("/pledges?lang=fr&page=1").get_data(as_text=True)
    form = re.search(r'<form class="language-switcher".*?</form>', page, re.S).group(0)
    assert 'method="post"' in form and 'action="/account/language"' in form
    assert 'name="csrf_token"' in form
    assert 'value="/pledges?page=1"' in form  # back to the same page, without ?lang=
    for code, name in [("en", "English"), ("es", "Español"), ("ar", "العربية")]:
        assert f'value="{code}" lang="{code}">{name}</button>' in form
    # Without the CSRF token (enabled here, as in production) the switch is refused.
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/account/language", data={"language": "ar"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    # A foreign `next` is not followed; an unknown language changes nothing.
    response = client.post(
        "/account/language", data={"language": "es", "next": "https://elsewhere.example/"}
    )
    assert response.headers["Location"] in ("/", "http://registry.test/")
    client.post("/account/language", data={"language": "xx"})
    assert _html_tag(client.get("/").get_data(as_text=True)) == '<html lang="es" dir="ltr">'


def test_signed_in_choice_is_remembered_on_the_account(app, client, db, make_user, login_as):
    user = make_user()
    login_as(user)
    client.post("/account/language", data={"language": "es", "next": "/"})
    db.session.expire_all()
    assert db.session.get(User, user.id).preferred_language == "es"
    # A new session (another browser, whatever it asks for) gets the account's language.
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": PASSWORD})
    page = other.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(page) == '<html lang="es" dir="ltr">'


def test_registration_keeps_the_language_it_was_made_in(client, db):
    data = {
        "name": "Amira Haddad",
        "email": "amira@example.org",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "org_name": "Jusoor Media",
        "stakeholder_type": StakeholderType.media_outlet.name,
        "country": "JOR",
    }
    response = client.post("/account/register", data=data, headers={"Accept-Language": "ar"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == "amira@example.org")
    ).one()
    assert message.subject == "أكمل تسجيلك في سجل التعهدات والشراكات"
    assert "لإكمال تسجيلك في سجل التعهدات والشراكات" in message.body
    link = re.search(r"http://registry\.test(/account/register/confirm/\S+)", message.body)
    client.post(link.group(1))
    user = db.session.scalars(select(User).filter_by(email=data["email"])).one()
    assert user.preferred_language == "ar"


def test_email_is_in_the_recipients_language(client, db, make_org, make_user, login_as, smtp):
    """A coordinator working in English approves a request to join; the person who asked
    reads the e-mail in French, their language."""
    organisation = make_org(name="Voix de Kakuma")
    with acting_as(label="test-setup"):
        join_request = account_ops.request_to_join(
            {"email": "awa@example.org", "name": "Awa", "password": PASSWORD, "language": "fr"},
            organisation,
        )
        db.session.commit()
    smtp.messages.clear()
    login_as(make_user(role=Role.coordinator))
    response = client.post(
        f"/coordinate/join-requests/{join_request.id}/approve", follow_redirects=True
    )
    assert "is now a member of" in response.get_data(as_text=True)  # the coordinator's English
    [message] = smtp.wait_for(1)
    assert message["To"] == "awa@example.org"
    assert message["Subject"] == "Votre demande pour rejoindre une organisation a été approuvée"
    body = body_of(message)
    assert "Bonjour Awa," in body
    assert "vous êtes désormais membre de Voix de Kakuma" in body


def test_vocabularies_and_formats_follow_the_language(app, db):
    from registry.models import VocabularyTerm

    term = db.session.scalars(select(VocabularyTerm).filter_by(code="hate_speech")).one()
    with app.test_request_context("/"):
        labels = {}
        for language in ("en", "fr", "es", "ar"):
            with force_locale(language):
                labels[language] = (
                    term.label,
                    StakeholderType.refugee_led_organisation.label,
                    number(12345.5),
                    day(__import__("datetime").date(2027, 3, 31)),
                    direction(),
                    forward(),
                )
    assert labels["en"][:4] == (
        "Hate speech",
        "Refugee-led organisation",
        "12,345.5",
        "31 March 2027",
    )
    assert labels["en"][4:] == ("ltr", "→") and labels["ar"][4:] == ("rtl", "←")
    assert labels["fr"][:4] == (
        "Discours de haine",
        "Organisation dirigée par des réfugiés",
        "12\u202f345,5",
        "31 mars 2027",
    )
    assert labels["es"][:3] == (
        "Discurso de odio",
        "Organización liderada por personas refugiadas",
        "12.345,5",
    )
    assert labels["es"][3] == "31 de marzo de 2027"
    # Arabic keeps Western digits (README, "Languages").
    assert labels["ar"][:2] == ("خطاب الكراهية", "منظمة يقودها لاجئون")
    assert "12" in labels["ar"][2] and "2027" in labels["ar"][3] and "مارس" in labels["ar"][3]


def test_names_in_sentences_are_isolated_and_escaped():
    assert str(bdi("Tech <Co>")) == "<bdi>Tech &lt;Co&gt;</bdi>"
    assert str(bdi(None)) == "<bdi></bdi>"


@pytest.mark.parametrize("role", [Role.stakeholder, Role.coordinator, Role.admin])
def test_every_page_of_a_role_renders_in_arabic(app, client, pledge, make_user, login_as, role):
    """Every page without parameters, for each role, in Arabic (the language most unlike the
    English the pages were written in): no error, right to left."""
    user = make_user(role=role)
    login_as(user)
    client.post("/account/language", data={"language": "ar", "next": "/"})
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint.endswith("static"):
            continue
        response = client.get(rule.rule)
        assert response.status_code < 500, rule.rule
        if response.status_code == 200 and response.mimetype == "text/html":
            assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True), rule.rule
            checked += 1
    assert checked > 5


def test_a_tokens_state_and_a_countrys_state_read_apart(client, make_user, login_as):
    """ "State" means a country's government as a stakeholder type and where a record stands
    as a column: Arabic says دولة for one and الحالة for the other."""
    login_as(make_user(role=Role.admin))
    users = client.get("/admin/users?lang=ar").get_data(as_text=True)
    assert '<th scope="col">الحالة</th>' in users and "دولة" not in users
    assert "نشط <button" in users  # an active account, not an active partnership (نشطة)
    organisations = client.get("/coordinate/organisations?lang=ar").get_data(as_text=True)
    assert '<option value="state">دولة</option>' in organisations
    tokens = client.get("/coordinate/api-tokens?lang=fr").get_data(as_text=True)
    assert '<th scope="col">Statut</th>' in tokens
