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

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher

__all__ = ["BlockedURL", "Rendered", "StaticOnlyFetcher", "render_pdf", "report_static"]


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
    root = _static_root()
    started = time.perf_counter()
    document = HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)
    ).render()
    laid_out = time.perf_counter()
    pdf = document.write_pdf(pdf_tags=True)
    return Rendered(
        pdf=pdf,
        pages=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=time.perf_counter() - laid_out,
    )
