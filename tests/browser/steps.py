"""What a person does in the registry, step by step, in the browser (shared by the journeys
and the accessibility checks)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Registry, read_link, shoot

SLUG = "digital-protection"


def register(
    page: Page, registry: Registry, organisation: str, email: str, name: str = "Amal Idris"
):
    """Register a refugee-led organisation and its first user, finishing with the link the
    registry e-mails; lands on My organisation."""
    page.goto(f"{registry.url}/account/register")
    page.get_by_label("Organisation name").fill(organisation)
    page.get_by_label("Type of organisation").select_option(label="Refugee-led organisation")
    page.get_by_label("Country").select_option(label="Uganda")
    page.get_by_label("The organisation is led by refugees or displaced people").check()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/register/sent$"))
    page.goto(read_link(registry, email, "/account/register/confirm/"))
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/my-organisation$"))


def start_signing(page: Page, base: str, signer: str = "Amal Idris") -> None:
    """Steps 1 and 2 of the pledge form: confirm the profile, say who signs."""
    page.goto(f"{base}/pledges/{SLUG}/sign")
    expect(page.get_by_role("heading", name="1. Your organisation")).to_be_visible()
    shoot(page, "pledge-form-step-1-organisation")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Name of the person signing").fill(signer)
    page.get_by_label("Their title or position").fill("Coordinator")
    page.get_by_label("Statement of support").fill("We join the pledge.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="3. Your commitments")).to_be_visible()


def add_commitment(page: Page, title: str) -> None:
    """Add one commitment from step 3."""
    page.get_by_role("link", name=re.compile(r"^Add (a|another) commitment$")).click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("What you will do").fill(f"{title}: weekly sessions in two settlements.")
    page.get_by_label("Key outcome").select_option(index=1)
    page.get_by_role("group", name=re.compile("Action areas")).get_by_role("checkbox").first.check()
    page.get_by_role("group", name=re.compile("Risks addressed")).get_by_role(
        "checkbox"
    ).first.check()
    page.get_by_label("Geographic level").select_option(label="Global")
    page.get_by_label("Indicator", exact=True).fill("People reached")
    page.get_by_label("Baseline").fill("0")
    page.get_by_label("Target", exact=True).fill("500")
    page.get_by_role("button", name="Save commitment").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def submit_signature(page: Page) -> None:
    """Step 4: check the answers and submit."""
    page.get_by_role("link", name="Continue to check your answers").click()
    expect(page.get_by_role("heading", name="4. Check your answers")).to_be_visible()
    shoot(page, "pledge-form-step-4-check")
    page.get_by_role("button", name="Submit for review").click()
    expect(page).to_have_url(re.compile(r"/sign/done$"))
