"""The GRF report rendered in chunks (registry/reports/chunks.py, merge.py): the merged PDF is
one consistent tagged document that reads as the report rendered whole, every page carries the
running header and "Page N of M", the contents give the right pages and link to them, a changed
commitment re-renders only its own chunk, the process pool renders the same chunks, and the
cache stays within its size."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from pypdf import PdfReader

from registry.audit import acting_as
from registry.models import Commitment, ReportRun, ReportStatus
from registry.reports import chunks, grf
from registry.reports.render import render_pdf
from tests.reports.test_reports_grf import GENERATED_AT, dataset  # noqa: F401 (a fixture)


@pytest.fixture
def cache_dir(app, tmp_path, monkeypatch):
    """A chunk cache of this test's own (empty), and annex chunks of two entries, so that the
    small dataset makes several."""
    folder = tmp_path / "chunks"
    monkeypatch.setitem(app.config, "REPORT_CHUNK_CACHE_DIR", str(folder))
    monkeypatch.setattr(grf, "ANNEX_CHUNK_ITEMS", 2)
    return folder


def _chunks(slug: str) -> tuple[dict, dict, list[chunks.Chunk]]:
    params = grf.parse_params({"pledge": slug})
    data = grf.gather(params)
    made = grf.render_chunks(params, data, fingerprint="f" * 64, generated_at=GENERATED_AT)
    return params, data, made


def _assemble(made) -> tuple[bytes, chunks.Stats]:
    stats = chunks.Stats()
    return chunks.assemble(made, lang="en", stats=stats).pdf, stats


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _number_tree(node) -> dict[int, object]:
    found = {}
    nums = node.get("/Nums", ())
    for i in range(0, len(nums), 2):
        found[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", ()):
        found |= _number_tree(kid)
    return found


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def structure_problems(pdf: bytes) -> list[str]:
    """What is inconsistent in a tagged PDF's structure (empty: nothing): every page's
    /StructParents key in the /ParentTree, each page's marked-content ids exactly the indexes
    of its entry, each pointing at an element that holds that id on that page, every
    annotation's /StructParent pointing at the element that holds it, every element in the
    tree reachable from the root (one /Document), and the PDF/UA identification present."""
    problems = []
    document = pikepdf.open(io.BytesIO(pdf))
    root = document.Root.StructTreeRoot
    tree = _number_tree(root.ParentTree)
    top = _kids(root)
    if len(top) != 1 or top[0].S != "/Document":
        problems.append(f"the root's kids are {[str(k.get('/S')) for k in top]}, not one /Document")
    reachable, stack = set(), list(top)
    while stack:
        element = stack.pop()
        if element.objgen in reachable:
            continue
        reachable.add(element.objgen)
        stack.extend(
            kid
            for kid in _kids(element)
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR")
        )
    if int(root.get("/ParentTreeNextKey", 1 << 30)) <= max(tree, default=-1):
        problems.append("/ParentTreeNextKey is not past every key")
    for number, page in enumerate(document.pages, start=1):
        key = page.obj.get("/StructParents")
        if key is None or int(key) not in tree:
            problems.append(f"page {number}: /StructParents {key} not in the /ParentTree")
            continue
        entry = tree[int(key)]
        content = b"".join(
            stream.read_bytes()
            for stream in (
                page.obj.Contents
                if isinstance(page.obj.Contents, pikepdf.Array)
                else [page.obj.Contents]
            )
        )
        mcids = {int(m) for m in re.findall(rb"/MCID (\d+)", content)}
        if mcids != set(range(len(entry))):
            problems.append(f"page {number}: marked-content ids do not match its entry")
        for mcid in mcids & set(range(len(entry))):
            element = entry[mcid]
            holds = any(
                (kid == mcid and element.get("/Pg", None) is not None and element.Pg == page.obj)
                or (
                    isinstance(kid, pikepdf.Dictionary)
                    and kid.get("/MCID") == mcid
                    and kid.get("/Pg", element.get("/Pg")) == page.obj
                )
                for kid in _kids(element)
            )
            if not holds or element.objgen not in reachable:
                problems.append(f"page {number}: id {mcid} points at the wrong element")
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" not in annotation:
                continue
            element = tree.get(int(annotation.StructParent))
            if element is None or element.objgen not in reachable:
                problems.append(f"page {number}: an annotation's /StructParent is missing")
            elif not any(
                isinstance(kid, pikepdf.Dictionary) and kid.get("/Obj") == annotation
                for kid in _kids(element)
            ):
                problems.append(f"page {number}: an annotation's element does not hold it")
    for key, value in tree.items():
        for element in value if isinstance(value, pikepdf.Array) else [value]:
            if element.objgen not in reachable:
                problems.append(f"/ParentTree {key}: an element not reachable from the root")
    metadata = str(document.open_metadata())
    if 'pdfuaid:part="1"' not in metadata and "<pdfuaid:part>1<" not in metadata:
        problems.append("no PDF/UA identification in the XMP metadata")
    if not document.Root.MarkInfo.Marked or "/Lang" not in document.Root:
        problems.append("not marked, or no /Lang")
    return problems


def _body_text(pages: list[str], heading: str) -> str:
    """The report's words without what depends on the page: the running header, "Page N of
    M", and the contents' page numbers (its leaders and numbers)."""
    text = " ".join(
        page.replace(f"Page {n} of {len(pages)}", "") for n, page in enumerate(pages, start=1)
    )
    text = text.replace(heading, "")
    text = re.sub(r"\.{3,}\s*\d+", "", text)
    return " ".join(text.split())


def test_the_merged_report_is_one_tagged_pdf_read_as_the_whole(db, dataset, cache_dir):  # noqa: F811
    params, data, made = _chunks(dataset["pledge"].slug)
    assert len([c for c in made if c.name.startswith("annex")]) > 2
    pdf, stats = _assemble(made)
    assert structure_problems(pdf) == []

    whole = render_pdf(
        grf.render_html(params, data, fingerprint="f" * 64, generated_at=GENERATED_AT)
    )
    heading = grf.title(params, data)
    pages = _pages(pdf)
    assert _body_text(pages, heading) == _body_text(_pages(whole.pdf), heading)

    # Every page has the running header and its number out of the whole.
    for number, text in enumerate(pages, start=1):
        assert heading in text, f"page {number} has no running header"
        assert f"Page {number} of {len(pages)}" in text
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == heading
    document = pikepdf.open(io.BytesIO(pdf))
    assert str(document.Root.Lang) == "en"
    with document.open_outline() as outline:
        (top,) = outline.root  # the report's title, every section under it
        assert [item.title for item in top.children][-2:] == [
            "Annex: all commitments",
            "Methodology",
        ]

    # The contents give each section's page, and link to it.
    toc = next(page for page in pages if page.startswith("Contents") or " Contents " in page)
    annex_page = next(i for i, p in enumerate(pages, 1) if "Annex: all commitments Grouped" in p)
    methodology_page = next(i for i, p in enumerate(pages, 1) if "Methodology All data" in p)
    assert int(re.search(r"Annex: all commitments\W*(\d+)", toc).group(1)) == annex_page
    assert int(re.search(r"Methodology\W*(\d+)", toc).group(1)) == methodology_page
    names = document.Root.Names.Dests.Names
    dests = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    toc_page = document.pages[pages.index(toc)]
    links = [a for a in toc_page.obj.Annots if a.Subtype == "/Link"]
    targets = {str(link.Dest) for link in links}  # (a link may be drawn as several boxes)
    assert targets == set(grf.CONTENTS)
    page_of = {page.objgen: i for i, page in enumerate(document.pages, 1)}
    assert page_of[dests["annex"][0].objgen] == annex_page
    assert page_of[dests["methodology"][0].objgen] == methodology_page


def test_a_changed_commitment_re_renders_only_its_chunk(db, dataset, cache_dir):  # noqa: F811
    slug = dataset["pledge"].slug
    _params, _data, made = _chunks(slug)
    _pdf, first = _assemble(made)
    assert first.reused == 0 and len(first.rendered) == len(made) + 1  # and the page numbers

    _params, _data, again = _chunks(slug)
    _pdf, unchanged = _assemble(again)
    assert unchanged.rendered == []

    by_name = {c.name: c for c in made}
    annex = [c for c in made if c.name.startswith("annex")]
    commitment = next(
        c
        for c in db.session.query(Commitment).order_by(Commitment.id)
        if c.title in annex[-1].html and c.title not in by_name["highlights"].html
    )
    with acting_as(label="test"):
        commitment.title = commitment.title + " (renamed)"
        db.session.commit()
    _params, _data, changed = _chunks(slug)
    pdf, stats = _assemble(changed)
    assert stats.rendered == [annex[-1].name]
    assert stats.reused == len(made)  # every other chunk, the contents and the page numbers
    assert commitment.title in " ".join(_pages(pdf))
    assert structure_problems(pdf) == []


def test_the_report_job_renders_chunks_and_records_what_it_reused(db, dataset, cache_dir):  # noqa: F811
    from registry.reports.jobs import request_report, run_report

    run = request_report("grf", {"pledge": dataset["pledge"].slug}, None, enqueue=False)
    db.session.commit()
    run_report(run.id)
    run = db.session.get(ReportRun, run.id)
    assert run.status is ReportStatus.done, run.error
    assert run.timings["chunks_rendered"] > 5 and run.timings["chunks_reused"] == 0
    assert len(PdfReader(io.BytesIO(run.pdf)).pages) == run.page_count
    assert structure_problems(run.pdf) == []


def test_the_process_pool_renders_the_same_chunks(app, db, dataset, cache_dir, monkeypatch):  # noqa: F811
    _params, _data, made = _chunks(dataset["pledge"].slug)
    serial, _stats = _assemble(made)
    for path in cache_dir.glob("*.pdf"):
        path.unlink()
    monkeypatch.setitem(app.config, "REPORT_RENDER_PROCESSES", 2)
    try:
        pooled, stats = _assemble(made)
    finally:
        chunks.shutdown_pool()
    assert len(stats.rendered) == len(made) + 1
    assert _pages(pooled) == _pages(serial)
    assert structure_problems(pooled) == []


def test_the_cache_keeps_the_most_recently_used_chunks_within_its_size(tmp_path):
    cache = chunks.ChunkCache(tmp_path, max_bytes=250)
    cache.put("a", b"a" * 100)
    cache.put("b", b"b" * 100)
    import os

    os.utime(tmp_path / "a.pdf", (1, 1))
    os.utime(tmp_path / "b.pdf", (2, 2))
    assert cache.get("a") == b"a" * 100  # a hit: now the most recently used
    cache.put("c", b"c" * 100)  # 300 bytes: the least recently used goes
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["a.pdf", "c.pdf"]
    assert cache.get("b") is None


def _document(body: str) -> str:
    """A chunk's HTML as report chunks are made: the print stylesheet, the running header and
    the words around the page number, no page numbers of its own."""
    from registry.reports.render import report_static

    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chunks</title>'
        f'<link rel="stylesheet" href="{report_static("reports/print.css")}">'
        "<style>@page { @bottom-right { content: none } }</style></head>"
        '<body data-doc-title="Chunks"><p class="page-label">Page</p><p class="of-label">of</p>'
        f"{body}</body></html>"
    )


def _paragraphs(label: str, pages: int) -> str:
    return "".join(
        f'<p style="break-before: page">{label} page {n}</p>' if n else f"<p>{label} page 0</p>"
        for n in range(pages)
    )


def test_a_chunk_that_grows_re_renders_only_itself_the_contents_and_page_numbers(app, cache_dir):
    from registry.reports.merge import CHUNK_LINK

    contents = _document(
        f'<h1>Contents</h1><p><a href="{CHUNK_LINK}#last">Last part</a> '
        f"{chunks.page_marker('last')}</p>"
    )

    def parts(middle_pages: int) -> list[chunks.Chunk]:
        return [
            chunks.Chunk("contents", contents, 1),
            chunks.Chunk("first", _document("<h2>First</h2>" + _paragraphs("first", 2))),
            chunks.Chunk("middle", _document("<h2>Middle</h2>" + _paragraphs("mid", middle_pages))),
            chunks.Chunk("last", _document('<h2 id="last">Last</h2>' + _paragraphs("last", 2))),
        ]

    with app.test_request_context():
        _pdf, first = _assemble(parts(1))
        assert first.reused == 0
        pdf, stats = _assemble(parts(3))  # the middle chunk grows by two pages
    # The chunk after it is reused as it was: only its page numbers moved.
    assert sorted(stats.rendered) == ["contents", "middle", "page numbers"]
    pages = _pages(pdf)
    assert len(pages) == 1 + 2 + 3 + 2
    for number, text in enumerate(pages, start=1):
        assert "Chunks" in text and f"Page {number} of {len(pages)}" in text
    assert "Last part 7" in pages[0] and "last page 0" in pages[6]
    assert structure_problems(pdf) == []
