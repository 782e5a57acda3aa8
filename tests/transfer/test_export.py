"""Exports: formula injection, numbers, contacts and the audit log, the tracker's rows, the CLI."""

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.audit import acting_as
from registry.commitments.queries import CommitmentFilters, commitment_select
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    Contact,
    EngagementKind,
    EngagementRecord,
    ProgressUpdate,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
)

HYPERLINK = '=HYPERLINK("http://x")'


def add_commitment(db, pledge, organisation, title, **fields):
    """A commitment of `organisation` on `pledge` (its signature made when missing)."""
    with acting_as(label="test-setup"):
        signature = db.session.scalar(
            select(Signature).where(
                Signature.pledge_id == pledge.id, Signature.organisation_id == organisation.id
            )
        )
        if signature is None:
            signature = Signature(
                pledge=pledge, organisation=organisation, status=SignatureStatus.accepted
            )
            db.session.add(signature)
        risks = list(
            db.session.scalars(
                select(VocabularyTerm).where(
                    VocabularyTerm.kind == VocabularyKind.risk,
                    VocabularyTerm.code.in_(fields.pop("risks", [])),
                )
            )
        )
        countries = fields.pop("countries", [])
        commitment = Commitment(signature=signature, title=title, risks=risks, **fields)
        commitment.countries = countries
        db.session.add(commitment)
        db.session.commit()
    return commitment


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def xlsx_rows(data: bytes) -> tuple[list, list[list]]:
    """The codes of the first header row and the data rows (after the row of labels)."""
    workbook = load_workbook(io.BytesIO(data))
    header, _labels, *rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    return header, rows


def xlsx_cells(data: bytes):
    """The data cells (not values) of the first sheet, by header name."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=3)]


def exports(db):
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def injected(db, pledge, make_org):
    """Organisations and a commitment whose text a spreadsheet would run as formulas."""
    orgs = [make_org(name=name) for name in ("+1", "@SUM(1)", "-2", "Plain name")]
    add_commitment(
        db,
        pledge,
        orgs[3],
        HYPERLINK,
        indicator_baseline=-2.0,
        indicator_target=500.0,
        progress_percent=40,
        status=CommitmentStatus.in_progress,
    )
    return orgs


def test_csv_neutralises_formula_cells_and_keeps_numbers(client, db, staff, injected):
    names = {row["name"] for row in csv_rows(client.get("/coordinate/export/organisations.csv"))}
    assert {"'+1", "'@SUM(1)", "'-2", "Plain name"} == names

    (row,) = csv_rows(client.get("/coordinate/export/commitments.csv"))
    assert row["title"] == "'" + HYPERLINK
    # Numbers are written as numbers, never quoted (a negative number is not a formula).
    assert row["indicator_baseline"] == "-2.0" and row["indicator_target"] == "500.0"
    assert row["progress_percent"] == "40"


def test_xlsx_neutralises_formula_cells_and_keeps_numbers(client, db, staff, injected):
    response = client.get("/coordinate/export/organisations.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    cells = xlsx_cells(response.data)
    assert {c["name"].value for c in cells} == {"'+1", "'@SUM(1)", "'-2", "Plain name"}
    assert all(c["name"].data_type == "s" for c in cells)
    assert all(isinstance(c["id"].value, int) for c in cells)

    (row,) = xlsx_cells(client.get("/coordinate/export/commitments.xlsx").data)
    assert row["title"].value == "'" + HYPERLINK and row["title"].data_type == "s"
    assert row["indicator_baseline"].value == -2 and row["indicator_baseline"].data_type == "n"
    assert row["indicator_target"].value == 500 and row["indicator_target"].data_type == "n"
    assert row["progress_percent"].value == 40
    about = load_workbook(io.BytesIO(client.get("/coordinate/export/commitments.xlsx").data))
    assert about.sheetnames[1] == "About"
    assert about["About"]["A1"].value == "Internal — not for distribution"


def test_contacts_only_when_asked_and_every_export_is_logged(client, db, staff, make_org):
    organisation = make_org(name="Kakuma Digital Voices")
    with acting_as(label="test-setup"):
        db.session.add(
            Contact(organisation=organisation, name="Amina Yusuf", email="amina@example.org")
        )
        db.session.commit()

    plain = client.get("/coordinate/export/organisations.csv").get_data(as_text=True)
    assert "Kakuma Digital Voices" in plain
    assert "amina" not in plain.lower() and "contacts" not in plain.splitlines()[0]
    xlsx = client.get("/coordinate/export/organisations.xlsx?stakeholder_type=national_ngo").data
    header, _rows = xlsx_rows(xlsx)
    assert "contacts" not in header
    assert b"amina" not in xlsx

    with_contacts = client.get("/coordinate/export/organisations.csv?include_contacts=1")
    (row,) = csv_rows(with_contacts)
    assert "amina@example.org" in row["contacts"] and "Amina Yusuf" in row["contacts"]
    header, rows = xlsx_rows(
        client.get("/coordinate/export/organisations.xlsx?include_contacts=1").data
    )
    assert "amina@example.org" in rows[0][header.index("contacts")]
    # Contacts belong to organisations only: asking elsewhere adds nothing and is logged so.
    client.get("/coordinate/export/signatures.csv?include_contacts=1").get_data()

    events = exports(db)
    assert [(e.entity_type, e.after["format"], e.after["contacts"]) for e in events] == [
        ("organisations", "csv", False),
        ("organisations", "xlsx", False),
        ("organisations", "csv", True),
        ("organisations", "xlsx", True),
        ("signatures", "csv", False),
    ]
    assert all(e.actor_id == staff.id and e.after["rows"] == 1 for e in events[:4])
    assert events[1].after["filters"] == {"stakeholder_type": "national_ngo"}
    assert events[4].after["rows"] == 0


@pytest.fixture
def tracker_data(db, pledge, make_org):
    tech = make_org(name="Platform Co", stakeholder_type=StakeholderType.technology_company)
    ngo = make_org(name="Radio Kakuma", country="KEN")
    other = make_org(name="Voces", country="COL")
    specs = [
        (tech, "Arabic moderation", CommitmentStatus.in_progress, ["KEN"], ["hate_speech"]),
        (tech, "Rumour tracking", CommitmentStatus.planning, ["UGA"], ["misinformation"]),
        (ngo, "Community radio", CommitmentStatus.in_progress, ["KEN"], ["misinformation"]),
        (ngo, "Radio literacy", CommitmentStatus.fulfilled, [], []),
        (other, "Fact checks", CommitmentStatus.planning, ["COL"], ["hate_speech"]),
    ]
    for n in range(3):  # enough rows for paging to matter
        for organisation, title, status, countries, risks in specs:
            add_commitment(
                db,
                pledge,
                organisation,
                f"{title} {n}",
                status=status,
                countries=countries,
                risks=risks,
                target_date=date(2025 + n, 1, 1),
            )


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"status": "in_progress"},
        {"stakeholder_type": "technology_company"},
        {"country": "KEN", "risk": "misinformation"},
        {"q": "radio", "sort": "title", "direction": "asc"},
        {"pledge": "digital-protection", "target_passed": "1"},
        {"region": "americas"},
        {"page": "2", "per_page": "10"},
        {"status": "nonsense", "pledge": "no-such-pledge"},
    ],
)
def test_commitments_export_has_the_trackers_rows(client, db, staff, tracker_data, args):
    expected = [
        c.id for c in db.session.scalars(commitment_select(CommitmentFilters.from_args(args)))
    ]
    response = client.get("/coordinate/export/commitments.csv", query_string=args)
    ids = [int(row["id"]) for row in csv_rows(response)]
    assert sorted(ids) == sorted(expected) and len(ids) == len(expected)
    header, rows = xlsx_rows(
        client.get("/coordinate/export/commitments.xlsx", query_string=args).data
    )
    assert sorted(r[header.index("id")] for r in rows) == sorted(expected)
    assert exports(db)[-1].after["rows"] == len(expected)


def test_commitments_export_follows_the_trackers_sort(client, db, staff, tracker_data):
    args = {"sort": "title", "direction": "asc"}
    titles = [
        row["title"]
        for row in csv_rows(client.get("/coordinate/export/commitments.csv", query_string=args))
    ]
    assert titles == sorted(titles)


@pytest.fixture
def every_kind(db, pledge, make_org, make_user):
    organisation = make_org(name="Radio Kakuma")
    commitment = add_commitment(db, pledge, organisation, "Community radio")
    with acting_as(label="test-setup"):
        window = SubmissionWindow(pledge=pledge, kind=WindowKind.progress, label="HLOM 2025")
        db.session.add(window)
        db.session.add(
            ProgressUpdate(
                commitment=commitment,
                window=window,
                status=CommitmentStatus.in_progress,
                progress_percent=50,
                achievements="@cmd|' /C calc'!A0",
            )
        )
        db.session.add(
            EngagementRecord(
                organisation=organisation,
                kind=EngagementKind.partnership,
                title="Social listening in Kenya",
                countries=["KEN"],
                internal_notes="-internal",
            )
        )
        db.session.commit()


@pytest.mark.parametrize(
    "kind", ["commitments", "organisations", "signatures", "engagements", "progress"]
)
def test_every_kind_exports_in_every_format(client, db, staff, every_kind, kind):
    rows = csv_rows(client.get(f"/coordinate/export/{kind}.csv"))
    assert len(rows) == 1
    for value in rows[0].values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    header, xrows = xlsx_rows(client.get(f"/coordinate/export/{kind}.xlsx").data)
    assert header == list(rows[0]) and len(xrows) == 1
    document = json_export(client.get(f"/coordinate/export/{kind}.json"))
    assert document["export"] == kind and document["columns"] == header
    assert [list(r) for r in document["rows"]] == [header]
    # The same values as the CSV, typed: text as written (no spreadsheet quote), lists as
    # arrays, numbers as numbers, null for empty.
    for column, value in document["rows"][0].items():
        text = rows[0][column]
        if value is None:
            assert text == ""
        elif isinstance(value, bool):
            assert text == ("yes" if value else "no")
        elif isinstance(value, list):
            assert text == "; ".join(str(v) for v in value)
        elif isinstance(value, int | float):
            assert float(text) == value
        else:
            assert text in (value, "'" + value)


def json_export(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json" and response.is_streamed
    assert response.headers["Content-Disposition"].endswith('.json"')
    return json.loads(response.get_data(as_text=True))


def test_json_export_keeps_the_filters_and_the_formula_text_as_written(
    client, db, staff, every_kind
):
    document = json_export(client.get("/coordinate/export/progress.json?status=in_progress"))
    assert document["filters"]["status"] == "in_progress"
    assert document["contacts_included"] is False
    (row,) = document["rows"]
    assert row["achievements"] == "@cmd|' /C calc'!A0" and row["progress_percent"] == 50
    assert (
        json_export(client.get("/coordinate/export/progress.json?status=fulfilled"))["rows"] == []
    )
    assert exports(db)[-1].after["format"] == "json"


def test_progress_and_engagement_filters(client, db, staff, every_kind):
    assert len(csv_rows(client.get("/coordinate/export/progress.csv?status=fulfilled"))) == 0
    assert len(csv_rows(client.get("/coordinate/export/progress.csv?status=in_progress"))) == 1
    assert len(csv_rows(client.get("/coordinate/export/engagements.csv?kind=advocacy_target"))) == 0
    assert len(csv_rows(client.get("/coordinate/export/engagements.csv?kind=partnership"))) == 1
    assert len(csv_rows(client.get("/coordinate/export/signatures.csv?status=draft"))) == 0


def test_large_csv_export_streams_in_chunks(client, db, staff, pledge, make_org):
    organisation = make_org(name="Many")
    with acting_as(label="test-setup"):
        signature = Signature(pledge=pledge, organisation=organisation)
        db.session.add(signature)
        db.session.add_all(Commitment(signature=signature, title=f"C{n}") for n in range(1200))
        db.session.commit()
    response = client.get("/coordinate/export/commitments.csv")
    assert response.is_streamed
    assert len(csv_rows(response)) == 1200


@pytest.mark.parametrize(
    "url",
    [
        "/coordinate/export/contacts.csv",
        "/coordinate/export/organisations.pdf",
        "/coordinate/import/template/organisations.json",
    ],
)
def test_unknown_kind_or_format_is_not_found(client, staff, url):
    assert client.get(url).status_code == 404


def test_stakeholders_cannot_export(client, make_user, login_as):
    login_as(make_user(role=Role.stakeholder))
    for url in (
        "/coordinate/export/organisations.csv",
        "/coordinate/export/commitments.xlsx",
        "/coordinate/export/organisations.json",
    ):
        assert client.get(url).status_code == 403


def test_cli_export_writes_json(app, db, injected, tmp_path):
    out = tmp_path / "orgs.json"
    args = ["registry", "export", "organisations", "--format", "json", "--out", str(out)]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Wrote 4 organisations rows" in result.output
    names = {row["name"] for row in json.loads(out.read_text(encoding="utf-8"))["rows"]}
    assert names == {"+1", "@SUM(1)", "-2", "Plain name"}


def test_cli_export_writes_csv_and_xlsx(app, db, injected, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "orgs.csv"
    result = runner.invoke(
        args=["registry", "export", "organisations", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = {row["name"] for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert "'+1" in names and "Plain name" in names

    xlsx = tmp_path / "commitments.xlsx"
    result = runner.invoke(
        args=[
            "registry",
            "export",
            "commitments",
            "--format",
            "xlsx",
            "--out",
            str(xlsx),
            "--filter",
            "status=in_progress",
        ]
    )
    assert result.exit_code == 0, result.output
    header, rows = xlsx_rows(xlsx.read_bytes())
    assert rows[0][header.index("title")] == "'" + HYPERLINK

    result = runner.invoke(
        args=[
            "registry",
            "export",
            "organisations",
            "--out",
            str(out),
            "--include-contacts",
        ]
    )
    assert result.exit_code == 0
    assert "contacts" in out.read_text(encoding="utf-8").splitlines()[0]
    events = exports(db)
    assert [(e.actor_label, e.after["format"], e.after["contacts"]) for e in events] == [
        ("cli", "csv", False),
        ("cli", "xlsx", False),
        ("cli", "csv", True),
    ]
    assert events[1].after["filters"] == {"status": "in_progress"}


@pytest.mark.parametrize(
    "args, reason",
    [
        (["contacts", "--out", "x.csv"], "unknown kind"),
        (["organisations", "--format", "pdf", "--out", "x.pdf"], "unknown format"),
        (["organisations"], "--out FILE is required"),
        (["organisations", "--out", "x.csv", "--filter", "nonsense"], "NAME=VALUE"),
    ],
)
def test_cli_export_refuses_bad_input(app, db, args, reason, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(args=["registry", "export", *args])
    assert result.exit_code == 1
    assert reason in result.output and len(result.output.strip().splitlines()) == 1
    assert exports(db) == []


def test_neutralise_leaves_numbers_and_safe_text_alone():
    from registry.transfer.exporting import cell, neutralise

    assert neutralise(-2) == -2 and neutralise(1.5) == 1.5
    for dangerous in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Plain") == "Plain"
    assert cell(["=a", "b"]) == "'=a; b"
