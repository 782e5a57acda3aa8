"""Row 5: hostile workbooks. An .xlsx that claims to span A1:XFD1048576 (17 billion cells) is
read as the few rows it holds; one that unpacks to far more than any import needs (a zip bomb)
is refused from its zip directory before anything is parsed."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from tests.transfer.test_import import actions, upload

HEADER = ["external_ref", "name", "stakeholder_type", "country"]


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet(data: bytes, change) -> bytes:
    """The workbook `data` with its first sheet's XML passed through `change`."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@pytest.mark.timeout(30)
def test_a_workbook_claiming_the_whole_sheet_is_read_as_it_is(client, staff):
    rows = [HEADER, ["ORG-1", "Radio Dadaab", "media_outlet", "KEN"]]
    data = _with_sheet(
        _workbook(rows),
        lambda xml: xml.replace(b'<dimension ref="A1:D2"', b'<dimension ref="A1:XFD1048576"'),
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert len(data) < 8_000  # a few kilobytes
    response = upload(client, data, "claims.xlsx")
    assert response.status_code == 200
    assert actions(response) == {2: "create"}


@pytest.mark.timeout(30)
def test_a_zip_bomb_is_refused_before_parsing(client, staff):
    padding = b" " * (80 * 1024 * 1024)  # 80 MB of blanks, about 80 kB compressed
    data = _with_sheet(
        _workbook([HEADER]), lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding)
    )
    assert len(data) < 1_000_000
    response = upload(client, data, "bomb.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "unpacks to more than 64 MB" in page


def test_a_sheet_of_too_many_columns_is_refused(client, staff):
    data = _workbook([HEADER + [f"extra{n}" for n in range(300)]])
    page = upload(client, data, "wide.xlsx").get_data(as_text=True)
    assert "more than 200 columns" in page
