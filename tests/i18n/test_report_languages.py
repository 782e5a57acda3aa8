"""The GRF report in a chosen language: a report parameter (so the cache keeps one PDF per
language), and in Arabic laid out right to left with the Arabic shaped by the embedded font."""

import io

from pypdf import PdfReader

from registry.extensions import db as _db
from registry.reports import grf
from registry.reports.jobs import request_report, run_report

ARABIC_TITLE = "تقرير التقدم للمنتدى العالمي للاجئين"


def _run(params: dict):
    run = request_report("grf", params, None, enqueue=False)
    _db.session.commit()
    if run.pdf is None:
        run_report(run.id)
    _db.session.refresh(run)
    return run


def test_language_is_a_parameter_and_part_of_the_cache_key(db, pledge, make_org):
    assert grf.parse_params({"pledge": pledge.slug})["language"] is None  # English
    assert grf.parse_params({"pledge": pledge.slug, "language": "es"})["language"] == "es"
    english = request_report("grf", {"pledge": pledge.slug}, None, enqueue=False)
    french = request_report("grf", {"pledge": pledge.slug, "language": "fr"}, None, enqueue=False)
    assert english.fingerprint != french.fingerprint
    assert french.parameters["language"] == "fr" and "language" not in english.parameters
    # The signatory and engagement reports take it too.
    organisation = make_org()
    signatory = request_report(
        "signatory", {"organisation": organisation.id, "language": "es"}, None, enqueue=False
    )
    assert signatory.parameters["language"] == "es"
    assert request_report("engagement", {"language": "ar"}, None, enqueue=False).parameters == {
        "audience": "internal",
        "language": "ar",
    }


def test_arabic_report_runs_right_to_left_with_arabic_text(db, pledge):
    run = _run({"pledge": pledge.slug, "language": "ar"})
    assert run.error is None and run.pdf
    reader = PdfReader(io.BytesIO(run.pdf))
    assert reader.metadata.title.startswith("تقرير التقدم للمنتدى العالمي للاجئين:")
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # The embedded font: static/fonts/DejaVuSans.ttf (Arabic included), as "Report Sans".
    assert any(name.endswith("+Report-Sans") for name in fonts)
    # Where each line of the first page starts: a right-to-left page's lines end at the right
    # margin, so their starts lie to the right of where a left-to-right page's would.
    starts: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            starts.append((tm[4] * cm[0] + cm[4], text.strip()))

    reader.pages[0].extract_text(visitor_text=visit)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "المنهجية" in text and "أرقام موجزة" in text  # Methodology, Summary figures
    assert "Methodology" not in text and "Summary figures" not in text
    footer = reader.pages[0].extract_text().splitlines()[-1]  # "Page 1 of 8", read back visually
    assert "الصفحة" in footer and "من" in footer and "Page" not in footer
    width = float(reader.pages[0].mediabox.width)
    arabic = [x for x, t in starts if any("\u0600" <= ch <= "\u06ff" for ch in t)]
    assert arabic and sum(x > width / 3 for x in arabic) > len(arabic) / 2
