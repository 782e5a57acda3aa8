"""Imports: dry run, all-or-nothing, re-import as a no-op, duplicates, bad files, the CLI."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    GeographicLevel,
    Organisation,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
)
from registry.transfer import operations as transfer_ops
from registry.transfer.importing import base as importing_base
from registry.transfer.importing.files import IMPORT_COLUMNS

ORG_COLUMNS = IMPORT_COLUMNS["organisations"]
COMMITMENT_COLUMNS = IMPORT_COLUMNS["commitments"]


def org_row(n: int, **changes) -> dict:
    return {
        "external_ref": f"ORG-{n}",
        "name": f"Imported organisation {n}",
        "acronym": f"IO{n}",
        "stakeholder_type": "national_ngo",
        "country": "KEN",
        "website": f"https://org{n}.example.org",
        "is_refugee_led": "no",
        "visibility": "public",
        "description": "",
    } | changes


def commitment_row(n: int, **changes) -> dict:
    return {
        "external_ref": f"C-{n}",
        "organisation_external_ref": "ORG-1",
        "pledge": "digital-protection",
        "title": f"Commitment {n}",
        "description": "What we will do.",
        "key_outcome": "1",
        "status": "in_progress",
        "geographic_level": "national",
        "countries": "KEN; UGA",
        "risks": "hate_speech; misinformation",
        "action_areas": "social_listening",
        "target_populations": "refugees",
        "languages": "Arabic; Somali",
        "start_date": "2026-01-01",
        "target_date": "2027-06-30",
        "indicator_text": "Escalations handled",
        "indicator_unit": "escalations",
        "indicator_baseline": "0",
        "indicator_target": "500",
        "signature_status": "",
    } | changes


def to_csv(rows: list[dict], columns=None) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_counts(db) -> dict[str, int]:
    """Rows of every table but the import runs (a dry run keeps its plan there)."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name != "import_runs"
    }


def audit_count(db) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def upload(client, data: bytes, filename: str, kind: str = "organisations"):
    return client.post(
        "/coordinate/import",
        data={"kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, response, allow_duplicates=False):
    page = response.get_data(as_text=True)
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    data = {"token": token}
    if allow_duplicates:
        data["allow_duplicates"] = "y"
    return client.post("/coordinate/import/confirm", data=data)


def actions(response) -> dict[int, str]:
    """Row number -> action shown on the preview page."""
    page = response.get_data(as_text=True)
    found = {}
    for chunk in page.split('<tr data-row="')[1:]:
        number, rest = chunk.split('"', 1)
        found[int(number)] = rest.split('data-action="')[1].split('"')[0]
    return found


def test_dry_run_shows_every_row_and_writes_nothing(client, db, staff, pledge, make_org):
    make_org(name="Already here", external_ref="ORG-2", website="https://org2.example.org")
    rows = [org_row(1), org_row(2), org_row(3, stakeholder_type="bogus")]
    before = table_counts(db)
    response = upload(client, to_csv(rows), "orgs.csv")
    assert response.status_code == 200
    assert actions(response) == {2: "create", 3: "update", 4: "error"}
    page = response.get_data(as_text=True)
    assert "stakeholder_type: “bogus” is not one of" in page
    assert 'action="/coordinate/import/confirm"' not in page  # errors: nothing to confirm
    assert table_counts(db) == before

    outcomes = transfer_ops.plan_import("organisations", rows)
    assert [o.action for o in outcomes] == ["create", "update", "error"]
    assert table_counts(db) == before


def test_import_then_reimport_of_the_same_file_is_a_no_op(client, db, staff):
    data = to_csv([org_row(n) for n in range(1, 6)])
    response = upload(client, data, "orgs.csv")
    assert set(actions(response).values()) == {"create"}
    result = confirm(client, response)
    assert result.status_code == 302
    assert db.session.scalar(select(func.count(Organisation.id))) == 5
    created = db.session.scalar(select(Organisation).where(Organisation.external_ref == "ORG-3"))
    assert (created.name, created.region.name, created.visibility) == (
        "Imported organisation 3",
        "east_horn_great_lakes",
        Visibility.public,
    )
    events = audit_count(db)

    again = upload(client, data, "orgs.csv")
    assert set(actions(again).values()) == {"skip"}
    assert "nothing to import" in again.get_data(as_text=True)
    assert [o.action for o in transfer_ops.plan_import("organisations", [org_row(1)])] == ["skip"]
    with acting_as(label="test"):
        counts = transfer_ops.apply_import(
            "organisations", [org_row(n) for n in range(1, 6)], by=staff
        )
        db.session.commit()
    assert counts == {"create": 0, "update": 0, "skip": 5}
    assert audit_count(db) == events


def test_changed_rows_update_and_absent_columns_stay(db, make_org):
    make_org(name="Old name", external_ref="ORG-1", acronym="OLD", description="Kept")
    rows = [{"external_ref": "ORG-1", "name": "New name", "stakeholder_type": "national_ngo"}]
    (outcome,) = transfer_ops.plan_import("organisations", rows)
    assert (outcome.action, outcome.changes) == ("update", ["name"])
    with acting_as(label="test"):
        transfer_ops.apply_import("organisations", rows)
        db.session.commit()
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.name, organisation.acronym, organisation.description) == (
        "New name",
        "OLD",
        "Kept",
    )


def test_an_error_on_row_500_of_1000_writes_nothing_and_names_the_row(app, db, tmp_path):
    rows = [org_row(n) for n in range(1, 1001)]
    rows[498]["country"] = "XXX"  # the 499th data row is spreadsheet row 500
    before, events = table_counts(db), audit_count(db)
    with acting_as(label="test"), pytest.raises(importing_base.ImportRefused) as refused:
        transfer_ops.apply_import("organisations", rows)
    db.session.rollback()
    bad = [o for o in refused.value.outcomes if o.action == "error"]
    assert [(o.row, o.errors[0][0]) for o in bad] == [(500, "country")]
    assert "row 500 (ORG-499)" in str(refused.value)
    assert table_counts(db) == before and audit_count(db) == events

    path = tmp_path / "orgs.csv"
    path.write_bytes(to_csv(rows))
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "row 500 (ORG-499): error — country:" in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: 1 row needs fixing")
    assert table_counts(db) == before


def test_a_failure_while_writing_rolls_back_every_row(app, db):
    """All rows valid when checked, but another user registers row 500's external_ref before
    the import writes: the database refuses it, and nothing of the file is written."""
    from sqlalchemy.orm import Session

    rows = [org_row(n) for n in range(1, 1001)]
    plan = transfer_ops.plan_import("organisations", rows)
    with Session(db.engine) as other:
        other.add(Organisation(name="Meanwhile", stakeholder_type=StakeholderType.state))
        other.flush()
        other.execute(
            Organisation.__table__.update()
            .where(Organisation.name == "Meanwhile")
            .values(external_ref="ORG-499")
        )
        other.commit()
    before = table_counts(db)
    with acting_as(label="test"), pytest.raises(transfer_ops.OperationError) as failed:
        transfer_ops.apply_import("organisations", plan=plan)
    assert "Nothing was imported: the data changed while importing" in str(failed.value)
    db.session.rollback()
    assert table_counts(db) == before


def test_the_same_website_spelled_differently_is_a_probable_twin(db, make_org):
    """Case, "www.", a trailing dot, a port or punycode do not hide that two rows are the same
    site; a different host is not a twin."""
    bucher = make_org(name="Bücher", website="https://bücher.example/")
    rows = [
        org_row(1, name="One", website="https://WWW.Site.Example.ORG./about"),
        org_row(2, name="Two", website="http://site.example.org"),
        org_row(3, name="Three", website="https://site.example.org:8443/x"),
        org_row(4, name="Four", website="https://XN--BCHER-KVA.example/shop"),
        org_row(5, name="Five", website="https://other-site.example.org/"),
    ]
    outcomes = transfer_ops.plan_import("organisations", rows)
    assert [o.action for o in outcomes] == [
        "create",
        "duplicate",
        "duplicate",
        "duplicate",
        "create",
    ]
    assert "row 2 (same website)" in outcomes[1].details
    assert "row 2 (same website)" in outcomes[2].details
    assert f"#{bucher.id} Bücher" in outcomes[3].details


def test_probable_duplicates_are_flagged_and_stop_the_import(client, db, staff, make_org):
    existing = make_org(name="The Refugee Voices Association", website="https://rv.example.org")
    site_twin = make_org(name="Different", website="http://www.radio.example.org/about")
    rows = [
        org_row(1, name="Refugee Voices"),
        org_row(2, name="Radio", website="https://radio.example.org"),
        org_row(3, name="Unique"),
        org_row(4, name="Unique Ltd", website=""),
    ]
    outcomes = transfer_ops.plan_import("organisations", rows)
    assert [o.action for o in outcomes] == ["duplicate", "duplicate", "create", "duplicate"]
    assert f"#{existing.id} The Refugee Voices Association" in outcomes[0].details
    assert f"#{site_twin.id} Different" in outcomes[1].details
    assert "row 4" in outcomes[3].details  # the same name earlier in the file

    response = upload(client, to_csv(rows), "orgs.csv")
    assert actions(response) == {2: "duplicate", 3: "duplicate", 4: "create", 5: "duplicate"}
    assert "Create the probable duplicates" in response.get_data(as_text=True)
    refused = confirm(client, response)
    assert refused.status_code == 400
    assert "Nothing was imported" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organisation.id))) == 2

    accepted = confirm(client, response, allow_duplicates=True)
    assert accepted.status_code == 302
    assert db.session.scalar(select(func.count(Organisation.id))) == 6


def test_refugee_led_rows_follow_the_model_rules(db):
    rows = [org_row(1, stakeholder_type="refugee_led_organisation", visibility="")]
    with acting_as(label="test"):
        transfer_ops.apply_import("organisations", rows)
        db.session.commit()
    organisation = db.session.scalar(select(Organisation))
    assert organisation.is_refugee_led and organisation.visibility is Visibility.anonymised
    assert [o.action for o in transfer_ops.plan_import("organisations", rows)] == ["skip"]


@pytest.mark.parametrize(
    "filename, data, message",
    [
        ("orgs.txt", b"external_ref,name\n", "Upload a .csv or .xlsx file."),
        ("orgs.xlsx", b"external_ref,name\n", "not a readable .xlsx workbook"),
        ("orgs.xlsx", b"PK\x03\x04broken zip", "not a readable .xlsx workbook"),
        (
            "orgs.csv",
            "external_ref,name,stakeholder_type\nA,Café,state\n".encode("latin-1"),
            "not UTF-8",
        ),
        ("orgs.csv", b"external_ref,title\nA,B\n", "lacks the column(s) name, stakeholder_type"),
        ("orgs.csv", b"", "The file is empty."),
        ("orgs.csv", b"external_ref,name,name\n", "appear twice: name"),
    ],
)
def test_bad_files_get_a_clear_message(client, db, staff, filename, data, message):
    before = table_counts(db)
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_oversized_files_are_refused(app, client, db, staff, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    response = upload(client, to_csv([org_row(n) for n in range(50)]), "orgs.csv")
    assert response.status_code == 400
    assert "larger than" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(client, b"x" * 5000, "orgs.csv")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_missing_file_or_wrong_kind_is_a_form_error(client, db, staff):
    response = client.post("/coordinate/import", data={"kind": "organisations"})
    assert response.status_code == 400 and "Choose a file" in response.get_data(as_text=True)
    commitments = to_csv([commitment_row(1)])
    response = upload(client, commitments, "c.csv", kind="organisations")
    assert response.status_code == 400 and "lacks the column" in response.get_data(as_text=True)


def test_xlsx_import_and_export_round_trip(client, db, staff):
    response = upload(client, to_xlsx([org_row(1), org_row(2, name="+1 Media")]), "o.xlsx")
    assert actions(response) == {2: "create", 3: "create"}
    assert confirm(client, response).status_code == 302
    # An export (with its extra columns and quoted formula cells) imports as unchanged.
    for fmt in ("xlsx", "csv"):
        exported = client.get(f"/coordinate/export/organisations.{fmt}").data
        again = upload(client, exported, f"export.{fmt}")
        assert set(actions(again).values()) == {"skip"}, again.get_data(as_text=True)[-3000:]
        assert "Columns not imported: id, region" in again.get_data(as_text=True)


@pytest.fixture
def partner(db, make_org):
    return make_org(name="Radio Kakuma", external_ref="ORG-1")


def test_commitments_import_creates_signature_and_commitments(client, db, staff, pledge, partner):
    rows = [commitment_row(1), commitment_row(2, status="", countries="", risks="")]
    response = upload(client, to_csv(rows), "c.csv", kind="commitments")
    assert actions(response) == {2: "create", 3: "create"}
    assert confirm(client, response).status_code == 302
    signature = db.session.scalar(select(Signature))
    assert (signature.organisation_id, signature.status) == (partner.id, SignatureStatus.draft)
    first = db.session.scalar(select(Commitment).where(Commitment.external_ref == "C-1"))
    assert first.key_outcome_id == pledge.key_outcomes[0].id
    assert first.status is CommitmentStatus.in_progress
    assert first.geographic_level is GeographicLevel.national
    assert sorted(first.countries) == ["KEN", "UGA"]
    assert sorted(t.code for t in first.risks) == ["hate_speech", "misinformation"]
    assert first.languages == ["Arabic", "Somali"]
    assert (first.indicator_baseline, first.indicator_target) == (0, 500)
    second = db.session.scalar(select(Commitment).where(Commitment.external_ref == "C-2"))
    assert second.status is CommitmentStatus.planning and second.countries == []

    events = audit_count(db)
    again = upload(client, to_csv(rows), "c.csv", kind="commitments")
    assert set(actions(again).values()) == {"skip"}
    exported = client.get("/coordinate/export/commitments.csv").data
    assert set(actions(upload(client, exported, "e.csv", kind="commitments")).values()) == {"skip"}
    assert audit_count(db) == events + 1  # the export, nothing else

    changed = [commitment_row(1, title="Renamed", status="fulfilled"), rows[1]]
    outcomes = transfer_ops.plan_import("commitments", changed)
    assert [(o.action, o.changes) for o in outcomes] == [
        ("update", ["title", "status"]),
        ("skip", []),
    ]


def test_commitment_rows_are_checked(db, pledge, partner, make_org):
    make_org(name="Other", external_ref="ORG-2")
    rows = [
        commitment_row(1, organisation_external_ref="NOPE"),
        commitment_row(2, pledge="no-such-pledge"),
        commitment_row(3, key_outcome="9"),
        commitment_row(4, risks="hate_speech; nonsense"),
        commitment_row(5, countries="KEN; Kenya"),
        commitment_row(6, start_date="2027-01-01", target_date="2026-01-01"),
        commitment_row(7, indicator_target="lots"),
        commitment_row(8, signature_status="accepted"),
        commitment_row(9, external_ref="C-8"),
        commitment_row(10, title=""),
        commitment_row(11, organisation_external_ref="ORG-2", signature_status="withdrawn"),
    ]
    outcomes = transfer_ops.plan_import("commitments", rows)
    columns = [(o.action, o.errors[0][0] if o.errors else None) for o in outcomes]
    assert columns == [
        ("error", "organisation_external_ref"),
        ("error", "pledge"),
        ("error", "key_outcome"),
        ("error", "risks"),
        ("error", "countries"),
        ("error", "target_date"),
        ("error", "indicator_target"),
        ("error", "signature_status"),  # row 2's signature would be draft
        ("error", "external_ref"),
        ("error", "title"),
        ("error", "signature_status"),
    ]
    assert "nonsense" in outcomes[3].details and "hate_speech" in outcomes[3].details
    assert "is also on row 9" in outcomes[8].details


def test_commitments_may_bring_an_accepted_signature(db, pledge, partner):
    rows = [commitment_row(1, signature_status="accepted"), commitment_row(2)]
    rows[1]["signature_status"] = "accepted"
    with acting_as(label="test"):
        transfer_ops.apply_import("commitments", rows)
        db.session.commit()
    signature = db.session.scalar(select(Signature))
    assert signature.status is SignatureStatus.accepted and len(signature.commitments) == 2
    # Later files cannot change it, nor move a commitment, nor break the status rules.
    later = [
        commitment_row(1, signature_status="draft"),
        commitment_row(2, status="planning"),
    ]
    outcomes = transfer_ops.plan_import("commitments", later)
    assert [o.errors[0][0] for o in outcomes] == ["signature_status", "status"]


def test_cli_import_dry_run_then_real(app, db, tmp_path, pledge):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(to_xlsx([org_row(1), org_row(2)]))
    runner = app.test_cli_runner()
    before = table_counts(db)
    result = runner.invoke(args=["registry", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "row 2 (ORG-1): create" in result.output
    assert "2 organisations rows: 2 to create" in result.output
    assert "Dry run: nothing was written." in result.output
    assert table_counts(db) == before

    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported: 2 created, 0 updated, 0 unchanged." in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 2
    creations = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "Organisation")
    ).all()
    assert {e.actor_label for e in creations} == {"cli"}

    commitments = tmp_path / "commitments.csv"
    commitments.write_bytes(to_csv([commitment_row(1)]))
    result = runner.invoke(args=["registry", "import", str(commitments)])  # kind guessed
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Commitment.external_ref)) == "C-1"

    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0 and "0 created, 0 updated, 2 unchanged" in result.output


@pytest.mark.parametrize(
    "name, content, args, reason",
    [
        ("missing.csv", None, [], "no file"),
        ("orgs.txt", b"a,b\n", [], "Upload a .csv or .xlsx file."),
        ("orgs.csv", b"a,b\n1,2\n", [], "Cannot tell what the file holds"),
        ("orgs.csv", b"external_ref,name\n", ["--kind", "organisations"], "lacks the column"),
        ("orgs.csv", b"external_ref,name\n", ["--kind", "people"], "unknown kind"),
    ],
)
def test_cli_import_refuses_bad_files(app, db, tmp_path, name, content, args, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path), *args])
    assert result.exit_code == 1
    assert reason in result.output and len(result.output.strip().splitlines()) == 1


def test_templates_list_every_column_with_external_ref_first(client, staff):
    for kind, columns in IMPORT_COLUMNS.items():
        response = client.get(f"/coordinate/import/template/{kind}.csv")
        assert response.status_code == 200
        assert response.get_data(as_text=True).strip().split(",") == columns
        # Progress rows are keyed by their commitment's external_ref (and window).
        assert columns[0] == ("commitment_external_ref" if kind == "progress" else "external_ref")
        workbook = load_workbook(
            io.BytesIO(client.get(f"/coordinate/import/template/{kind}.xlsx").data)
        )
        assert [c.value for c in workbook.worksheets[0][1]] == columns
    assert client.get("/coordinate/import/template/people.csv").status_code == 404
    page = client.get("/coordinate/import").get_data(as_text=True)
    assert "signature_status" in page and "draft" in page


def test_stakeholders_cannot_import(client, make_user, login_as):
    login_as(make_user(role=Role.stakeholder))
    assert client.get("/coordinate/import").status_code == 403
    assert upload(client, to_csv([org_row(1)]), "o.csv").status_code == 403
    assert client.post("/coordinate/import/confirm", data={"token": "x"}).status_code == 403
    assert client.get("/coordinate/import/template/organisations.csv").status_code == 403


def test_confirm_without_a_checked_upload_asks_to_upload_again(client, db, staff):
    response = client.post("/coordinate/import/confirm", data={"token": "made-up-token-123456"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_stakeholder_type_accepts_its_english_label(db):
    rows = [org_row(1, stakeholder_type="Technology company")]
    (outcome,) = transfer_ops.plan_import("organisations", rows)
    assert outcome.action == "create"
    assert outcome.values["stakeholder_type"] is StakeholderType.technology_company
