"""Merge tagged PDFs (the chunks of one report, registry/reports/chunks.py) into one tagged PDF,
and number its pages.

pypdf's `append` drops the structure tree and pikepdf's `pages.extend` leaves the pages pointing
at `/ParentTree` keys of their own file. This merge keeps the tags: one `/StructTreeRoot` with one
`/Document` element whose kids are every chunk's, the chunks' `/ParentTree` entries under keys
shifted past the previous chunk's (pages' `/StructParents` and annotations' `/StructParent`
rewritten to match), the first chunk's XMP metadata (with its PDF/UA identification), `/Lang`,
`/MarkInfo`, `/ViewerPreferences` and document information, the named destinations of every
chunk in one name tree, and the outlines joined and nested by heading level. A link a chunk
makes to another chunk's section is written as `CHUNK_LINK#id` (WeasyPrint writes it as a URI
action) and becomes a link to that named destination here.

"Page N of M" is drawn on every page from a separate untagged PDF with one numbered page per
page (`numbers`), as a pagination artifact: so a chunk's own PDF never depends on where it
lands, and a chunk whose page count changes re-renders only itself.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

#: The address a chunk's link to another chunk's section starts with (then "#id").
CHUNK_LINK = "https://report-chunk.invalid/"


@dataclass
class Part:
    """One chunk's PDF and the heading level of its outline's top entries (1 for h1)."""

    pdf: bytes
    level: int = 1


def _name_tree_items(node) -> Iterable[tuple[str, object]]:
    if "/Names" in node:
        names = node.Names
        for i in range(0, len(names), 2):
            yield str(names[i]), names[i + 1]
    for kid in node.get("/Kids", ()):
        yield from _name_tree_items(kid)


def named_destinations(pdf: pikepdf.Pdf) -> dict[str, int]:
    """{name: index of its page} of a PDF's named destinations."""
    dests = pdf.Root.get("/Names", {}).get("/Dests")
    if dests is None:
        return {}
    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    found = {}
    for name, dest in _name_tree_items(dests):
        if isinstance(dest, Dictionary):
            dest = dest.D
        found[name] = index.get(dest[0].objgen, 0)
    return found


def _outline_entries(items, depth: int, pages: dict) -> list[tuple[int, str, list]]:
    """(depth, title, destination as [page index, rest…]) of an outline, in order."""
    entries = []
    for item in items:
        dest = item.destination
        if dest is not None and not isinstance(dest, Array):
            dest = None  # a named destination: every entry WeasyPrint writes is explicit
        page = pages.get(dest[0].objgen) if dest is not None else None
        rest = list(dest[1:]) if dest is not None else []
        entries.append((depth, str(item.title), [page, *rest]))
        entries.extend(_outline_entries(item.children, depth + 1, pages))
    return entries


def _shift_parent_tree(nums, offset: int, out: list) -> int:
    """Append `nums` ([key, value, …]) to `out` with keys shifted; the next free key."""
    top = -1
    for i in range(0, len(nums), 2):
        key = int(nums[i])
        out.extend([key + offset, nums[i + 1]])
        top = max(top, key)
    return offset + top + 1


def _number_tree_items(node) -> Iterable:
    if "/Nums" in node:
        yield from node.Nums
    for kid in node.get("/Kids", ()):
        yield from _number_tree_items(kid)


def _copy(out: pikepdf.Pdf, value):
    """`value` of another PDF as an object of `out` (copy_foreign takes indirect ones only)."""
    if isinstance(value, (Dictionary, Array, pikepdf.Stream)) and value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, Dictionary):
        return Dictionary({key: _copy(out, item) for key, item in value.items()})
    if isinstance(value, Array):
        return Array([_copy(out, item) for item in value])
    return value


def merge(parts: list[Part], numbers: bytes | None = None) -> bytes:
    """One tagged PDF of `parts`, in order; `numbers` (one page per page) drawn as artifacts."""
    out = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(part.pdf)) for part in parts]
    first = sources[0]
    document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document])))
    document.P = root
    nums: list = []
    next_key = 0
    dests: list[tuple[str, object]] = []
    outline: list[tuple[int, str, list]] = []
    role_map = Dictionary()
    for part, source in zip(parts, sources, strict=True):
        start = len(out.pages)
        page_index = {page.objgen: i for i, page in enumerate(source.pages)}
        for page in source.pages:
            out.pages.append(page)
        copied_pages = list(out.pages)[start:]
        tree = source.Root.get("/StructTreeRoot")
        offset = next_key
        if tree is not None:
            copied = _copy(out, tree)
            old_document = copied.K[0] if isinstance(copied.K, Array) else copied.K
            for kid in old_document.get("/K", ()):
                if isinstance(kid, Dictionary):
                    kid.P = document
                    document.K.append(kid)
            entries: list = []
            next_key = _shift_parent_tree(
                list(_number_tree_items(copied.ParentTree)), offset, entries
            )
            for i in range(1, len(entries), 2):
                value = entries[i]
                if isinstance(value, Array):
                    for j, element in enumerate(value):
                        if (
                            isinstance(element, Dictionary)
                            and element.objgen == old_document.objgen
                        ):
                            value[j] = document
            _adopt_orphans(entries, old_document, document)
            nums.extend(entries)
            for key, value in copied.get("/RoleMap", {}).items():
                role_map[key] = value
        for page in copied_pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
                action = annotation.get("/A")
                if action is not None and str(action.get("/URI", "")).startswith(CHUNK_LINK):
                    target = str(action.URI).partition("#")[2]
                    del annotation["/A"]
                    annotation.Dest = pikepdf.String(target)
                    annotation.Contents = pikepdf.String(target)  # as WeasyPrint's own links
        names = source.Root.get("/Names", {}).get("/Dests")
        if names is not None:
            for name, dest in _name_tree_items(names):
                if isinstance(dest, Dictionary):
                    dest = dest.D
                page = start + page_index.get(dest[0].objgen, 0)
                dests.append((name, Array([out.pages[page].obj, *dest[1:]])))
        with source.open_outline() as source_outline:
            for depth, title, (page, *rest) in _outline_entries(
                source_outline.root, part.level, page_index
            ):
                outline.append((depth, title, [None if page is None else start + page, *rest]))
    root.ParentTree = out.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = next_key
    if role_map:
        root.RoleMap = role_map
    out.Root.StructTreeRoot = root
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):
        if key in first.Root:
            out.Root[key] = _copy(out, first.Root[key])
    if "/Info" in first.trailer:
        out.docinfo = out.make_indirect(_copy(out, first.trailer.Info))
    if dests:
        dests.sort(key=lambda item: item[0])
        flat = Array()
        for name, dest in dests:
            flat.extend([pikepdf.String(name), dest])
        out.Root.Names = Dictionary(Dests=Dictionary(Names=flat))
    _write_outline(out, outline)
    if numbers is not None:
        _stamp(out, numbers)
    buffer = io.BytesIO()
    out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in sources:
        source.close()
    return buffer.getvalue()


def _adopt_orphans(entries: list, old_document, document) -> None:
    """Put under `document` the elements whose parent is the chunk's own document but that it
    does not list as kids (WeasyPrint 70 writes the running header's and page number's elements
    so: in the /ParentTree, unreachable from the root), in page order. Each element is walked
    up once: a walk stops at an element an earlier walk passed (its top is settled)."""
    listed = {kid.objgen for kid in document.K if isinstance(kid, Dictionary)}
    old = old_document.objgen
    seen: set[tuple[int, int]] = set()
    for value in entries[1::2]:
        for element in value if isinstance(value, Array) else [value]:
            if not isinstance(element, Dictionary):
                continue
            top: Dictionary | None = element
            path = []
            while top is not None:
                key = top.objgen
                if key in seen:
                    top = None  # settled by an earlier walk
                    break
                if key != (0, 0):  # a direct object has no identity to remember
                    path.append(key)
                parent = top.get("/P")
                if parent is None:
                    top = None
                elif parent.objgen == old:
                    break
                elif parent.get("/Type") != Name.StructElem:
                    top = None
                else:
                    top = parent
            seen.update(path)
            if top is not None and top.objgen not in listed:
                top.P = document
                document.K.append(top)
                listed.add(top.objgen)


def _write_outline(out: pikepdf.Pdf, entries: list[tuple[int, str, list]]) -> None:
    """The joined outline: each entry under the last entry of a lower level before it."""
    if not entries:
        return
    with out.open_outline() as outline:
        stack: list[tuple[int, OutlineItem]] = []
        for level, title, (page, *rest) in entries:
            if page is None:
                item = OutlineItem(title)
            else:
                item = OutlineItem(title, Array([out.pages[page].obj, *rest]))
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))


def _stamp(out: pikepdf.Pdf, numbers: bytes) -> None:
    """Draw page i of `numbers` on page i of `out`, marked as a pagination artifact (outside
    the structure tree; the page's own content is wrapped in q/Q first, so its graphics state
    does not leak into the stamp)."""
    stamps = pikepdf.open(io.BytesIO(numbers))
    for page, stamp in zip(out.pages, stamps.pages, strict=False):
        form = out.copy_foreign(stamp.as_form_xobject())
        name = page.add_resource(form, Name.XObject, prefix="Fpn")
        page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
        page.contents_add(
            pikepdf.Stream(
                out,
                b"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\nq\n"
                + bytes(name)
                + b" Do\nQ\nEMC\n",
            )
        )
    stamps.close()
