"""Report safety (DESIGN §4, §5), read back from the PDFs with pypdf: user text is printed as
text, never loads a file or the network, nothing is attached; internal reports say so on
every page; anonymised names stay out of public reports; metadata, fonts and scripts."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from registry.audit import acting_as
from registry.models import (
    Commitment,
    CommitmentStatus,
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
from registry.reports import engagement, render, signatory
from registry.reports.render import BlockedURL, StaticOnlyFetcher, render_pdf

IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel="attachment" href="file:///etc/passwd">'
CSS_URL = "url(http://169.254.169.254/)"
SCRIPT = "<script>alert(1)</script>"
ARABIC = "حماية اللاجئين"
CYRILLIC = "Защита беженцев"
INTERNAL = "Internal — not for distribution"
SECRET_NAME = "Quiet Refugee Voices"


class CountingFetcher(StaticOnlyFetcher):
    """The report fetcher, recording every URL WeasyPrint asks it for."""

    requested: list[str] = []

    def fetch(self, url, headers=None):
        CountingFetcher.requested.append(url)
        return super().fetch(url, headers)


@pytest.fixture
def fetched(monkeypatch):
    """The URLs the PDF engine requested while rendering in this test."""
    CountingFetcher.requested = []
    monkeypatch.setattr(render, "StaticOnlyFetcher", CountingFetcher)
    return CountingFetcher.requested


def _signatory_of(db, pledge, organisation, title: str, achievements: str) -> None:
    now = utcnow()
    with acting_as(label="test-setup"), db.session.no_autoflush:
        window = SubmissionWindow(pledge=pledge, kind=WindowKind.progress, label="2025 review")
        signature = Signature(
            pledge=pledge, organisation=organisation, status=SignatureStatus.accepted
        )
        commitment = Commitment(signature=signature, title=title, description=CSS_URL)
        update = ProgressUpdate(
            commitment=commitment,
            window=window,
            status=CommitmentStatus.in_progress,
            progress_percent=30,
            achievements=achievements,
            challenges=IMG,
            next_steps=LINK,
            review_state=ReviewState.verified,
            reviewed_at=now,
        )
        db.session.add_all([window, signature, commitment, update])
        db.session.commit()


@pytest.fixture
def hostile(db, pledge, make_org):
    """A public organisation whose name, commitment title and achievements are hostile."""
    organisation = make_org(name=IMG, acronym=None)
    _signatory_of(db, pledge, organisation, title=LINK, achievements=f"{CSS_URL} {SCRIPT}")
    return organisation


@pytest.fixture
def anonymised(db, pledge, make_org, approve_wording):
    """An anonymised refugee-led organisation with a commitment titled in Arabic and Cyrillic,
    its public wording approved."""
    organisation = make_org(
        name=SECRET_NAME,
        stakeholder_type=StakeholderType.refugee_led_organisation,
        visibility=Visibility.anonymised,
    )
    _signatory_of(
        db, pledge, organisation, title=f"{ARABIC} / {CYRILLIC}", achievements="Radio shows"
    )
    signature = organisation.signatures[0]
    approve_wording(*signature.commitments, *signature.commitments[0].progress_updates)
    return organisation


def _report(module, raw: dict) -> tuple[str, bytes, PdfReader]:
    params = module.parse_params(raw)
    data = module.gather(params)
    html = module.render_html(params, data, fingerprint="0" * 64, generated_at=utcnow())
    pdf = render_pdf(html).pdf
    return html, pdf, PdfReader(BytesIO(pdf))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _squeezed(text: str) -> str:
    """Text without whitespace, so a line break inside a long string does not matter."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_hostile_text_is_printed_as_text(hostile, fetched, audience):
    html, pdf, reader = _report(signatory, {"organisation": hostile.id, "audience": audience})
    # Escaped in the HTML: no element was made from user text.
    assert "&lt;img" in html and "&lt;link" in html and "&lt;script" in html
    assert '<img src="file:' not in html
    assert '<link rel="attachment"' not in html
    assert "<script>" not in html
    # Printed literally.
    text = _squeezed(_text(reader))
    for hostile_text in (IMG, LINK, CSS_URL, SCRIPT):
        assert _squeezed(hostile_text) in text, hostile_text
    # Nothing attached, no file read, nothing but static files and data: URLs requested.
    assert reader.attachments == {}
    assert b"root:" not in pdf
    assert b"/EmbeddedFile" not in pdf
    assert fetched, "the stylesheet and fonts are fetched through the fetcher"
    static = render.report_static("")
    for url in fetched:
        assert url.startswith(("data:", static)), url
        assert "passwd" not in url and "169.254" not in url


def test_fetcher_refuses_files_and_network(app):
    fetcher = StaticOnlyFetcher(render._static_root())
    for url in (
        "file:///etc/passwd",
        "http://169.254.169.254/",
        "https://example.org/x.png",
        render.report_static("../registry/config.py"),
    ):
        with pytest.raises(BlockedURL):
            fetcher.fetch(url)


def test_raw_html_cannot_load_files_even_unescaped(app, fetched):
    """Defence in depth: were user text ever left unescaped, the fetcher still refuses."""
    html = (
        f"<html><head>{LINK}<style>body {{ background: {CSS_URL} }}</style></head>"
        f"<body><p>x</p>{IMG}</body></html>"
    )
    pdf = render_pdf(html).pdf
    assert b"root:" not in pdf
    assert PdfReader(BytesIO(pdf)).attachments == {}
    assert "file:///etc/passwd" in fetched or "http://169.254.169.254/" in fetched  # refused


def test_internal_header_on_every_page_only_of_internal_reports(anonymised, hostile):
    _html, _pdf, internal = _report(
        signatory, {"organisation": anonymised.id, "audience": "internal"}
    )
    _html, _pdf, public = _report(signatory, {"organisation": anonymised.id})
    _html, _pdf, staff = _report(engagement, {})
    for reader in (internal, staff):
        assert len(reader.pages) >= 2
        for number, page in enumerate(reader.pages, start=1):
            assert INTERNAL in page.extract_text(), number
    for page in public.pages:
        assert INTERNAL not in page.extract_text()
        assert "Internal" not in page.extract_text()


def test_anonymised_name_only_in_internal_report(anonymised):
    _html, internal_pdf, internal = _report(
        signatory, {"organisation": anonymised.id, "audience": "internal"}
    )
    html, public_pdf, public = _report(signatory, {"organisation": anonymised.id})
    assert SECRET_NAME in _text(internal)
    assert SECRET_NAME not in _text(public)
    assert SECRET_NAME not in html
    assert SECRET_NAME.encode() not in public_pdf
    # Alone in its report: described by type only (the small-group rule).
    assert "A refugee-led organisation" in _text(public)
    assert public.metadata.title == "Signatory report: A refugee-led organisation"


def test_metadata_fonts_and_scripts(anonymised):
    _html, pdf, reader = _report(signatory, {"organisation": anonymised.id})
    metadata = reader.metadata
    assert metadata.title == "Signatory report: A refugee-led organisation"
    assert metadata.author == "Pledge & Partnership Registry"
    assert metadata.subject
    # DejaVu (as "Report Sans") is embedded: its descriptors carry a font program.
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    base_fonts = {str(font["/BaseFont"]) for font in fonts}
    assert any("DejaVu" in name or "Report" in name for name in base_fonts), base_fonts
    for font in fonts:
        descendants = font.get("/DescendantFonts")
        descriptor = (descendants[0].get_object() if descendants else font)[
            "/FontDescriptor"
        ].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
    text = _text(reader)
    assert CYRILLIC in text
    # pypdf may order right-to-left text either way; every Arabic word must be there.
    for word in ARABIC.split():
        assert word in text or word[::-1] in text, word


def test_reports_are_tagged_pdf_ua(app):
    from io import BytesIO

    from pypdf import PdfReader

    from registry.reports.render import render_pdf

    html = "<html lang=en><head><title>T</title></head><body><h1>T</h1><p>x</p></body></html>"
    reader = PdfReader(BytesIO(render_pdf(html).pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert "pdfuaid" in xmp
