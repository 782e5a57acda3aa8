"""Export headers in the exporter's language: an XLSX export has the import's codes in row 1
and the columns in words in row 2 (the About sheet in that language too), and imports again
unchanged in every language; CSV keeps its one line of codes."""

import io

import pytest
from openpyxl import load_workbook

from tests.transfer.test_import import (
    actions,
    commitment_row,
    confirm,
    org_row,
    to_csv,
    to_xlsx,
    upload,
)

LABELS = {  # (stakeholder_type, organisation_external_ref, the About sheet)
    "en": ("Stakeholder type", "Organisation's external reference", "About"),
    "fr": ("Type de partie prenante", "Référence externe de l’organisation", "À propos"),
    "es": ("Tipo de actor", "Referencia externa de la organización", "Acerca de"),
    "ar": ("نوع الجهة المعنية", "المرجع الخارجي للمنظمة", "حول الملف"),
}


@pytest.fixture
def imported(client, db, staff, pledge):
    """Two organisations and a commitment, imported (so that each has its external_ref)."""
    assert confirm(client, upload(client, to_csv([org_row(1), org_row(2)]), "o.csv"))
    commitments = to_csv([commitment_row(1)])
    assert confirm(client, upload(client, commitments, "c.csv", kind="commitments"))


def _sheet_rows(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    return workbook.sheetnames, rows


@pytest.mark.parametrize("language", list(LABELS))
def test_an_xlsx_export_in_each_language_imports_again(client, imported, language):
    organisations = client.get(f"/coordinate/export/organisations.xlsx?lang={language}").data
    sheets, (codes, labels, *rows) = _sheet_rows(organisations)
    assert sheets == ["organisations", LABELS[language][2]]
    assert codes[:4] == ["external_ref", "name", "acronym", "stakeholder_type"]
    assert labels[codes.index("stakeholder_type")] == LABELS[language][0]
    assert len(rows) == 2 and rows[0][codes.index("stakeholder_type")] == "national_ngo"
    again = upload(client, organisations, f"organisations-{language}.xlsx")
    assert actions(again) == {3: "skip", 4: "skip"}  # numbered as the spreadsheet shows them

    commitments = client.get(f"/coordinate/export/commitments.xlsx?lang={language}").data
    _sheets, (codes, labels, *rows) = _sheet_rows(commitments)
    assert labels[codes.index("organisation_external_ref")] == LABELS[language][1]
    again = upload(client, commitments, f"commitments-{language}.xlsx", kind="commitments")
    assert actions(again) == {3: "skip"}, again.get_data(as_text=True)[-2000:]


def test_csv_keeps_one_header_line_of_codes_in_every_language(client, imported):
    page = client.get("/coordinate/export/organisations.csv?lang=fr").get_data(as_text=True)
    header, first = page.splitlines()[:2]
    assert header.startswith("external_ref,name,acronym,stakeholder_type,")
    assert first.startswith("ORG-1,")


def test_a_row_of_labels_is_skipped_only_when_every_cell_is_one(client, db, staff):
    """A hand-made file may carry the labels row in any language, or mix languages; a data
    row whose one cell happens to read like a label is still a data row."""
    labels = {"external_ref": "Référence externe", "name": "Nombre"}
    mixed = [
        labels | {"stakeholder_type": "نوع الجهة المعنية"},
        {"external_ref": "ORG-1", "name": "Radio Kakuma", "stakeholder_type": "national_ngo"},
    ]
    response = upload(client, to_xlsx(mixed), "mixed.xlsx")
    assert actions(response) == {3: "create"}
    data_row = [
        {"external_ref": "Name", "name": "Some name", "stakeholder_type": "national_ngo"},
    ]
    response = upload(client, to_xlsx(data_row), "data.xlsx")
    assert actions(response) == {2: "create"}


def test_cli_export_in_french_has_french_labels(app, db, client, imported, tmp_path):
    out = tmp_path / "organisations.xlsx"
    result = app.test_cli_runner().invoke(
        args=["registry", "--lang", "fr", "export", "organisations", "--format", "xlsx",
              "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0 and result.output == (
        f"2 lignes organisations écrites dans {out}.\n"
    )
    sheets, (codes, labels, *_rows) = _sheet_rows(out.read_bytes())
    assert labels[codes.index("name")] == "Nom" and sheets[1] == "À propos"
