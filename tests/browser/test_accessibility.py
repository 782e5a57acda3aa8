"""Accessibility in Chromium: axe-core (axe-playwright-python, its script shipped in the
package) on every main page of every role, with no serious or critical violation; the pledge
form completed with the keyboard only, focus always visible; the error summary takes focus;
no horizontal scroll at 360 px or at 200 % zoom of 1280 px.

One demo registry serves the whole module (these checks read, they do not depend on each
other's writes, except the keyboard journey, which registers its own organisation)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN,
    COORDINATOR,
    PASSWORD,
    STAKEHOLDER,
    blocking_violations,
    load_demo,
    log_in,
    read_link,
    shoot,
    smtp_server,
    start_registry,
    stop_registry,
)
from tests.browser.steps import SLUG

ANONYMOUS = [
    "/",
    "/pledges",
    f"/pledges/{SLUG}",
    "/account/login",
    "/account/register",
    "/account/reset",
]
STAKEHOLDER_PAGES = [
    "/my-organisation",
    f"/pledges/{SLUG}/sign/organisation",
    f"/pledges/{SLUG}/sign/signatory",
    f"/pledges/{SLUG}/sign/commitments",
    f"/pledges/{SLUG}/sign/review",
    f"/report/{SLUG}",
    f"/report/{SLUG}/all",
    "/account/change",
]
COORDINATOR_PAGES = [
    "/coordinate/dashboard",
    "/coordinate/review",
    "/coordinate/windows",
    "/coordinate/invitations",
    "/coordinate/join-requests",
    "/coordinate/commitments",
    "/coordinate/progress",
    "/coordinate/progress?status=returned",
    "/coordinate/engagements",
    "/coordinate/engagements/new",
    "/coordinate/organisations",
    "/coordinate/organisations/new",
    "/coordinate/import",
    "/coordinate/reports",
    "/coordinate/audit",
]
ADMIN_PAGES = ["/admin/users", "/admin/outbox", "/coordinate/dashboard"]
#: Record pages reached from a list: (list page, link locator in it).
DETAIL_PAGES = [
    ("/coordinate/review", "table a[href*='/coordinate/review/']"),
    ("/coordinate/commitments", "table a[href*='/coordinate/commitments/']"),
    ("/coordinate/engagements", "table a[href*='/coordinate/engagements/']"),
    ("/coordinate/organisations", "table a[href*='/coordinate/organisations/']"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One registry with the demo data and an admin, for the whole module (its e-mail goes to
    a test SMTP server)."""
    with smtp_server() as mailbox:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mailbox.port)}
        served = start_registry(tmp_path_factory.mktemp("a11y") / "instance", mail)
        served.mailbox = mailbox
        load_demo(served)
        yield served
        stop_registry(served)


def check_pages(page, base: str, paths: list[str], role: str) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = page.goto(base + path)
        assert response.ok, (path, response.status)
        shoot(page, f"{role}{path}", full_page=False)
        if problems := blocking_violations(page):
            found[path] = problems
    return found


def test_axe_finds_no_serious_violation_on_any_main_page(demo, page):
    base = demo.url
    found = check_pages(page, base, ANONYMOUS, "anonymous")
    log_in(page, demo, STAKEHOLDER)
    found |= check_pages(page, base, STAKEHOLDER_PAGES, "stakeholder")
    edit = page.goto(f"{base}/report/{SLUG}")
    assert edit.ok
    page.get_by_role("table").get_by_role("link").first.click()
    found |= {f"stakeholder {page.url}": p for p in [blocking_violations(page)] if p}
    page.context.clear_cookies()
    log_in(page, demo, COORDINATOR)
    found |= check_pages(page, base, COORDINATOR_PAGES, "coordinator")
    for list_path, selector in DETAIL_PAGES:
        page.goto(base + list_path)
        page.locator(selector).first.click()
        page.wait_for_load_state()
        shoot(page, f"coordinator-{list_path}-detail", full_page=False)
        if problems := blocking_violations(page):
            found[page.url] = problems
    page.context.clear_cookies()
    log_in(page, demo, ADMIN, PASSWORD)
    found |= check_pages(page, base, ADMIN_PAGES, "admin")
    assert found == {}


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scroll)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(
    ("width", "scale"),
    [(360, 1), (640, 2)],  # a phone; 200 % zoom of a 1280 px window (640 CSS px at 2x)
    ids=["360px", "200pct-of-1280"],
)
def test_no_horizontal_scroll_on_small_screens_and_at_200_percent(demo, browser, width, scale):
    context = browser.new_context(
        viewport={"width": width, "height": 800}, device_scale_factor=scale
    )
    page = context.new_page()
    base = demo.url
    wide = {}
    for who, password, paths in (
        (None, None, ANONYMOUS),
        (STAKEHOLDER, None, STAKEHOLDER_PAGES),
        (COORDINATOR, None, COORDINATOR_PAGES),
        (ADMIN, PASSWORD, ADMIN_PAGES),
    ):
        context.clear_cookies()
        if who:
            log_in(page, demo, who, password)
        for path in paths:
            page.goto(base + path)
            if (extra := _overflow(page)) > 0:
                wide[f"{who or 'anonymous'} {path}"] = extra
                shoot(page, f"overflow-{width}-{who}-{path}", full_page=False)
    assert wide == {}
    # The menu collapses into one button and opens in place.
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Admin", exact=True)).to_be_visible()
    page.get_by_role("button", name="Admin", exact=True).click()
    expect(page.get_by_role("link", name="Outbox")).to_be_visible()
    assert _overflow(page) <= 0
    shoot(page, f"menu-open-{width}", full_page=False)
    context.close()


def _focus_is_visible(page) -> bool:
    """The focused element shows an outline (the registry's focus ring) or a box shadow."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return false;
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
          return outline || (style.boxShadow && style.boxShadow !== 'none');
        }"""
    )


def _tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the element with accessible label or text `name` has focus, checking
    on the way that every focused element shows where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              const label = el.labels && el.labels[0] ? el.labels[0].innerText : '';
              return [label, el.innerText || el.value || '', el.getAttribute('aria-label') || ''];
            }"""
        )
        if not _focus_is_visible(page):
            page.wait_for_timeout(300)  # a date field focuses its first part a moment later
        assert _focus_is_visible(page), (
            f"focus not visible on {focused}",
            page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement); "
                "return [document.activeElement.outerHTML.slice(0, 200), s.outlineStyle, "
                "s.outlineWidth, s.boxShadow]; }"
            ),
        )
        if any(text.strip().startswith(name) for text in focused):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_keyboard_only_pledge_form_with_visible_focus_and_a_focused_error_summary(demo, page):
    base = demo.url
    page.goto(f"{base}/account/register")
    keys = page.keyboard
    _tab_to(page, "Organisation name")
    keys.type("Keyboard Refugee Network")
    _tab_to(page, "Type of organisation")
    keys.type("Refugee-led")
    _tab_to(page, "Your name")
    keys.type("Kiah Keys")
    _tab_to(page, "Your e-mail address")
    keys.type("kiah@keys.example")
    _tab_to(page, "Password")
    keys.type(PASSWORD)
    _tab_to(page, "Repeat the password")
    keys.type(PASSWORD)
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/register/sent$"))
    page.goto(read_link(demo, "kiah@keys.example", "/account/register/confirm/"))
    _tab_to(page, "Create my account")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-organisation$"))

    page.goto(f"{base}/pledges/{SLUG}/sign")
    expect(page).to_have_url(re.compile(r"/sign/organisation$"))
    _tab_to(page, "Save and continue")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign/signatory$"))

    # Submitting step 2 empty: the error summary takes the focus and links to the fields.
    _tab_to(page, "Save and continue")
    keys.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    assert _focus_is_visible(page)
    shoot(page, "keyboard-error-summary", full_page=False)
    keys.press("Tab")
    keys.press("Enter")  # the first error's link leads to its field
    expect(page.get_by_label("Name of the person signing")).to_be_focused()
    keys.type("Kiah Keys")
    _tab_to(page, "Their title or position")
    keys.type("Chair")
    _tab_to(page, "Save and continue")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign/commitments(#.*)?$"))

    _tab_to(page, "Add a commitment")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign/commitments/new$"))
    _tab_to(page, "Title")
    keys.type("Keyboard-only commitment")
    _tab_to(page, "What you will do")
    keys.type("Workshops on spotting false rumours.")
    _tab_to(page, "Key outcome")
    keys.press("ArrowDown")
    _tab_to(page, "Social listening and monitoring")
    keys.press("Space")
    _tab_to(page, "Hate speech")
    keys.press("Space")
    _tab_to(page, "Geographic level")
    keys.type("Global")
    _tab_to(page, "Save commitment")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Keyboard-only commitment")).to_be_visible()
    _tab_to(page, "Continue to check your answers")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign/review$"))
    _tab_to(page, "Submit for review")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign/done$"))
