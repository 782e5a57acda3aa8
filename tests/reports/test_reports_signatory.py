"""Signatory report: parameters, what each audience sees, progress history and next steps."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from registry.audit import acting_as
from registry.models import (
    Commitment,
    CommitmentStatus,
    Contact,
    EngagementKind,
    EngagementRecord,
    GeographicLevel,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.reports import signatory
from registry.reports.common import ReportParameterError
from registry.reports.render import render_pdf
from tests.api.test_public_data import crafted  # noqa: F401, F811 - the crafted dataset fixture

SECRET_NAME = "Kakuma Voices Collective"


@pytest.fixture
def signatory_data(db, pledge, make_org):
    """An anonymised refugee-led signatory with two commitments, three windows of updates in
    every review state, a contact, an engagement record and a second, submitted signature."""
    now = utcnow()
    organisation = make_org(
        name=SECRET_NAME,
        stakeholder_type=StakeholderType.refugee_led_organisation,
        country="KEN",
        visibility=Visibility.anonymised,
    )
    partner = make_org(name="Open Partner Org")
    hidden_partner = make_org(name="Hidden Partner Org", visibility=Visibility.hidden)
    outcome = pledge.key_outcomes[0]
    with acting_as(label="test-setup"):
        windows = [
            SubmissionWindow(
                pledge=pledge,
                kind=WindowKind.progress,
                label=label,
                opens_at=now - timedelta(days=days),
                closes_at=now - timedelta(days=days - 30),
            )
            for label, days in (("2024 review", 500), ("2025 review", 200), ("2026 review", 40))
        ]
        signature = Signature(
            pledge=pledge, organisation=organisation, status=SignatureStatus.accepted
        )
        first = Commitment(
            signature=signature,
            title="Train refugee journalists",
            description="Workshops in Kakuma.",
            key_outcome=outcome,
            status=CommitmentStatus.in_progress,
            geographic_level=GeographicLevel.national,
            languages=["en", "sw"],
            start_date=date(2024, 1, 1),
            target_date=date(2027, 12, 31),
            indicator_text="Journalists trained",
            indicator_unit="people",
            indicator_baseline=0,
            indicator_target=120,
            co_implementers=[partner, hidden_partner],
        )
        first.countries = ["KEN"]
        second = Commitment(signature=signature, title="Fact-check rumours", description="")
        db.session.add_all([*windows, signature, first, second])
        db.session.flush()
        updates = [
            ProgressUpdate(
                commitment=first,
                window=windows[0],
                status=CommitmentStatus.in_progress,
                progress_percent=None,
                achievements="First cohort recruited",
                next_steps="Old next step",
                review_state=ReviewState.verified,
            ),
            ProgressUpdate(
                commitment=first,
                window=windows[1],
                status=CommitmentStatus.in_progress,
                progress_percent=40,
                actual_value=48,
                achievements="48 journalists trained",
                challenges="Connectivity",
                next_steps="Second cohort in 2026",
                review_state=ReviewState.verified,
            ),
            ProgressUpdate(
                commitment=first,
                window=windows[2],
                status=CommitmentStatus.in_progress,
                progress_percent=70,
                achievements="Unverified claim",
                review_state=ReviewState.returned,
                review_comment="Reviewer says: evidence missing",
            ),
            ProgressUpdate(
                commitment=second,
                window=windows[2],
                status=CommitmentStatus.planning,
                achievements="Draft never sent",
                review_state=ReviewState.draft,
            ),
        ]
        db.session.add_all(updates)
        db.session.add(
            Contact(organisation=organisation, name="Amina Contact", email="amina@example.org")
        )
        db.session.add(
            EngagementRecord(
                organisation=organisation,
                kind=EngagementKind.partnership,
                title="Engagement on radio shows",
                internal_notes="Internal note: sensitive",
            )
        )
        db.session.commit()
    return {"organisation": organisation, "first": first, "second": second, "windows": windows}


def build(raw: dict):
    """Parse, gather and render the report: (params, data, html)."""
    params = signatory.parse_params(raw)
    data = signatory.gather(params)
    html = signatory.render_html(params, data, fingerprint="f" * 64, generated_at=utcnow())
    return params, data, html


def pdf_text(html: str) -> str:
    reader = PdfReader(BytesIO(render_pdf(html).pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_contract_names():
    assert signatory.KIND == "signatory"
    assert signatory.INTERNAL_ONLY is False
    assert issubclass(ReportParameterError, ValueError)


@pytest.mark.parametrize(
    "raw, message",
    [
        ({}, "'organisation' is required"),
        ({"organisation": "abc"}, "whole number"),
        ({"organisation": 999_999}, "no organisation"),
        ({"organisation": 1, "colour": "red"}, "Unknown report parameter"),
        ({"organisation": 1, "audience": "press"}, "Audience must be"),
    ],
)
def test_bad_parameters_are_refused(db, raw, message):
    with pytest.raises(ReportParameterError, match=message):
        signatory.parse_params(raw)


def test_parameters_are_normalised(signatory_data, pledge):
    org = signatory_data["organisation"]
    assert signatory.parse_params({"organisation": str(org.id)}) == {
        "organisation": org.id,
        "audience": "public",
    }
    params = signatory.parse_params(
        {"organisation": org.id, "audience": "internal", "pledge": pledge.slug}
    )
    assert params == {"organisation": org.id, "audience": "internal", "pledge": pledge.slug}
    with pytest.raises(ReportParameterError, match="no pledge"):
        signatory.parse_params({"organisation": org.id, "pledge": "nope"})


def test_hidden_organisation_public_report_is_refused(make_org):
    org = make_org(visibility=Visibility.hidden)
    with pytest.raises(ReportParameterError) as error:
        signatory.parse_params({"organisation": org.id, "audience": "public"})
    assert str(error.value) == ("This organisation is hidden: only an internal report can be made.")
    # gather refuses too, should parameters arrive without parse_params.
    with pytest.raises(ReportParameterError, match="hidden"):
        signatory.gather({"organisation": org.id, "audience": "public"})
    assert signatory.parse_params({"organisation": org.id, "audience": "internal"})


def test_public_report_describes_anonymised_organisation(signatory_data):
    org = signatory_data["organisation"]
    params, data, html = build({"organisation": org.id, "audience": "public"})
    # Alone in the report: described by type only, never by region (the small-group rule).
    description = "A refugee-led organisation"
    assert signatory.title(params, data) == f"Signatory report: {description}"
    assert description in html
    assert "East and Horn of Africa" not in html.split("<h2>")[0]  # not on the cover
    for secret in (
        SECRET_NAME,
        "Amina",
        "amina@example.org",
        "Internal note",
        "Engagement on radio shows",
        "Reviewer says",
        "Unverified claim",  # returned, not verified
        "Draft never sent",
        "Hidden Partner Org",
        "Internal — not for distribution",
    ):
        assert secret not in html, secret
    assert "Open Partner Org" in html
    # The organisation's country would narrow an anonymised organisation down.
    assert "<th>Country</th>" not in html


def test_public_report_shows_only_structured_fields_until_the_wording_is_approved(signatory_data):
    org = signatory_data["organisation"]
    _params, data, html = build({"organisation": org.id, "audience": "public"})
    titles = [e["commitment"].title for e in data["entries"]]
    assert titles == ["A commitment", "A commitment"]  # no action area chosen: a plain title
    text = pdf_text(html)
    for withheld in ("Train refugee journalists", "Workshops in Kakuma.", "48 journalists"):
        assert withheld not in text, withheld
    assert "not published yet" in text
    assert "40 %" in text and "2025 review" in text  # progress is structured: shown


def test_public_report_shows_commitments_history_and_next_steps(
    signatory_data, approve_wording, db
):
    org = signatory_data["organisation"]
    first, second = signatory_data["first"], signatory_data["second"]
    approve_wording(first, second, *first.progress_updates)
    _params, data, html = build({"organisation": org.id, "audience": "public"})
    titles = [e["commitment"].title for e in data["entries"]]
    assert titles == ["Train refugee journalists", "Fact-check rumours"]
    first = data["entries"][0]
    assert [u.window_label for u in first["commitment"].updates] == ["2024 review", "2025 review"]
    assert first["next_steps"] == "Second cohort in 2026"  # the latest one
    text = pdf_text(html)
    for expected in (
        "Train refugee journalists",
        "Workshops in Kakuma.",
        "Journalists trained",
        "2024 review",
        "not reported",
        "2025 review",
        "40 %",
        "48 journalists trained",
        "Connectivity",
        "Second cohort in 2026",
        "East and Horn of Africa",  # the commitment's region, never its country
        "No progress reported yet.",
    ):
        assert expected in text, expected
    assert "Kenya" not in text
    # "Not reported" is never printed as 0 %.
    assert "0 %" not in text.replace("40 %", "")


def test_internal_report_names_organisation_and_shows_review(signatory_data):
    org = signatory_data["organisation"]
    params, data, html = build({"organisation": org.id, "audience": "internal"})
    assert signatory.title(params, data) == f"Signatory report: {SECRET_NAME}"
    first = data["entries"][0]
    assert [u.window_label for u in first["commitment"].updates] == [
        "2024 review",
        "2025 review",
        "2026 review",
    ]
    text = pdf_text(html)
    for expected in (
        SECRET_NAME,
        "Unverified claim",
        "Reviewer says: evidence missing",
        "Engagement on radio shows",
        "Hidden Partner Org",
        "Internal — not for distribution",
    ):
        assert expected in text, expected
    assert "Draft never sent" not in text  # a draft is not a report
    assert "amina@example.org" not in text  # contacts are not part of this report


def test_only_accepted_signatures_in_public(signatory_data, db):
    org = signatory_data["organisation"]
    from registry.models import Pledge

    with acting_as(label="test-setup"):
        other = Pledge(slug="other", title="Other pledge")
        signature = Signature(pledge=other, organisation=org, status=SignatureStatus.submitted)
        db.session.add_all(
            [other, signature, Commitment(signature=signature, title="Pending commitment")]
        )
        db.session.commit()
    _p, public, _h = build({"organisation": org.id})
    assert "Pending commitment" not in [e["commitment"].title for e in public["entries"]]
    _p, internal, _h = build({"organisation": org.id, "audience": "internal"})
    assert "Pending commitment" in [e["commitment"].title for e in internal["entries"]]
    _p, only, _h = build({"organisation": org.id, "audience": "internal", "pledge": "other"})
    assert [e["commitment"].title for e in only["entries"]] == ["Pending commitment"]


def test_organisation_without_commitments(make_org):
    org = make_org()
    _params, data, html = build({"organisation": org.id})
    assert data["entries"] == []
    assert "no commitments in this report" in pdf_text(html)


def test_stakeholder_downloads_its_own_report_marked_as_its_own(
    signatory_data, make_user, make_org, client, login_as
):
    """From My organisation: the organisation's own data in full (its name, its words before
    any approval, its returned update with the comment), marked on every page; never the
    agency's engagement records, and another organisation's report is not found."""
    org = signatory_data["organisation"]
    login_as(make_user(organisation=org))
    mine = client.get("/my-organisation").get_data(as_text=True)
    url = f"/organisations/{org.id}/own-report.pdf"
    assert url in mine
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    marking = f"Own data of {SECRET_NAME} — not the public version"
    for number, text in enumerate(pages, start=1):
        assert marking in text, number
        assert f"Signatory report: {SECRET_NAME}" in text, number  # the running header
    text = " ".join(pages)
    for expected in (
        "Workshops in Kakuma.",  # its own words, not yet approved for publication
        "Kenya",  # its countries, not only its region
        "Unverified claim",  # its returned update
        "Reviewer says: evidence missing",
        "Visibility Anonymised",  # how the public sees it
    ):
        assert expected in text, expected
    assert "Hidden Partner Org" not in text  # another organisation: as the public sees it
    assert "Draft never sent" not in text
    for internal in ("Engagement on radio shows", "Internal note", "Internal — not for"):
        assert internal not in text
    assert reader.metadata.title == f"Signatory report: {SECRET_NAME}"

    other = make_org(name="Another Org")
    assert client.get(f"/organisations/{other.id}/own-report.pdf").status_code == 404
    client.post("/account/logout")
    assert client.get(url).status_code == 302  # to the login page


def test_an_own_report_names_no_other_protected_organisation(crafted, client, login_as):  # noqa: F811
    """The own report shows every other organisation as the public sees it: a public
    partner whose name holds a hidden organisation's, and a coordinator's comment naming an
    anonymised one, are printed with those names replaced."""
    from registry.extensions import db as _db
    from registry.models import Organisation, ReviewState, StakeholderType, Visibility
    from tests.disclosure.crafted import leaks

    sauti, amal, rvn = crafted.orgs["sauti"], crafted.orgs["amal"], crafted.orgs["rvn"]
    commitment = crafted.commitments["sauti"]
    with acting_as(label="test"):
        friends = Organisation(
            name=f"Friends of {rvn.name}",
            stakeholder_type=StakeholderType.national_ngo,
            country="KEN",
            visibility=Visibility.public,
        )
        _db.session.add(friends)
        commitment.co_implementers = [amal, friends]
        update = crafted.updates["sauti"]
        update.review_state = ReviewState.returned
        update.review_comment = f"Please do not mention {amal.name} here."
        _db.session.commit()
    login_as(crafted.users["sauti"])
    response = client.get(f"/organisations/{sauti.id}/own-report.pdf")
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "Friends of" in text and "Please do not mention" in text
    for organisation in crafted.protected():
        if organisation.id != sauti.id:
            assert leaks(text, organisation) == [], organisation.name
