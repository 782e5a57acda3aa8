"""A long report rendered as chunks, each chunk's PDF cached under a hash of its own HTML and
rendered only when it changed, then merged into one tagged PDF (registry/reports/merge.py).

A report module that can be chunked has `render_chunks(params, data, *, fingerprint,
generated_at)`: its document cut into `Chunk`s (the GRF report: cover, contents, summary,
charts, highlights, annex chunks by key outcome and id range, methodology), each a whole HTML
document with the report's head and running header, without page numbers. The contents chunk
holds `page_marker(id)` where the page of section `id` goes: it is filled in once the other
chunks' page counts are known (its own HTML then names those pages, so it re-renders only when
they move), and its links to the other chunks' sections are merged into links of the PDF.
"Page N of M" is a separate untagged PDF of M numbered pages (itself cached: it changes only
with M) drawn on the merged pages as an artifact.

Missing chunks are rendered in parallel: by a pool of processes (REPORT_RENDER_PROCESSES) on the
embedded default, by one RQ job each with REDIS_URL (then a final merge job finishes the run:
registry/reports/jobs.py). The cache is a folder (REPORT_CHUNK_CACHE_DIR, default
instance/report-chunks), one file per chunk, kept under REPORT_CHUNK_CACHE_MB by removing the
least recently used files after each write; with REDIS_URL, rendered chunks are also kept in
Redis for a day (CHUNK_TTL) so that any worker host finds those the others rendered.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import weasyprint
from flask import current_app, render_template

from registry.reports.merge import Part, merge
from registry.reports.render import Rendered, render_pdf_at

log = logging.getLogger(__name__)

#: The marker of a page number in the contents chunk's HTML.
PAGE_MARKER = "\u2063page:{}\u2063"
_MARKER = re.compile("\u2063page:([^\u2063]+)\u2063")
#: Seconds a rendered chunk stays in Redis (with REDIS_URL).
CHUNK_TTL = 24 * 3600
REDIS_PREFIX = "registry:report-chunk:"


def page_marker(target: str) -> str:
    """Where the page number of section `target` goes in the contents chunk."""
    return PAGE_MARKER.format(target)


@dataclass
class Chunk:
    """One part of a report: its whole HTML and the heading level of its outline's top entries
    (1 for h1: the merged outline nests each under the last entry of a lower level)."""

    name: str
    html: str
    level: int = 2
    tagged: bool = True
    key: str = field(default="", init=False)

    def __post_init__(self):
        self.key = chunk_key(self.html, self.tagged)

    @property
    def is_contents(self) -> bool:
        return bool(_MARKER.search(self.html))


@lru_cache(maxsize=8)
def _engine(static_root: str, css_mtime: float) -> str:
    """What else decides a chunk's PDF: the engine and the print stylesheet and fonts."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    for path in sorted((Path(static_root) / "reports").rglob("*.css")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def chunk_key(html: str, tagged: bool = True) -> str:
    """The cache key of a chunk: SHA-256 over its HTML, tagging, engine and stylesheet."""
    root = current_app.static_folder
    css = Path(root) / "reports" / "print.css"
    engine = _engine(root, css.stat().st_mtime if css.exists() else 0.0)
    return hashlib.sha256(f"{engine}:{int(tagged)}:".encode() + html.encode()).hexdigest()


# -- the cache --------------------------------------------------------------------------------


class ChunkCache:
    """Rendered chunks in a folder, `<key>.pdf` each, at most `max_bytes` in all (the least
    recently used go first; a hit touches its file)."""

    def __init__(self, folder: str | Path, max_bytes: int, redis_url: str | None = None):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.redis_url = redis_url

    @classmethod
    def from_config(cls) -> ChunkCache:
        config = current_app.config
        return cls(
            config["REPORT_CHUNK_CACHE_DIR"],
            config["REPORT_CHUNK_CACHE_MB"] * 1024 * 1024,
            config.get("REDIS_URL") if config.get("JOBS_MODE") == "rq" else None,
        )

    def _redis(self):
        from redis import Redis

        return Redis.from_url(self.redis_url)

    def get(self, key: str) -> bytes | None:
        path = self.folder / f"{key}.pdf"
        try:
            data = path.read_bytes()
            os.utime(path)
            return data
        except FileNotFoundError:
            pass
        if self.redis_url:
            data = self._redis().get(REDIS_PREFIX + key)
            if data is not None:
                self._write(key, data)
                return data
        return None

    def put(self, key: str, pdf: bytes, *, shared: bool = True) -> None:
        self._write(key, pdf)
        if self.redis_url and shared:
            self._redis().set(REDIS_PREFIX + key, pdf, ex=CHUNK_TTL)

    def _write(self, key: str, pdf: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{key}.{os.getpid()}.tmp"
        temporary.write_bytes(pdf)
        temporary.replace(self.folder / f"{key}.pdf")  # atomic: a reader never sees half
        self.prune()

    def prune(self) -> int:
        """Remove the least recently used files until the folder fits; how many went."""
        files = []
        for path in self.folder.glob("*.pdf"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _mtime, size, _path in files)
        removed = 0
        for _mtime, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total, removed = total - size, removed + 1
        return removed


# -- rendering --------------------------------------------------------------------------------

_pool: tuple[int, Executor] | None = None


def _executor(processes: int) -> Executor:
    """The pool of rendering processes, started once and kept (spawned: a forked child of a
    process with threads can hang)."""
    global _pool
    if _pool is None or _pool[0] != processes:
        if _pool is not None:
            _pool[1].shutdown(wait=False)
        _pool = (processes, ProcessPoolExecutor(processes, mp_context=get_context("spawn")))
    return _pool[1]


def _render(html: str, static_root: str, tagged: bool) -> tuple[bytes, float, float]:
    rendered = render_pdf_at(html, static_root, tagged)
    return rendered.pdf, rendered.layout_seconds, rendered.write_seconds


@dataclass
class Stats:
    """What a chunked render did: chunks rendered (names) and reused, seconds spent."""

    rendered: list[str] = field(default_factory=list)
    reused: int = 0
    layout: float = 0.0
    write: float = 0.0
    merge: float = 0.0


def render_missing(
    chunks: Iterable[Chunk], cache: ChunkCache, stats: Stats, processes: int | None = None
) -> dict[str, bytes]:
    """{key: PDF} of `chunks`: from the cache, or rendered (in parallel when more than one is
    missing and `processes`, by default REPORT_RENDER_PROCESSES, is more than 1) and cached."""
    found: dict[str, bytes] = {}
    missing: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.key in found or chunk.key in missing:
            continue
        pdf = cache.get(chunk.key)
        if pdf is None:
            missing[chunk.key] = chunk
        else:
            found[chunk.key] = pdf
            stats.reused += 1
    root = current_app.static_folder
    if processes is None:
        processes = current_app.config.get("REPORT_RENDER_PROCESSES", 0)
    if len(missing) > 1 and processes > 1:
        pool = _executor(processes)
        # The longest first, so that no long chunk starts last and keeps the others waiting.
        longest = sorted(missing.items(), key=lambda item: -len(item[1].html))
        futures = {key: pool.submit(_render, c.html, root, c.tagged) for key, c in longest}
        results = {key: future.result() for key, future in futures.items()}
    else:
        results = {key: _render(c.html, root, c.tagged) for key, c in missing.items()}
    for key, (pdf, layout, write) in results.items():
        cache.put(key, pdf)
        found[key] = pdf
        stats.rendered.append(missing[key].name)
        stats.layout += layout
        stats.write += write
    return found


def _page_counts(pdfs: list[bytes]) -> tuple[list[int], list[dict[str, int]]]:
    import io

    import pikepdf

    from registry.reports.merge import named_destinations

    counts, dests = [], []
    for pdf in pdfs:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            counts.append(len(document.pages))
            dests.append(named_destinations(document))
    return counts, dests


def page_numbers_html(pages: int, lang: str) -> str:
    """The HTML of the "Page N of M" artifacts (templates/reports/pdf/_page_numbers.html)."""
    from registry.reports.common import report_static

    return render_template(
        "reports/pdf/_page_numbers.html", pages=pages, lang=lang, report_static=report_static
    )


def assemble(
    chunks: list[Chunk], *, lang: str, stats: Stats | None = None, processes: int | None = None
) -> Rendered:
    """The report's PDF from its chunks: render what the cache lacks (with `processes`, see
    `render_missing`), fill in the contents, number the pages, merge."""
    stats = stats if stats is not None else Stats()
    cache = ChunkCache.from_config()
    body = [c for c in chunks if not c.is_contents]
    pdfs = render_missing(body, cache, stats, processes)
    counts, dests = _page_counts([pdfs[c.key] for c in body])
    contents = [c for c in chunks if c.is_contents]
    # Each contents chunk is assumed to take as many pages as it took when last rendered
    # with these markers (one to start with); if it does not, it is rendered again.
    guess = {c.name: 1 for c in contents}
    for _attempt in range(3):
        order, filled = _fill_contents(chunks, body, counts, dests, guess)
        # The page numbers for the pages the contents are assumed to take, rendered with them
        # (at once, in the pool): both again if the contents take other pages.
        total = sum(counts) + sum(guess.values())
        numbers = Chunk("page numbers", page_numbers_html(total, lang), tagged=False)
        pdfs |= render_missing([*filled, numbers], cache, stats, processes)
        actual = _page_counts([pdfs[c.key] for c in filled])[0]
        if all(guess[c.name] == n for c, n in zip(filled, actual, strict=True)):
            break
        guess = {c.name: n for c, n in zip(filled, actual, strict=True)}
    started = time.perf_counter()
    pdf = merge([Part(pdfs[c.key], c.level) for c in order], pdfs[numbers.key])
    stats.merge = time.perf_counter() - started
    return Rendered(pdf=pdf, pages=total, layout_seconds=stats.layout, write_seconds=stats.write)


def _fill_contents(chunks, body, counts, dests, guess) -> tuple[list[Chunk], list[Chunk]]:
    """(every chunk in order with the contents filled in, the filled-in contents chunks)."""
    pages: dict[str, int] = {}
    start = 1
    counted = dict(zip((c.key for c in body), zip(counts, dests, strict=True), strict=True))
    for chunk in chunks:
        if chunk.is_contents:
            start += guess[chunk.name]
            continue
        count, names = counted[chunk.key]
        for name, index in names.items():
            pages.setdefault(name, start + index)
        start += count
    order, filled = [], []
    for chunk in chunks:
        if chunk.is_contents:
            html = _MARKER.sub(lambda m: str(pages.get(m.group(1), "")), chunk.html)
            chunk = Chunk(chunk.name, html, chunk.level)
            filled.append(chunk)
        order.append(chunk)
    return order, filled


def shutdown_pool() -> None:
    """Stop the rendering processes (they start again when next needed)."""
    global _pool
    if _pool is not None:
        _pool[1].shutdown(wait=True)
        _pool = None
