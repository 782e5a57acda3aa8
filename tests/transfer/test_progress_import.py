"""Bulk progress import: dry run, all-or-nothing, re-import as a no-op, refusals, web and CLI."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.transfer import operations as transfer_ops
from registry.transfer.importing import base as importing_base
from registry.transfer.importing.files import IMPORT_COLUMNS
from tests.transfer.test_import import actions, audit_count, confirm, to_csv, to_xlsx, upload

WINDOW = "2025 review"


def counts(db) -> dict[str, int]:
    """Rows of the tables an import of progress could write."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (ProgressUpdate, Commitment, AuditEvent)
    }


def progress_row(n: int, **changes) -> dict:
    return {
        "commitment_external_ref": f"C-{n}",
        "commitment_id": "",
        "window": WINDOW,
        "status": "in_progress",
        "progress_percent": "40",
        "actual_value": "12.5",
        "achievements": f"Trained {n} moderators",
        "challenges": "Funding",
        "next_steps": "",
        "evidence_links": "https://example.org/report; http://example.org/photos",
        "review_state": "",
    } | changes


@pytest.fixture
def window(db, pledge):
    """A progress window of the pledge that closed last month: imports ignore its dates."""
    with acting_as(label="test-setup"):
        closed = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label=WINDOW,
            opens_at=utcnow() - timedelta(days=90),
            closes_at=utcnow() - timedelta(days=30),
        )
        db.session.add(closed)
        db.session.commit()
    return closed


@pytest.fixture
def commitments(db, pledge, make_org, window) -> list[Commitment]:
    """100 commitments C-1 … C-100 of an accepted signature, all planning."""
    organisation = make_org(name="Tech Co")
    with acting_as(label="test-setup"):
        signature = Signature(pledge=pledge, organisation=organisation)
        signature.commitments = [
            Commitment(title=f"Commitment {n}", external_ref=f"C-{n}") for n in range(1, 101)
        ]
        signature.status = SignatureStatus.accepted
        db.session.add(signature)
        db.session.commit()
    return signature.commitments


def update_of(db, ref: str) -> ProgressUpdate | None:
    db.session.expire_all()
    return db.session.scalar(
        select(ProgressUpdate).join(ProgressUpdate.commitment).where(Commitment.external_ref == ref)
    )


def commitment(db, ref: str) -> Commitment:
    db.session.expire_all()
    return db.session.scalar(select(Commitment).where(Commitment.external_ref == ref))


def test_dry_run_writes_nothing(db, commitments):
    rows = [progress_row(n) for n in range(1, 101)]
    rows[1]["review_state"] = "verified"
    before = counts(db)
    outcomes = transfer_ops.plan_import("progress", rows)
    assert {o.action for o in outcomes} == {"create"}
    assert outcomes[0].describe() == f"row 2 (C-1 · {WINDOW}): create"
    assert counts(db) == before


def test_a_good_file_creates_submitted_and_verified_updates(db, commitments, coordinator, window):
    rows = [
        progress_row(1),
        progress_row(2, status="fulfilled", progress_percent="100", review_state="verified"),
        progress_row(3, progress_percent="", review_state="Verified", evidence_links=""),
        progress_row(4, status="discontinued", progress_percent=""),
    ]
    with acting_as(coordinator):
        result = transfer_ops.apply_import("progress", rows, by=coordinator)
        db.session.commit()
    assert result == {"create": 4, "update": 0, "skip": 0}

    first = update_of(db, "C-1")
    assert (first.review_state, first.status, first.progress_percent) == (
        ReviewState.submitted,
        CommitmentStatus.in_progress,
        40,
    )
    assert first.window_id == window.id and first.actual_value == 12.5
    assert first.evidence_links == ["https://example.org/report", "http://example.org/photos"]
    assert (first.next_steps, first.submitted_by_id) == (None, coordinator.id)
    # Only verified updates move the commitment.
    assert commitment(db, "C-1").status is CommitmentStatus.planning
    assert commitment(db, "C-4").status is CommitmentStatus.planning

    second = update_of(db, "C-2")
    assert (second.review_state, second.reviewed_by_id) == (ReviewState.verified, coordinator.id)
    verified = commitment(db, "C-2")
    assert (verified.status, verified.progress_percent) == (CommitmentStatus.fulfilled, 100)
    third = commitment(db, "C-3")
    assert (third.status, third.progress_percent) == (CommitmentStatus.in_progress, None)
    assert update_of(db, "C-3").evidence_links == []


def test_an_error_on_row_50_of_100_writes_nothing_and_names_the_row(db, commitments):
    rows = [progress_row(n, review_state="verified") for n in range(1, 101)]
    rows[48]["progress_percent"] = "150"  # the 49th data row is spreadsheet row 50
    before = counts(db)
    with acting_as(label="test"), pytest.raises(importing_base.ImportRefused) as refused:
        transfer_ops.apply_import("progress", rows)
    db.session.rollback()
    bad = [o for o in refused.value.outcomes if o.action == "error"]
    assert [(o.row, o.errors[0][0]) for o in bad] == [(50, "progress_percent")]
    assert f"row 50 (C-49 · {WINDOW}): error — progress_percent:" in str(refused.value)
    assert "“150” is not a percentage from 0 to 100" in str(refused.value)
    assert counts(db) == before
    assert commitment(db, "C-1").status is CommitmentStatus.planning


def test_reimport_of_the_same_file_is_a_no_op(db, commitments, coordinator):
    rows = [progress_row(n) for n in range(1, 11)]
    rows[0] |= {"status": "fulfilled", "progress_percent": "100", "review_state": "verified"}
    with acting_as(coordinator):
        transfer_ops.apply_import("progress", rows, by=coordinator)
        db.session.commit()
    before, events = counts(db), audit_count(db)

    assert {o.action for o in transfer_ops.plan_import("progress", rows)} == {"skip"}
    with acting_as(coordinator):
        result = transfer_ops.apply_import("progress", rows, by=coordinator)
        db.session.commit()
    assert result == {"create": 0, "update": 0, "skip": 10}
    assert counts(db) == before and audit_count(db) == events


def test_editable_updates_change_and_verified_ones_refuse(db, commitments, coordinator):
    rows = [progress_row(1), progress_row(2, review_state="verified")]
    with acting_as(coordinator):
        transfer_ops.apply_import("progress", rows, by=coordinator)
        db.session.commit()
    later = [
        progress_row(1, achievements="Trained 80"),
        progress_row(2, achievements="Rewritten"),
        progress_row(3),
        progress_row(
            1,
            commitment_external_ref="",
            commitment_id=str(commitments[0].id),
            achievements="Trained 80",
            review_state="verified",
        ),
    ]
    outcomes = transfer_ops.plan_import("progress", later)
    assert [(o.action, o.changes) for o in outcomes[:3]] == [
        ("update", ["achievements"]),
        ("error", []),
        ("create", []),
    ]
    assert "verified and can no longer be changed" in outcomes[1].details
    # The same commitment and window twice in one file.
    assert outcomes[3].action == "error" and "row 2 already reports" in outcomes[3].details

    with acting_as(coordinator):
        transfer_ops.apply_import("progress", [later[0], later[2]], by=coordinator)
        transfer_ops.apply_import("progress", [later[3]], by=coordinator)  # by id, then verify
        db.session.commit()
    first = update_of(db, "C-1")
    assert (first.achievements, first.review_state) == ("Trained 80", ReviewState.verified)
    assert commitment(db, "C-1").status is CommitmentStatus.in_progress


def test_fulfilled_below_100_is_refused_not_fixed(db, commitments):
    rows = [
        progress_row(1, status="fulfilled", progress_percent="90"),
        progress_row(2, status="fulfilled", progress_percent=""),
    ]
    before = counts(db)
    outcomes = transfer_ops.plan_import("progress", rows)
    assert [o.action for o in outcomes] == ["error", "create"]
    assert outcomes[0].errors == [
        ("progress_percent", "fulfilled with progress below 100 %: correct the percentage")
    ]
    with acting_as(label="test"), pytest.raises(importing_base.ImportRefused):
        transfer_ops.apply_import("progress", rows)
    db.session.rollback()
    assert counts(db) == before


@pytest.fixture
def other_window(db):
    """A progress window of another pledge, and its id."""
    with acting_as(label="test-setup"):
        other = Pledge(slug="other-pledge", title="Other pledge")
        other.windows = [SubmissionWindow(kind=WindowKind.progress, label="Other review")]
        db.session.add(other)
        db.session.commit()
    return other.windows[0]


def test_rows_are_checked(db, commitments, other_window):
    first_id = commitments[0].id
    rows = [
        progress_row(1, commitment_external_ref="NOPE"),
        progress_row(2, commitment_external_ref="", commitment_id="999999"),
        progress_row(3, commitment_id=str(first_id)),
        progress_row(4, commitment_external_ref=""),
        progress_row(5, window="Other review"),
        progress_row(6, window=str(other_window.id)),
        progress_row(7, window="Signatures"),
        progress_row(8, progress_percent="-1"),
        progress_row(9, progress_percent="12.5"),
        progress_row(10, evidence_links="https://ok.example.org; javascript:alert(1)"),
        progress_row(11, review_state="draft"),
        progress_row(12, status="done"),
        progress_row(13, status=""),
    ]
    outcomes = transfer_ops.plan_import("progress", rows)
    assert [(o.action, o.errors[0][0]) for o in outcomes] == [
        ("error", "commitment_external_ref"),
        ("error", "commitment_id"),
        ("error", "commitment_id"),
        ("error", "commitment_external_ref"),
        ("error", "window"),
        ("error", "window"),
        ("error", "window"),
        ("error", "progress_percent"),
        ("error", "progress_percent"),
        ("error", "evidence_links"),
        ("error", "review_state"),
        ("error", "status"),
        ("error", "status"),
    ]
    assert f"{WINDOW} (id " in outcomes[4].details  # names the pledge's progress windows
    assert "another commitment" in outcomes[2].details
    assert "http://" in outcomes[9].details


def test_web_flow_upload_dry_run_then_confirm(client, db, commitments, coordinator, login_as):
    login_as(coordinator)
    page = client.get("/coordinate/import").get_data(as_text=True)
    assert '<option value="progress">' in page and "Columns of progress reports" in page
    assert "dates do not apply to these imports" in page
    template = client.get("/coordinate/import/template/progress.csv")
    assert template.get_data(as_text=True).strip().split(",") == IMPORT_COLUMNS["progress"]
    assert client.get("/coordinate/import/template/progress.xlsx").status_code == 200

    rows = [progress_row(1), progress_row(2, review_state="verified", status="fulfilled")]
    rows[1]["progress_percent"] = "100"
    before = counts(db)
    response = upload(client, to_xlsx(rows), "progress.xlsx", kind="progress")
    assert response.status_code == 200
    assert actions(response) == {2: "create", 3: "create"}
    assert f"C-2 · {WINDOW}" in response.get_data(as_text=True)
    assert counts(db) == before

    assert confirm(client, response).status_code == 302
    assert update_of(db, "C-1").review_state is ReviewState.submitted
    assert commitment(db, "C-2").status is CommitmentStatus.fulfilled
    again = upload(client, to_csv(rows), "progress.csv", kind="progress")
    assert set(actions(again).values()) == {"skip"}
    assert "nothing to import" in again.get_data(as_text=True)

    bad = upload(client, to_csv([progress_row(3, status="fulfilled")]), "p.csv", kind="progress")
    assert actions(bad) == {2: "error"}
    assert "correct the percentage" in bad.get_data(as_text=True)
    assert 'action="/coordinate/import/confirm"' not in bad.get_data(as_text=True)


def test_web_upload_without_the_key_columns_is_refused(client, db, commitments, staff):
    data = b"window,status\n2025 review,planning\n"
    response = upload(client, data, "p.csv", kind="progress")
    assert response.status_code == 400
    assert "commitment_external_ref or commitment_id" in response.get_data(as_text=True)


def test_cli_dry_run_then_real_import_of_a_progress_file(app, db, tmp_path, commitments):
    path = tmp_path / "progress.csv"
    rows = [progress_row(1), progress_row(2, review_state="verified")]
    path.write_bytes(to_csv(rows))
    runner = app.test_cli_runner()
    before = counts(db)
    result = runner.invoke(args=["registry", "import", str(path), "--dry-run"])  # kind guessed
    assert result.exit_code == 0, result.output
    assert f"row 2 (C-1 · {WINDOW}): create" in result.output
    assert "2 progress rows: 2 to create, 0 to update, 0 unchanged" in result.output
    assert "Dry run: nothing was written." in result.output
    assert counts(db) == before

    result = runner.invoke(args=["registry", "import", str(path), "--kind", "progress"])
    assert result.exit_code == 0, result.output
    assert "Imported: 2 created, 0 updated, 0 unchanged." in result.output
    assert commitment(db, "C-2").status is CommitmentStatus.in_progress
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "ProgressUpdate")
    ).all()
    assert events and {e.actor_label for e in events} == {"cli"}

    rows[0]["progress_percent"] = "150"
    path.write_bytes(to_csv(rows))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "row 2 (C-1 · 2025 review): error — progress_percent:" in result.output
