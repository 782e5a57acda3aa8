"""Large imports: one bad row among 20,000 writes nothing; the dry run's plan is the one
applied at confirmation (planned again only if the data changed meanwhile); the web import runs
as a job whose page shows its progress; files over the row limit are refused before writing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry import jobs
from registry.audit import acting_as
from registry.models import AuditEvent, ImportRun, ImportStatus, Organisation
from registry.transfer import operations as transfer_ops
from registry.transfer.importing import files as import_files
from tests.transfer.test_import import confirm, org_row, table_counts, to_csv, upload


@pytest.mark.slow
def test_one_bad_row_among_20000_writes_nothing(app, db, tmp_path):
    rows = [org_row(n) for n in range(1, 20_001)]
    rows[12_344]["stakeholder_type"] = "nonsense"  # spreadsheet row 12,346
    path = tmp_path / "big.csv"
    path.write_bytes(to_csv(rows))
    before = table_counts(db)
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "row 12346 (ORG-12345): error — stakeholder_type:" in result.output
    assert (
        "20000 organisations rows: 19999 to create, 0 to update, 0 unchanged, "
        "0 probable duplicates, 1 with errors" in (result.output)
    )
    assert result.output.strip().splitlines()[-1].startswith("Error: 1 row needs fixing")
    assert table_counts(db) == before

    # The same file fixed imports every row, each with its audit event.
    rows[12_344]["stakeholder_type"] = "national_ngo"
    path.write_bytes(to_csv(rows))
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output[-500:]
    assert "Imported: 20000 created, 0 updated, 0 unchanged." in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 20_000
    created = select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "Organisation", AuditEvent.action == "create"
    )
    assert db.session.scalar(created) == 20_000
    last = db.session.scalar(select(Organisation).where(Organisation.external_ref == "ORG-20000"))
    assert (last.region.name, last.name_key) == (
        "east_horn_great_lakes",
        "imported 20000",
    )


def test_a_file_over_the_row_limit_is_refused_before_writing(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_ROWS", 50)
    path = tmp_path / "orgs.csv"
    path.write_bytes(to_csv([org_row(n) for n in range(1, 52)]))
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1 and "more than 50 rows; split it" in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_confirmation_applies_the_dry_runs_plan(client, db, staff, monkeypatch):
    response = upload(client, to_csv([org_row(n) for n in range(1, 6)]), "orgs.csv")
    assert response.status_code == 200

    def no_second_plan(*_args, **_kwargs):
        raise AssertionError("the checked plan should have been reused")

    monkeypatch.setattr(transfer_ops, "plan_import", no_second_plan)
    done = confirm(client, response)
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported organisations: 5 created, 0 updated, 0 unchanged." in page
    assert db.session.scalar(select(func.count(Organisation.id))) == 5


def test_a_change_after_the_dry_run_is_checked_again(client, db, staff, make_org):
    response = upload(client, to_csv([org_row(1), org_row(2)]), "orgs.csv")
    assert 'data-action="duplicate"' not in response.get_data(as_text=True)
    # Meanwhile someone registers row 2's organisation.
    make_org(name="Imported organisation 2", website="https://elsewhere.example.net")
    done = confirm(client, response)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-status="failed"' in page
    assert "row 3 (ORG-2): probable duplicate" in page
    assert db.session.scalar(select(func.count(Organisation.id))) == 1


def test_the_run_page_shows_progress_until_done(client, db, staff):
    with acting_as(label="test"):
        run = ImportRun(
            kind="organisations",
            filename="big.csv",
            status=ImportStatus.importing,
            total_rows=100_000,
            requested_by_id=staff.id,
        )
        db.session.add(run)
        db.session.commit()
    jobs.set_progress(f"import:{run.id}", 40_000)
    page = client.get(f"/coordinate/import/{run.id}").get_data(as_text=True)
    assert "40000 of 100000 rows written" in page
    assert 'http-equiv="refresh"' in page and 'value="40000" max="100000"' in page
    assert client.get("/coordinate/import/999999").status_code == 404


@pytest.mark.parametrize("kind", ["organisations", "commitments", "progress"])
def test_a_stored_plan_reads_back_as_written(db, kind):
    from datetime import date

    from registry.models import CommitmentStatus
    from registry.transfer.importing.base import Plan, RowOutcome

    plan = Plan(kind)
    ops = [{"n": n, "status": CommitmentStatus.fulfilled, "on": date(2026, 1, n)} for n in (1, 2)]
    for n, op in enumerate(ops, start=2):
        plan.add(RowOutcome(n, f"R{n}", "create"), op)
    again = Plan.load(kind, dict(plan.counts), plan.dump())
    assert [op for _action, op in again.ops()] == ops


def test_a_done_import_keeps_no_file_and_unconfirmed_ones_expire(client, db, staff):
    from datetime import timedelta

    from registry.models import utcnow

    first = upload(client, to_csv([org_row(1)]), "orgs.csv")
    stale = db.session.scalar(select(ImportRun))
    stale.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    response = upload(client, to_csv([org_row(2)]), "orgs.csv")
    assert confirm(client, first).status_code == 302  # its run has expired: upload again
    assert db.session.scalar(select(func.count(ImportRun.id))) == 1
    confirm(client, response)
    db.session.expire_all()
    run = db.session.scalar(select(ImportRun))
    assert run.status is ImportStatus.done and run.plan is None and run.upload is None


def test_bulk_created_records_audit_events_read_back_as_the_records(app, db, tmp_path):
    """Each record an import creates in bulk has one "create" event whose snapshot is what a
    flush of the record would log: every audited column, enums by name, dates as text."""
    from registry.audit import _snapshot

    rows = [org_row(n) for n in range(1, 31)]
    rows[3]["website"] = ""  # a null column
    rows[4]["stakeholder_type"] = "refugee_led_organisation"  # derived: refugee-led
    path = tmp_path / "orgs.csv"
    path.write_bytes(to_csv(rows))
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output[-500:]
    db.session.expire_all()
    events = {
        e.entity_id: e
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "Organisation", AuditEvent.action == "create"
            )
        )
    }
    organisations = list(db.session.scalars(select(Organisation)))
    assert len(organisations) == len(events) == 30
    for organisation in organisations:
        assert events[organisation.id].after == _snapshot(organisation)
        assert events[organisation.id].before is None
    led = next(o for o in organisations if o.external_ref == "ORG-5")
    assert events[led.id].after["is_refugee_led"] is True


def test_commitment_rows_over_many_chunks_see_their_organisations_and_signatures(
    db, pledge, make_org, monkeypatch
):
    """Organisations and their signatures are kept between chunks (and forgotten past a
    bound): rows in later chunks, and after the bound, are checked against them as the first."""
    from registry.transfer.importing import commitments as commitment_import
    from tests.transfer.test_import import commitment_row

    monkeypatch.setattr(transfer_ops, "CHUNK", 2)
    monkeypatch.setattr(commitment_import, "KEEP_ORGANISATIONS", 3)
    for n in (1, 2, 3):
        make_org(name=f"Partner {n}", external_ref=f"ORG-{n}")
    with acting_as(label="test"):
        transfer_ops.apply_import(
            "commitments",
            [commitment_row(1, organisation_external_ref="ORG-2", signature_status="accepted")],
        )
        db.session.commit()
    rows = [commitment_row(n + 10, organisation_external_ref=f"ORG-{n % 3 + 1}") for n in range(12)]
    rows[10]["signature_status"] = "draft"  # ORG-2's signature is accepted: refused
    rows[11]["organisation_external_ref"] = "ORG-9"  # nobody
    outcomes = list(transfer_ops.plan_import("commitments", rows))
    assert [o.row for o in outcomes if o.action == "error"] == [12, 13]
    assert outcomes[10].errors[0][0] == "signature_status"
    assert outcomes[11].errors[0][0] == "organisation_external_ref"
    assert {o.action for i, o in enumerate(outcomes) if i not in (10, 11)} == {"create"}


def test_a_plan_past_the_plain_limit_keeps_every_write_in_order(db):
    """A large file's writes are kept compressed past `KEEP_PLAIN`: every one reads back as
    written, in file order, applied at once or stored for the confirmation."""
    from datetime import date

    from registry.models import CommitmentStatus
    from registry.transfer.importing.base import KEEP_PLAIN, Plan, RowOutcome

    for count in (KEEP_PLAIN, KEEP_PLAIN + 3):
        plan = Plan("commitments")
        ops = [
            {"n": n, "status": CommitmentStatus.fulfilled, "on": date(2026, 1, 1 + n % 28)}
            for n in range(count)
        ]
        for n, op in enumerate(ops, start=2):
            plan.add(RowOutcome(n, f"R{n}", "create"), op)
        assert [op for _action, op in plan.ops()] == ops
        again = Plan.load("commitments", dict(plan.counts), plan.dump())
        assert [op for _action, op in again.ops()] == ops
