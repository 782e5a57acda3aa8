"""`flask registry demo-data`: the realistic demo registry and the benchmark bulk load."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import registry.demo.scale
from registry.demo.content import COORDINATOR, STAKEHOLDER
from registry.models import (
    AuditEvent,
    Commitment,
    Contact,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    GeographicLevel,
    Organisation,
    ProgressUpdate,
    Region,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    User,
    Visibility,
    WindowKind,
)


def run(app, *args: str):
    """Invoke `flask registry demo-data ARGS` and return the click result."""
    return app.test_cli_runner().invoke(args=["registry", "demo-data", *args])


def row_counts(db) -> dict[str, int]:
    """Rows in every table of the schema."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def demo(app, db):
    """The small demo, loaded once through the command."""
    result = run(app)
    assert result.exit_code == 0, result.output
    return result


def test_demo_loads_a_realistic_registry(db, demo):
    organisations = db.session.scalars(select(Organisation)).all()
    assert len(organisations) >= 60
    assert {o.stakeholder_type for o in organisations} == set(StakeholderType)
    assert {o.region for o in organisations} == set(Region)
    assert sum(o.is_refugee_led for o in organisations) >= 10
    assert {Visibility.anonymised, Visibility.hidden} <= {o.visibility for o in organisations}
    assert all(o.contacts for o in organisations)

    signatures = db.session.scalars(select(Signature)).all()
    assert {s.status for s in signatures} == set(SignatureStatus)

    commitments = db.session.scalars(select(Commitment)).all()
    assert len(commitments) >= 150
    for c in commitments:
        assert c.indicator_text and c.indicator_unit, c.external_ref
        assert c.indicator_baseline is not None and c.indicator_target is not None
        assert c.key_outcome and c.action_areas and c.risks and c.target_populations
        assert c.languages and c.start_date < c.target_date
        assert bool(c.countries) is (c.geographic_level is not GeographicLevel.global_)

    updates = db.session.scalars(select(ProgressUpdate)).all()
    windows = {u.window for u in updates}
    assert len(windows) == 2 and {w.kind for w in windows} == {WindowKind.progress}
    assert {w.label for w in windows} == {
        "High-Level Officials Meeting 2024 progress review",
        "GRF 2025 progress review",
    }
    for window in windows:
        assert {u.review_state for u in updates if u.window is window} == set(ReviewState)
    assert any(u.progress_percent is None for u in updates)  # "not reported"

    records = db.session.scalars(select(EngagementRecord)).all()
    assert {r.kind for r in records} == set(EngagementKind)
    converted = [r for r in records if r.converted_from is not None]
    assert converted
    for partnership in converted:
        assert partnership.kind is EngagementKind.partnership
        assert partnership.converted_from.kind is EngagementKind.advocacy_target
        assert partnership.converted_from.stage is EngagementStage.converted

    assert COORDINATOR["email"] in demo.output and STAKEHOLDER["email"] in demo.output
    assert printed_password(demo.output).startswith("demo-")
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.actor_label == "demo-data")
    ) >= len(organisations) + len(commitments)


def printed_password(output: str) -> str:
    """The password `demo-data` printed for its logins."""
    return re.search(r"Log in with the password '([^']+)'", output).group(1)


def test_demo_password_is_new_on_every_install():
    from registry.demo.content import new_demo_password
    from registry.passwords import problems

    first, second = new_demo_password(), new_demo_password()
    assert first != second and problems(first) == []


def test_running_twice_adds_nothing(app, db, demo):
    before = row_counts(db)

    result = run(app)

    assert result.exit_code == 0, result.output
    assert "nothing new was added" in result.output
    assert row_counts(db) == before


@pytest.mark.parametrize("who", [COORDINATOR, STAKEHOLDER], ids=["coordinator", "stakeholder"])
def test_printed_logins_work(db, demo, login_as, who):
    user = db.session.scalar(select(User).where(User.email == who["email"]))
    expected = Role.coordinator if who is COORDINATOR else Role.stakeholder
    assert user.role is expected

    login_as(user, printed_password(demo.output))


def test_stakeholder_belongs_to_a_signatory(db, demo):
    user = db.session.scalar(select(User).where(User.email == STAKEHOLDER["email"]))
    signature = db.session.scalar(
        select(Signature).where(Signature.organisation_id == user.organisation_id)
    )
    assert signature.status is SignatureStatus.accepted
    assert signature.commitments


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_bad_scale_is_refused_in_one_line(app, db, value):
    result = run(app, "--scale", value)

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "--scale must be a whole number of 1 or more" in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_scale_bulk_load_has_expected_counts_and_is_idempotent(app, db, monkeypatch):
    monkeypatch.setattr(registry.demo.scale, "CHUNK_ORGANISATIONS", 4)  # several chunks

    # 1% of scale 1: 10 organisations, 37 commitments, 100 progress updates.
    result = run(app, "--scale", "1", "--fraction", "0.01")

    assert result.exit_code == 0, result.output
    counts = row_counts(db)
    assert counts["organisations"] == counts["signatures"] == counts["contacts"] == 10
    assert counts["commitments"] == 37
    assert counts["progress_updates"] == 100
    assert counts["submission_windows"] == 4  # signatures + three progress cycles
    for table in ("commitment_action_areas", "commitment_risks", "commitment_target_populations"):
        assert counts[table] >= 37
    assert counts["commitment_countries"] > 0
    # Bulk rows read back through the ORM like any other.
    commitment = db.session.scalar(
        select(Commitment).where(Commitment.external_ref.like("scale-%"))
    )
    assert commitment.signature.organisation.external_ref.startswith("scale-org-")
    assert commitment.created_at.tzinfo is not None and commitment.version == 1
    # One summary audit event instead of one per row.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "demo_data.scale"))
    assert [e.after["organisations"] for e in events] == [10]

    again = run(app, "--scale", "1", "--fraction", "0.01")

    assert again.exit_code == 0, again.output
    assert "nothing new was added" in again.output
    assert row_counts(db) == counts


def test_scale_load_next_to_the_demo(app, db, demo):
    demo_organisations = db.session.scalar(select(func.count(Organisation.id)))

    result = run(app, "--scale", "1", "--fraction", "0.005")

    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == demo_organisations + 5
    labels = db.session.scalars(
        select(SubmissionWindow.label).where(SubmissionWindow.kind == WindowKind.progress)
    ).all()
    assert len(labels) == len(set(labels)) == 3  # the demo's windows are reused
    assert run(app).output.startswith("Demo data already loaded")
    assert db.session.scalar(select(func.count(Contact.id))) > demo_organisations


def test_scale_one_is_the_size_of_all_grf_pledges(app, db):
    result = run(app, "--scale", "1")

    assert result.exit_code == 0, result.output
    counts = row_counts(db)
    assert counts["organisations"] == counts["signatures"] == 1000
    assert counts["commitments"] == 3700
    assert 9000 <= counts["progress_updates"] <= 10_000
    assert "Scale 1: created 1,000 organisations" in result.output
