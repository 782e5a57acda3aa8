"""The signing journey in Arabic, right to left, in Chromium: a refugee-led organisation
registers, signs the pledge with a commitment and submits it, reading every label in Arabic
(taken from the catalogue, so the test follows the translations)."""

from __future__ import annotations

import re

from babel.support import Translations
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, ROOT, blocking_violations, read_link, shoot
from tests.browser.steps import SLUG

AR = Translations.load(str(ROOT / "translations"), ["ar"])


def t(text: str) -> str:
    """The Arabic of an English message (the catalogue's translation)."""
    translated = AR.gettext(text)
    assert translated != text, f"no Arabic for {text!r}"
    return translated


def _is_rtl(page) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")


def test_sign_a_pledge_in_arabic_right_to_left(registry, page):
    base = registry.url
    # A visitor picks Arabic in the switcher; the choice holds on the next pages.
    page.goto(f"{base}/account/register")
    page.get_by_role("group", name="Language").get_by_role("link", name="العربية").click()
    _is_rtl(page)
    # Right to left: the brand sits at the right, the menu starts there.
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] > 1280 / 2, brand
    page.get_by_label(t("Organisation name")).fill("Jusoor Youth Media")
    page.get_by_label(t("Type of organisation")).select_option(label=t("Refugee-led organisation"))
    page.get_by_label(t("Country"), exact=True).select_option(label="الأردن")
    page.get_by_label(t("The organisation is led by refugees or displaced people")).check()
    page.get_by_label(t("Your name")).fill("أمل إدريس")
    page.get_by_label(t("Your e-mail address")).fill("amal@jusoor.example")
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Repeat the password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Register"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Check your e-mail"))).to_be_visible()
    # The confirmation e-mail, in Arabic (the language the form was filled in).
    link = read_link(registry, "amal@jusoor.example", "/account/register/confirm/")
    [message] = [m for m in registry.mailbox.messages if "amal@jusoor.example" in m["To"]]
    assert message["Subject"] == t("Finish registering with the Pledge & Partnership Registry")
    page.goto(link)
    page.get_by_role("button", name=t("Create my account")).click()
    expect(page).to_have_url(re.compile(r"/my-organisation$"))
    _is_rtl(page)

    page.goto(f"{base}/pledges/{SLUG}/sign")
    expect(page.get_by_role("heading", name=t("1. Your organisation"))).to_be_visible()
    page.get_by_role("button", name=t("Save and continue")).click()
    page.get_by_label(t("Name of the person signing")).fill("أمل إدريس")
    page.get_by_label(t("Their title or position")).fill("منسقة")
    page.get_by_role("button", name=t("Save and continue")).click()
    expect(page.get_by_role("heading", name=t("3. Your commitments"))).to_be_visible()
    page.get_by_role("link", name=t("Add a commitment")).click()
    page.get_by_label(t("Title")).fill("حلقات محو الأمية الرقمية")
    page.get_by_label(t("What you will do")).fill("جلسات أسبوعية في مخيمين.")
    page.get_by_label(t("Key outcome")).select_option(index=1)
    page.get_by_role("group", name=re.compile(t("Action areas"))).get_by_role(
        "checkbox"
    ).first.check()
    page.get_by_role("group", name=re.compile(t("Risks addressed"))).get_by_role(
        "checkbox"
    ).first.check()
    page.get_by_label(t("Geographic level")).select_option(label=t("Global"))
    page.get_by_label(t("Indicator"), exact=True).fill("عدد الأشخاص")
    page.get_by_label(t("Baseline")).fill("0")
    page.get_by_label(t("Target"), exact=True).fill("500")
    page.get_by_role("button", name=t("Save commitment")).click()
    expect(page.get_by_role("heading", name="حلقات محو الأمية الرقمية")).to_be_visible()
    page.get_by_role("link", name=t("Continue to check your answers")).click()
    expect(page.get_by_role("heading", name=t("4. Check your answers"))).to_be_visible()
    shoot(page, "pledge-form-arabic-check")
    assert blocking_violations(page) == []  # axe-core, on the right-to-left page too
    page.get_by_role("button", name=t("Submit for review")).click()
    expect(page).to_have_url(re.compile(r"/sign/done$"))
    expect(page.get_by_role("heading", name=t("Thank you — your signature was submitted")))
    _is_rtl(page)
