"""Public pledge pages: signatories as their visibility allows, counts, the form's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.audit import acting_as
from registry.models import (
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.templating import window_words
from tests.statements import counting_statements

URL = "/pledges/digital-protection"


@pytest.fixture
def sign(db, pledge):
    """Give `organisation` a signature on the seeded pledge with `status` (accepted by default)."""

    def make(organisation, status=SignatureStatus.accepted) -> Signature:
        signature = Signature(pledge=pledge, organisation=organisation, status=status)
        db.session.add(signature)
        db.session.commit()
        return signature

    return make


def page(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_accepted_public_signatory_is_named_with_acronym_and_country(client, make_org, sign):
    sign(make_org(name="Lumen Media Trust", acronym="LMT", country="UGA"))
    html = page(client)
    assert "Lumen Media Trust" in html
    assert "LMT" in html
    assert "Uganda" in html
    assert "1 organisation has signed this pledge." in html


def test_anonymised_signatory_is_described_never_named(client, make_org, sign):
    organisation = make_org(
        name="Zawadi Refugee Voices",
        acronym="ZRVX",
        stakeholder_type=StakeholderType.refugee_led_organisation,
        country="KEN",
        visibility=Visibility.anonymised,
        description="Runs a WhatsApp rumour-tracking line.",
    )
    sign(organisation)
    html = page(client)
    # Alone in its region on the page: described by type only (the small-group rule).
    assert "<li>A refugee-led organisation</li>" in html
    assert "<li>A refugee-led organisation in" not in html
    assert "Zawadi" not in html
    assert "ZRVX" not in html
    assert "rumour-tracking" not in html
    assert "1 organisation has signed this pledge." in html


def test_anonymised_signatories_sharing_a_description_keep_their_region(client, make_org, sign):
    for n in range(3):
        sign(
            make_org(
                name=f"Zawadi Group {n}",
                stakeholder_type=StakeholderType.refugee_led_organisation,
                country="KEN",
                visibility=Visibility.anonymised,
            )
        )
    html = page(client)
    described = "<li>A refugee-led organisation in East and Horn of Africa and the Great Lakes</li>"
    assert html.count(described) == 3
    assert "Zawadi" not in html


def test_hidden_signatories_are_counted_not_named(client, make_org, sign):
    sign(make_org(name="Visible Org"))
    for n in range(3):
        sign(make_org(name=f"Secret Shelter {n}", acronym=f"SSX{n}", visibility=Visibility.hidden))
    html = page(client)
    assert "Secret Shelter" not in html
    assert "SSX" not in html
    assert "and 3 more signatories who are not listed" in html
    assert "4 organisations have signed this pledge." in html


def test_only_hidden_signatories(client, make_org, sign):
    sign(make_org(name="Secret Shelter", visibility=Visibility.hidden))
    html = page(client)
    assert "Secret Shelter" not in html
    assert "fewer than 3 signatories are not listed." in html


@pytest.mark.parametrize(
    "status",
    [
        SignatureStatus.draft,
        SignatureStatus.submitted,
        SignatureStatus.rejected,
        SignatureStatus.changes_requested,
        SignatureStatus.withdrawn,
    ],
)
def test_signatures_not_accepted_are_neither_listed_nor_counted(client, make_org, sign, status):
    sign(make_org(name="Accepted Org"))
    sign(make_org(name="Pending Org", visibility=Visibility.public), status=status)
    sign(make_org(name="Pending Hidden", visibility=Visibility.hidden), status=status)
    html = page(client)
    assert "Accepted Org" in html
    assert "Pending Org" not in html
    assert "1 organisation has signed this pledge." in html
    assert "more signator" not in html


def test_counts_by_stakeholder_type_and_region(client, pledge, make_org, sign):
    from registry.disclosure import View
    from registry.disclosure.pledges import signatory_counts

    specs = [
        (StakeholderType.technology_company, "USA", Visibility.public),
        (StakeholderType.technology_company, "IRL", Visibility.hidden),
        (StakeholderType.refugee_led_organisation, "KEN", Visibility.anonymised),
        (StakeholderType.refugee_led_organisation, "UGA", Visibility.hidden),
        (StakeholderType.refugee_led_organisation, "KEN", Visibility.public),
        (StakeholderType.academia, "DEU", Visibility.public),
    ]
    for kind, country, visibility in specs:
        sign(make_org(stakeholder_type=kind, country=country, visibility=visibility))
    sign(make_org(stakeholder_type=StakeholderType.state), status=SignatureStatus.submitted)

    counts = signatory_counts(View(), pledge.id)
    assert counts["total"].value == 6
    assert {k: c.value for k, c in counts["by_stakeholder_type"]} == {
        StakeholderType.refugee_led_organisation: 3,
        StakeholderType.technology_company: 2,
        StakeholderType.academia: 1,
    }
    by_region = {region.name: count.value for region, count in counts["by_region"]}
    assert by_region == {"east_horn_great_lakes": 3, "europe": 2, "americas": 1}
    # Largest first.
    assert counts["by_stakeholder_type"][0][0] is StakeholderType.refugee_led_organisation

    html = page(client)
    assert "Signatories by stakeholder type" in html
    assert '<th scope="row">Refugee-led organisation</th><td class="text-end">3</td>' in html
    # Groups of fewer than 3 organisations are not counted exactly on a public page.
    assert '<th scope="row">Technology company</th><td class="text-end">fewer than 3</td>' in html
    assert '<th scope="row">Europe</th><td class="text-end">fewer than 3</td>' in html
    assert '<th scope="row">State</th>' not in html
    assert '<th scope="row">Total</th><td class="text-end">6</td>' in html
    assert "and fewer than 3 more signatories who are not listed" in html


def test_co_leads_by_public_name_hidden_omitted(client, db, pledge, make_org):
    pledge.co_leads = [
        make_org(name="Agency Named"),
        make_org(
            name="Agency Described",
            acronym="ADX",
            stakeholder_type=StakeholderType.international_ngo,
            country="JOR",
            visibility=Visibility.anonymised,
        ),
        make_org(name="Agency Hidden", visibility=Visibility.hidden),
    ]
    db.session.commit()
    html = page(client)
    assert "Agency Named" in html
    assert "<li>An organisation (International NGO)</li>" in html  # alone: by type only
    assert "Agency Described" not in html
    assert "ADX" not in html
    assert "Agency Hidden" not in html


def test_key_outcomes_in_order(client, pledge):
    html = page(client)
    titles = [outcome.title for outcome in pledge.key_outcomes]
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)


def _only_window(pledge) -> SubmissionWindow:
    """The seeded pledge's one signature window."""
    return next(w for w in pledge.windows if w.kind is WindowKind.signature)


def test_open_window_with_end_says_until_when(client, db, pledge):
    window = _only_window(pledge)
    window.closes_at = datetime(2099, 3, 31, 23, 59, tzinfo=UTC)
    db.session.commit()
    html = page(client)
    assert "Open for signatures until 31 March 2099, 23:59 UTC" in html


def test_future_window_says_when_it_opens(client, db, pledge):
    window = _only_window(pledge)
    window.opens_at = utcnow() + timedelta(days=30)
    db.session.commit()
    html = page(client)
    assert "Opens on " in html
    assert window.opens_at.strftime("%Y") in html
    assert "Open for signatures" not in html


def test_manually_closed_window_shows_its_message(client, db, pledge):
    window = _only_window(pledge)
    window.is_manually_closed = True
    window.closed_message = "Signatures resume after the <b>HLOM</b>."
    db.session.commit()
    html = page(client)
    assert "Signatures resume after the &lt;b&gt;HLOM&lt;/b&gt;." in html
    assert "<b>HLOM</b>" not in html
    assert "Open for signatures" not in html


def test_signature_window_helper_prefers_open_then_next(db, pledge):
    now = utcnow()
    current = _only_window(pledge)
    upcoming = SubmissionWindow(
        kind=WindowKind.signature, label="Next", opens_at=now + timedelta(days=60)
    )
    pledge.windows.append(upcoming)
    db.session.commit()
    assert pledge.current_window(WindowKind.signature, now) is current
    current.is_manually_closed = True
    assert pledge.current_window(WindowKind.signature, now) is upcoming
    assert window_words(upcoming, now).is_open is False
    assert window_words(None, now).notice == "This form is closed to new submissions."


def test_index_lists_signatory_count_and_form_state(client, db, pledge, make_org, sign):
    for n in range(2):
        sign(make_org(name=f"Public {n}"))
    sign(make_org(visibility=Visibility.hidden))
    sign(make_org(), status=SignatureStatus.submitted)
    _only_window(pledge).closes_at = datetime(2099, 3, 31, 23, 59, tzinfo=UTC)
    db.session.commit()
    html = page(client, "/pledges")
    assert pledge.title in html
    assert "3 signatories" in html
    assert "Open for signatures until 31 March 2099, 23:59 UTC" in html


def _sign_many(make_org, sign, count: int, offset: int) -> None:
    visibilities = [Visibility.public, Visibility.anonymised, Visibility.hidden]
    for n in range(count):
        sign(
            make_org(
                name=f"Many {offset + n}",
                visibility=visibilities[n % 3],
                country=["KEN", "USA", "DEU"][n % 3],
            )
        )


@pytest.mark.parametrize("url", [URL, "/pledges"])
def test_statement_count_does_not_grow_with_signatories(client, db, make_org, sign, pledge, url):
    pledge.co_leads = [make_org(name="Co-lead")]
    db.session.commit()
    _sign_many(make_org, sign, 3, offset=0)
    with counting_statements(db.engine) as few:
        page(client, url)
    _sign_many(make_org, sign, 27, offset=3)
    with counting_statements(db.engine) as many:
        html = page(client, url)
    assert "30" in html
    assert len(few) == len(many), many
    # The page, its signatories (their rows, then the records of one page of them) and counts,
    # and the public view's protected organisations with their identifiers (five statements,
    # and one before and one after for the version they are kept under between requests: the
    # signatures just changed) and approvals.
    assert len(many) <= 16, many


def test_organisation_name_is_escaped(client, make_org, sign):
    sign(make_org(name="<script>alert(1)</script>", acronym="<i>x</i>"))
    html = page(client)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html


def test_unknown_pledge_is_404(client, pledge):
    assert client.get("/pledges/no-such-pledge").status_code == 404


def test_signatories_come_fifty_to_a_page_named_first_then_described(client, db, make_org, sign):
    """At scale a pledge has tens of thousands of signatories: the page lists one page of
    them (public ones by name, then anonymised ones by description), links to the next, and
    still counts every one."""
    from registry.disclosure.pledges import SIGNATORIES_PER_PAGE

    for n in range(SIGNATORIES_PER_PAGE + 5):
        sign(make_org(name=f"Listed Org {n:03d}"))
    sign(make_org(name="Quiet Refugee Voices", visibility=Visibility.anonymised))
    sign(make_org(name="Unseen Partner", visibility=Visibility.hidden))

    first = page(client)
    assert first.count("Listed Org ") == SIGNATORIES_PER_PAGE
    assert "Listed Org 000" in first and "Listed Org 049" in first
    assert "Listed Org 050" not in first
    assert "57 organisations have signed this pledge." in first
    assert 'rel="next" href="/pledges/digital-protection?page=2"' in first
    assert "Page 1 of 2" in first

    second = page(client, URL + "?page=2")
    assert second.count("Listed Org ") == 5 and "Listed Org 054" in second
    assert "Signatories described without their name:" in second
    assert "Quiet Refugee Voices" not in first + second
    assert "Unseen Partner" not in first + second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # Past the end or nonsense: the last page, or the first; never an error.
    assert "Listed Org 054" in page(client, URL + "?page=999")
    assert "Listed Org 000" in page(client, URL + "?page=-3")
    assert "Listed Org 000" in page(client, URL + "?page=abc")


def test_the_kept_listing_follows_every_change(client, db, make_org, sign):
    """The sorted listing of signatories is kept between requests; a rename, a change of
    visibility, a new signatory and another language each give the listing as it is now."""
    zeta = make_org(name="Zeta Media")
    sign(zeta)
    sign(make_org(name="Beta Radio"))
    for n in range(3):
        sign(
            make_org(
                name=f"Kakuma Group {n}",
                visibility=Visibility.anonymised,
                stakeholder_type=StakeholderType.refugee_led_organisation,
            )
        )
    first = page(client)
    assert first.index("Beta Radio") < first.index("Zeta Media")
    assert page(client) == first  # the kept listing gives the same page
    with acting_as(label="test"):
        zeta.name = "Alpha Media"
        db.session.commit()
    renamed = page(client)
    assert renamed.index("Alpha Media") < renamed.index("Beta Radio")
    with acting_as(label="test"):
        zeta.visibility = Visibility.anonymised
        db.session.commit()
    assert "Alpha Media" not in page(client)
    sign(make_org(name="Gamma Voices"))
    assert "Gamma Voices" in page(client)
    french = page(client, URL + "?lang=fr")
    assert "Une organisation dirigée par des réfugiés" in french, french
