"""The one function that turns report HTML into a PDF (WeasyPrint), safely.

The PDF engine may load only the app's own static files and `data:` URLs: never other `file://`
paths, never the network (DESIGN §4). Report templates link static files with
`report_static('reports/print.css')`, which gives their `file://` address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def _memoise_page_references() -> None:
    """Make `pydyf.PDF.page_references` cached while the page list is unchanged.

    pydyf rebuilds that tuple (one entry per page) on every access, and WeasyPrint's PDF
    tagging reads it once per structure element: quadratic in pages, about 8.6 million string
    formats for a 268-page report (bench/README.md). The tuple only grows as pages are added,
    so it is recomputed when the number of pages changes; the PDF bytes are the same.
    """
    original = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(original, property) or getattr(original.fget, "memoised", False):
        return

    def page_references(pdf):
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_page_references")
        if cached is None or cached[0] is not kids or cached[1] != len(kids):
            cached = (kids, len(kids), original.fget(pdf))
            pdf.__dict__["_page_references"] = cached
        return cached[2]

    page_references.memoised = True
    pydyf.PDF.page_references = property(page_references)


_memoise_page_references()


class BlockedURL(ValueError):
    """A resource the report may not load."""


class StaticOnlyFetcher(URLFetcher):
    """Fetch `data:` URLs and files under the static folder; refuse everything else."""

    def __init__(self, static_root: Path):
        super().__init__(timeout=5, allow_redirects=False)
        self.static_root = static_root.resolve()

    def fetch(self, url, headers=None):
        """Return the resource, or raise BlockedURL (WeasyPrint then leaves it out)."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_relative_to(self.static_root) and path.is_file():
                return super().fetch(url, headers)
        raise BlockedURL(f"the report may not load {url}")


@dataclass
class Rendered:
    """A rendered PDF and what it took."""

    pdf: bytes
    pages: int
    layout_seconds: float
    write_seconds: float


def _static_root() -> Path:
    return Path(current_app.static_folder)


def report_static(path: str) -> str:
    """The `file://` address of a static file, for report templates."""
    return (_static_root() / path).resolve().as_uri()


def render_pdf(html: str) -> Rendered:
    """Lay out and write a tagged PDF; metadata comes from the HTML's <title> and <meta>s."""
    return render_pdf_at(html, str(_static_root()))


def render_pdf_at(html: str, static_root: str, tagged: bool = True) -> Rendered:
    """`render_pdf` with the static folder given (no app needed: for worker processes);
    `tagged=False` writes an untagged PDF (only for artifacts drawn on a tagged one)."""
    root = Path(static_root)
    started = time.perf_counter()
    document = HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)
    ).render()
    laid_out = time.perf_counter()
    # Tagged, with the PDF/UA identification.
    pdf = document.write_pdf(pdf_variant="pdf/ua-1") if tagged else document.write_pdf()
    return Rendered(
        pdf=pdf,
        pages=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=time.perf_counter() - laid_out,
    )
