"""The page-image check on a small registry: every page of the public GRF report, rendered to
PNG by pdftoppm, carries ink (no blank page), and the pages that precede no new section are
at least half full (bench/page_images.py does the measuring)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from registry.reports import grf
from registry.reports.render import render_pdf
from tests.reports.test_reports_grf import GENERATED_AT, dataset  # noqa: F401 - a fixture

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import page_images  # noqa: E402

pytestmark = pytest.mark.slow


def test_no_page_of_the_public_report_is_blank(db, dataset, tmp_path):  # noqa: F811
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed for the page-image check")
    params = grf.parse_params({"pledge": dataset["pledge"].slug})
    data = grf.gather(params)
    html = grf.render_html(params, data, fingerprint="f" * 64, generated_at=GENERATED_AT)
    pdf = tmp_path / "grf.pdf"
    pdf.write_bytes(render_pdf(html).pdf)
    pages = page_images.check(pdf)
    assert len(pages) >= 6
    blank = [n for n, ink, _fill in pages if ink < page_images.THRESHOLD]
    assert blank == []
    # The summary and the roll-up share pages: the page after the summary is not a stub.
    summary_page = 3
    assert pages[summary_page - 1][2] > 0.5
