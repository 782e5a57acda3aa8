"""The main journeys in each language, in Chromium: signing (a refugee-led organisation
registers, signs with a commitment and submits), a coordinator's review, a progress update
reported and verified, and a visitor's walk through the public directory, each in English,
French, Spanish and Arabic (right to left). Every label is read from the catalogue, so the
journeys follow the translations; every page is checked for its lang and dir.

Cheap by construction: the signing journey has its own registry (it registers by e-mail);
the three others share one demo registry per language (each acts on different records), and
follow a short path (the English journeys in test_journeys.py take the long ones)."""

from __future__ import annotations

import re
from gettext import NullTranslations

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from tests.browser.conftest import (
    ARTIFACTS,
    COORDINATOR,
    PASSWORD,
    ROOT,
    STAKEHOLDER,
    blocking_violations,
    load_demo,
    read_link,
    shoot,
    start_registry,
    stop_registry,
)
from tests.browser.steps import SLUG

LANGUAGES = ("en", "fr", "es", "ar")
NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
STAKEHOLDER_ORG = "Kakuma Youth Digital Voices"
#: What a signatory types, in its own language (user-entered text stays as entered).
TITLES = {
    "en": "Digital literacy circles",
    "fr": "Cercles d’éducation numérique",
    "es": "Círculos de alfabetización digital",
    "ar": "حلقات محو الأمية الرقمية",
}


class Words:
    """The registry's words in one language, from its catalogue (English as written)."""

    def __init__(self, language: str):
        self.language = language
        self.direction = "rtl" if language == "ar" else "ltr"
        self.catalogue = (
            NullTranslations()
            if language == "en"
            else Translations.load(str(ROOT / "translations"), [language])
        )

    def __call__(self, text: str, **values) -> str:
        """The translation of `text` (which the catalogue must have), formatted."""
        if self.language != "en":
            assert text in self.catalogue._catalog, f"no {self.language} for {text!r}"
        return self.catalogue.gettext(text) % values if values else self.catalogue.gettext(text)

    def p(self, context: str, text: str) -> str:
        """The translation of `text` in `context`."""
        return self.catalogue.pgettext(context, text)

    def check_page(self, page) -> None:
        """The page is in this language and direction."""
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        expect(page.locator("html")).to_have_attribute("dir", self.direction)


def speak(page, words: Words) -> None:
    """Choose the language in the switcher of the page (a link for visitors, a button that
    keeps the choice on the account once signed in), unless the page is in it already."""
    if page.locator("html").get_attribute("lang") != words.language:
        page.locator(".language-switcher").get_by_text(NAMES[words.language], exact=True).click()
        page.wait_for_load_state()
    words.check_page(page)


def log_in(page, base: str, words: Words, email: str, password: str) -> None:
    """Log in through the login page in the journey's language."""
    page.goto(f"{base}/account/login?lang={words.language}")
    words.check_page(page)
    page.get_by_label(words("E-mail address")).fill(email)
    page.get_by_label(words("Password"), exact=True).fill(password)
    page.get_by_role("button", name=words("Log in")).click()
    page.wait_for_load_state()
    speak(page, words)


def log_out(page, words: Words) -> None:
    page.locator("#account-menu").click()
    page.get_by_role("button", name=words("Log out")).click()
    page.wait_for_load_state()


@pytest.fixture
def speaking_page(browser, request):
    """A browser context whose Accept-Language is the journey's language (1280 × 900)."""
    language = request.node.callspec.params.get("language") or request.node.callspec.params.get(
        "demo"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        shoot(tab, f"FAILED-{request.node.name}")
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_a_pledge_in_each_language(registry, speaking_page, language):
    page, t, base = speaking_page, Words(language), registry.url
    # A visitor picks the language in the switcher (from an English page); it holds after.
    page.goto(f"{base}/account/register?lang=en")
    speak(page, t)
    brand = page.locator(".navbar-brand").bounding_box()
    assert (brand["x"] > 1280 / 2) is (language == "ar"), brand  # the brand starts the line
    page.get_by_label(t("Organisation name")).fill("Jusoor Youth Media")
    page.get_by_label(t("Type of organisation")).select_option(label=t("Refugee-led organisation"))
    page.get_by_label(t("Country"), exact=True).select_option("JOR")
    page.get_by_label(t("The organisation is led by refugees or displaced people")).check()
    page.get_by_label(t("Your name")).fill("Amal Idris")
    email = f"amal.{language}@jusoor.example"
    page.get_by_label(t("Your e-mail address")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Repeat the password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Register"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Check your e-mail"))).to_be_visible()
    t.check_page(page)
    # The confirmation e-mail is in the language the form was filled in.
    link = read_link(registry, email, "/account/register/confirm/")
    [message] = [m for m in registry.mailbox.messages if email in m["To"]]
    # (A subject too long for the header's first line starts on the next one: Python's parser
    # keeps that fold's space, which mail programs drop.)
    subject = t("Finish registering with the Pledge & Partnership Registry")
    assert message["Subject"].strip() == subject
    page.goto(link)
    page.get_by_role("button", name=t("Create my account")).click()
    expect(page).to_have_url(re.compile(r"/my-organisation$"))
    t.check_page(page)

    page.goto(f"{base}/pledges/{SLUG}/sign")
    expect(page.get_by_role("heading", name=t("1. Your organisation"))).to_be_visible()
    page.get_by_role("button", name=t("Save and continue")).click()
    page.get_by_label(t("Name of the person signing")).fill("Amal Idris")
    page.get_by_label(t("Their title or position")).fill(t("Coordinator"))
    page.get_by_role("button", name=t("Save and continue")).click()
    expect(page.get_by_role("heading", name=t("3. Your commitments"))).to_be_visible()
    page.get_by_role("link", name=t("Add a commitment")).click()
    title = TITLES[language]
    page.get_by_label(t("Title")).fill(title)
    page.get_by_label(t("What you will do")).fill("Weekly sessions in two settlements.")
    page.get_by_label(t("Key outcome")).select_option(index=1)
    for group in ("Action areas", "Risks addressed"):
        page.get_by_role("group", name=re.compile(t(group))).get_by_role("checkbox").first.check()
    page.get_by_label(t("Geographic level")).select_option(label=t("Global"))
    page.get_by_label(t("Indicator"), exact=True).fill("People reached")
    page.get_by_label(t("Baseline")).fill("0")
    page.get_by_label(t("Target"), exact=True).fill("500")
    page.get_by_role("button", name=t("Save commitment")).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_role("link", name=t("Continue to check your answers")).click()
    expect(page.get_by_role("heading", name=t("4. Check your answers"))).to_be_visible()
    t.check_page(page)
    shoot(page, f"pledge-form-check-{language}")
    assert blocking_violations(page) == []  # axe-core, in every language and direction
    page.get_by_role("button", name=t("Submit for review")).click()
    expect(page).to_have_url(re.compile(r"/sign/done$"))
    expect(page.get_by_role("heading", name=t("Thank you — your signature was submitted")))
    t.check_page(page)


@pytest.fixture(scope="module", params=LANGUAGES)
def demo(request, tmp_path_factory):
    """One demo registry per language for the review, progress and directory journeys."""
    served = start_registry(tmp_path_factory.mktemp(f"demo-{request.param}") / "instance")
    try:
        load_demo(served)
        yield served
    finally:
        stop_registry(served)


def _words(request) -> Words:
    return Words(request.node.callspec.params["demo"])


def test_review_a_signature_in_each_language(demo, speaking_page, request):
    page, t, base = speaking_page, _words(request), demo.url
    log_in(page, base, t, COORDINATOR, demo.demo_password)
    page.goto(f"{base}/coordinate/review")
    expect(page.get_by_role("heading", name=t("Signatures to review"))).to_be_visible()
    t.check_page(page)
    review = re.compile(re.escape(t.p("action", "Review")))
    page.get_by_role("table").get_by_role("link", name=review).first.click()
    t.check_page(page)
    page.get_by_label(t("Request changes")).check()
    page.get_by_label(t("Comment to the organisation")).fill("Please add a target date.")
    page.get_by_role("button", name=t("Record the decision")).click()
    # "<organisation> — <pledge>: Changes requested." in the language.
    expect(page.get_by_role("status").first).to_contain_text(t("Changes requested"))
    t.check_page(page)


def test_report_progress_and_verify_it_in_each_language(demo, speaking_page, request):
    page, t, base = speaking_page, _words(request), demo.url
    log_in(page, base, t, STAKEHOLDER, demo.demo_password)
    page.goto(f"{base}/report/{SLUG}")
    t.check_page(page)
    report = t.p("action", "Report")
    links = page.get_by_role("table").get_by_role(
        "link", name=re.compile(rf"^{re.escape(report)} ")
    )
    link = links.first
    title = link.text_content().strip().removeprefix(report).strip()
    link.click()
    t.check_page(page)
    page.get_by_label(t("Status")).select_option(label=t("In progress"))
    page.get_by_label(t("Progress (%)")).fill("40")
    page.get_by_label(t("Achievements")).fill("Trained 40 volunteers.")
    page.get_by_role("button", name=t("Submit for verification")).click()
    expect(page.get_by_role("status").first).to_contain_text(t("Update submitted."))
    log_out(page, t)

    log_in(page, base, t, COORDINATOR, demo.demo_password)
    page.goto(f"{base}/coordinate/progress")
    expect(page.get_by_role("heading", name=t("Progress reports to verify"))).to_be_visible()
    page.get_by_label(t("Organisation")).select_option(label=STAKEHOLDER_ORG)
    page.get_by_role("button", name=t("Filter")).click()
    update = page.locator("article", has_text=title)
    update.get_by_role("button", name=re.compile("^" + re.escape(t("Verify")))).first.click()
    expect(page.get_by_role("status").first).to_contain_text(
        t("Verified: “%(title)s”.", title=title)
    )
    t.check_page(page)


def test_visit_the_public_directory_in_each_language(demo, speaking_page, request):
    """A visitor's browser asks for the language (Accept-Language): every public page
    answers in it, vocabularies included."""
    page, t, base = speaking_page, _words(request), demo.url
    page.goto(f"{base}/pledges")
    expect(page.get_by_role("heading", name=t("Pledges"), exact=True)).to_be_visible()
    t.check_page(page)
    page.get_by_role("main").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=t("Key outcomes"))).to_be_visible()
    t.check_page(page)
    page.goto(f"{base}/signatories")
    expect(page.get_by_role("heading", name=t("Signatories"), exact=True)).to_be_visible()
    t.check_page(page)
    page.goto(f"{base}/commitments")
    expect(page.get_by_role("heading", name=t("Commitments"), exact=True)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(t("Risk addressed"))
    t.check_page(page)
    page.get_by_role("main").locator("h2 a").first.click()
    expect(page.get_by_role("heading", name=t("Indicator"), exact=True)).to_be_visible()
    t.check_page(page)
