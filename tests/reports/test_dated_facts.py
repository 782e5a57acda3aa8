"""Figures from dated facts: back-filled imports keep their own dates ("new since last cycle",
the status history), time to convert runs from the identification and is never negative, and a
report as of a past date gives the same figures whatever changes afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from registry.audit import acting_as
from registry.dashboard.queries import conversions
from registry.engagements.operations import convert_engagement, save_engagement
from registry.models import (
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementStage,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    StatusChange,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.progress.operations import verify_progress_update
from registry.reports import engagement, grf
from registry.transfer import operations as transfer_ops
from tests.transfer.test_import import commitment_row
from tests.transfer.test_progress_import import progress_row

GENERATED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _history(db, entity: str, entity_id: int) -> list[tuple[str, str]]:
    return [
        (change.to_status, change.at.date().isoformat())
        for change in db.session.scalars(
            select(StatusChange)
            .where(StatusChange.entity_type == entity, StatusChange.entity_id == entity_id)
            .order_by(StatusChange.at, StatusChange.id)
        )
    ]


@pytest.fixture
def cycles(db, pledge):
    """The 2024 review (closed at the end of June 2024) and the 2025 review (closed at the end
    of June 2025)."""
    with acting_as(label="test-setup"):
        windows = [
            SubmissionWindow(
                pledge=pledge,
                kind=WindowKind.progress,
                label=label,
                opens_at=_day(opens),
                closes_at=_day(closes),
            )
            for label, opens, closes in (
                ("2024 review", "2024-05-01", "2024-06-30"),
                ("2025 review", "2025-05-01", "2025-06-30"),
            )
        ]
        db.session.add_all(windows)
        db.session.commit()
    return windows


def test_a_back_dated_import_keeps_its_dates(db, pledge, make_org, cycles):
    """The first report after importing the existing spreadsheets does not call every
    commitment new: it counts from the pledge dates in the file, and the history has the
    file's dates."""
    make_org(name="Radio Kakuma", external_ref="ORG-1")
    accepted = {
        "signature_status": "accepted",
        "signature_submitted_on": "2024-01-05",
        "signature_accepted_on": "2024-01-20",
    }
    rows = [
        commitment_row(1, status="", pledged_on="2024-01-05", **accepted),
        commitment_row(
            2,
            status="fulfilled",
            pledged_on="2024-03-01",
            status_changed_on="2025-03-01",
            **accepted,
        ),
        commitment_row(3, status="", pledged_on="2025-09-01", **accepted),
        commitment_row(4, status="", **accepted),  # pledged with its signature
    ]
    with acting_as(label="test"):
        transfer_ops.apply_import("commitments", rows)
        transfer_ops.apply_import(
            "progress",
            [
                progress_row(
                    1,
                    window="2025 review",
                    review_state="verified",
                    submitted_on="2025-05-10",
                    verified_on="2025-05-20",
                )
            ],
        )
        db.session.commit()
    by_ref = {c.external_ref: c for c in db.session.scalars(select(Commitment))}
    assert by_ref["C-4"].pledged_at.date() == date(2024, 1, 5)
    signature = db.session.scalar(select(Signature))
    assert _history(db, "Signature", signature.id) == [
        ("submitted", "2024-01-05"),
        ("accepted", "2024-01-20"),
    ]
    assert _history(db, "Commitment", by_ref["C-2"].id) == [
        ("planning", "2024-03-01"),
        ("fulfilled", "2025-03-01"),
    ]
    assert _history(db, "Commitment", by_ref["C-1"].id) == [
        ("planning", "2024-01-05"),
        ("in_progress", "2025-05-20"),  # from the verified update, on its date
    ]

    figures = grf.gather(grf.parse_params({"pledge": pledge.slug}))["figures"]
    assert figures["commitments"] == 4
    assert figures["new_since_last_cycle"] == 1  # only C-3, pledged after June 2025

    # The import refuses facts out of order or in the future, naming the column.
    bad = [
        commitment_row(5, pledged_on="2024-05-01", status_changed_on="2024-04-01"),
        commitment_row(6, pledged_on=(utcnow() + timedelta(days=2)).date().isoformat()),
    ]
    outcomes = transfer_ops.plan_import("commitments", bad)
    assert [o.errors[0][0] for o in outcomes] == ["status_changed_on", "pledged_on"]


def test_time_to_convert_runs_from_the_identification(db, make_org):
    """A target recorded today but identified 120 days ago and converted now: 120 days, on
    the dashboard and in the engagement report, never negative."""
    organisation = make_org(name="Platform X")
    identified = utcnow().date() - timedelta(days=120)
    data = {
        "organisation_id": organisation.id,
        "kind": EngagementKind.advocacy_target,
        "title": "Moderate hate speech in Amharic",
        "geographic_level": None,
        "countries": [],
        "coordination_structure_id": None,
        "focal_point_id": None,
        "identified_on": identified,
        "start_date": None,
        "end_date": None,
        "internal_notes": None,
        "hrdd_checked_on": None,
        "hrdd_checked_by_id": None,
        "hrdd_outcome": None,
    }
    with acting_as(label="test"):
        target = save_engagement(data)
        target.move_to(EngagementStage.engaged, utcnow())
        target.move_to(EngagementStage.committed, utcnow())
        convert_engagement(target, None)
        db.session.commit()
    expected = (utcnow() - datetime.combine(identified, datetime.min.time(), UTC)).days
    median = conversions()["median_days"]
    assert expected - 1 <= median <= expected + 1 and median > 0
    assert engagement.time_to_convert(engagement.parse_params({}))["median_days"] == median


def test_a_report_as_of_a_past_date_is_a_snapshot(db, pledge, make_org, cycles):
    """Made as of 1 January 2026, changed afterwards (a new signatory, a verified update that
    fulfils a commitment, a status change, a new update), made again: the same figures and
    the same document; today's report shows the changes."""
    earlier, later = cycles
    acme, outcomes = make_org(name="Acme Platforms"), list(pledge.key_outcomes)
    with acting_as(label="test-setup"):
        signature = Signature(pledge=pledge, organisation=acme)
        db.session.add(signature)
        signature.submit(None, _day("2024-01-05"))
        signature.accept(None, _day("2024-01-20"))
        first = Commitment(
            signature=signature,
            title="Escalation channel",
            key_outcome=outcomes[0],
            pledged_at=_day("2024-01-05"),
        )
        second = Commitment(
            signature=signature,
            title="Moderation in Amharic",
            key_outcome=outcomes[1],
            pledged_at=_day("2025-08-01"),
        )
        db.session.add_all([signature, first, second])
        update = ProgressUpdate(
            commitment=first,
            window=later,
            status=CommitmentStatus.in_progress,
            progress_percent=40,
            achievements="Launched the channel",
        )
        update.submit(None, _day("2025-05-10"))
        db.session.add(update)
        db.session.flush()
        verify_progress_update(update, None, _day("2025-05-20"))
        db.session.commit()
    ids = {"pledge": pledge.id, "first": first.id, "second": second.id, "window": later.id}
    closed_at = earlier.closes_at

    params = grf.parse_params({"pledge": pledge.slug, "as_of": "2026-01-01"})

    def snapshot():
        db.session.expunge_all()
        data = grf.gather(params)
        html = grf.render_html(params, data, fingerprint=None, generated_at=GENERATED_AT)
        return data["figures"], html

    figures, html = snapshot()
    assert (figures["commitments"], figures["new_since_last_cycle"]) == (2, 1)
    # The status mix when each cycle closed, from the same facts (the chart across cycles).
    assert figures["status_across_cycles"][0]["cycles"] == [
        ("2024 review", {"planning": 1}),
        ("2025 review", {"in_progress": 1}),
        ("As of 2026-01-01", {"in_progress": 1, "planning": 1}),
    ]
    assert figures["reporting"] == {"total": 2, "reported": 1, "share": 50.0}
    assert "Launched the channel" in html
    assert "This report is a snapshot as of 2026-01-01" in html
    # The summary's sentence compares with the commitments as they stood when the previous
    # cycle closed (June 2024: the first one, still planning).
    assert (
        "Of 2 commitments, 1 (50 %) are fulfilled or in progress, up from 0 (0 %) at the "
        "previous cycle (2024 review)."
    ) in html

    organisation = make_org(name="Late Signatory")
    with acting_as(label="test"):
        the_pledge = db.session.get(Pledge, ids["pledge"])
        late = Signature(pledge=the_pledge, organisation=organisation)
        db.session.add(late)
        late.submit(None, utcnow())
        late.accept(None, utcnow())
        db.session.add_all([late, Commitment(signature=late, title="Signed later")])
        news = ProgressUpdate(
            commitment=db.session.get(Commitment, ids["second"]),
            window=db.session.get(SubmissionWindow, ids["window"]),
            status=CommitmentStatus.fulfilled,
            progress_percent=100,
            achievements="Done after the snapshot",
        )
        news.submit(None, utcnow())
        db.session.add(news)
        db.session.flush()
        verify_progress_update(news, None, utcnow())
        db.session.get(Commitment, ids["first"]).set_status(CommitmentStatus.discontinued)
        db.session.commit()
    assert (late.status, news.review_state) == (SignatureStatus.accepted, ReviewState.verified)

    again, html_again = snapshot()
    assert again == figures
    assert html_again == html
    today = grf.gather(grf.parse_params({"pledge": "digital-protection"}))["figures"]
    assert today["commitments"] == 3 and today["fulfilled"] == 1
    statuses = {r["key"]: r["count"] for r in today["commitments_by_status"]}
    assert statuses["discontinued"] == 1
    assert {r["key"]: r["count"] for r in figures["commitments_by_status"]} == {
        "in_progress": 1,
        "planning": 1,
    }
    assert closed_at < _day("2026-01-01")
