"""The summary counts behind the dashboard always equal the direct queries: after random
inserts, updates and deletes (through the ORM and through an import's bulk writes), committed
or only flushed, and after rolled-back changes; a rebuild gives the same counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from registry import summary
from registry.audit import acting_as
from registry.commitments.queries import (
    CommitmentFilters,
    commitment_select,
    count_rows,
    counted_total,
)
from registry.dashboard.queries import dashboard_figures
from registry.models import (
    Commitment,
    CommitmentStatus,
    KeyOutcome,
    Organisation,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    SummaryCount,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.progress.queries import rollup_by_key_outcome
from registry.transfer import operations as transfer_ops
from tests.conftest import _empty_all_tables

COUNTRIES = ["KEN", "UGA", "DEU", "COL", "USA", None]
TYPES = [
    StakeholderType.national_ngo,
    StakeholderType.refugee_led_organisation,
    StakeholderType.state,
]
STATUSES = list(SignatureStatus)
C_STATUSES = list(CommitmentStatus)
REVIEW = list(ReviewState)

operation = st.one_of(
    st.tuples(st.just("org"), st.sampled_from(TYPES), st.sampled_from(COUNTRIES)),
    st.tuples(st.just("sign"), st.integers(0, 50), st.integers(0, 1), st.sampled_from(STATUSES)),
    st.tuples(
        st.just("commit"), st.integers(0, 50), st.sampled_from(C_STATUSES), st.integers(0, 3)
    ),
    st.tuples(st.just("report"), st.integers(0, 50), st.integers(0, 1), st.sampled_from(REVIEW)),
    st.tuples(
        st.just("org_change"),
        st.integers(0, 50),
        st.sampled_from(TYPES),
        st.sampled_from(COUNTRIES),
    ),
    st.tuples(st.just("sig_status"), st.integers(0, 50), st.sampled_from(STATUSES)),
    st.tuples(
        st.just("c_change"), st.integers(0, 50), st.sampled_from(C_STATUSES), st.integers(0, 3)
    ),
    st.tuples(st.just("c_move"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("u_change"), st.integers(0, 50), st.sampled_from(REVIEW)),
    st.tuples(
        st.just("delete"),
        st.sampled_from(["commitment", "signature", "update", "org"]),
        st.integers(0, 50),
    ),
    st.tuples(st.just("import"), st.integers(0, 50), st.integers(1, 3)),
    st.just(("commit_now",)),
    st.just(("rollback",)),
)


def _pick(db, model, index):
    ids = db.session.scalars(select(model.id).order_by(model.id)).all()
    return db.session.get(model, ids[index % len(ids)]) if ids else None


def _setup(db, base):
    """Two pledges with key outcomes, each with a closed and a current progress window, and
    the `base` organisations with signatures, commitments and updates to change."""
    now = utcnow()
    pledges = []
    for n in range(2):
        pledge = Pledge(slug=f"p{n}", title=f"Pledge {n}")
        pledge.key_outcomes = [
            KeyOutcome(position=i + 1, title=f"Outcome {n}.{i}") for i in range(2)
        ]
        db.session.add(pledge)
        for days in (-60, 0):
            db.session.add(
                SubmissionWindow(
                    pledge=pledge,
                    kind=WindowKind.progress,
                    label=f"W{n}{days}",
                    opens_at=now + timedelta(days=days - 20),
                    closes_at=now + timedelta(days=days + 20),
                )
            )
        pledges.append(pledge)
    db.session.flush()
    for kind, country, statuses in base:
        org = Organisation(name="Base", stakeholder_type=kind, country=country)
        db.session.add(org)
        for pledge, status in zip(pledges, statuses, strict=False):
            signature = Signature(organisation=org, pledge=pledge, status=status)
            for n, outcome in enumerate([*pledge.key_outcomes, None]):
                commitment = Commitment(
                    signature=signature, title="C", status=C_STATUSES[n], key_outcome=outcome
                )
                window = pledge.windows[n % 2]
                commitment.progress_updates.append(
                    ProgressUpdate(
                        window=window,
                        status=CommitmentStatus.in_progress,
                        review_state=REVIEW[n % len(REVIEW)],
                        reviewed_at=utcnow(),
                        achievements="A",
                    )
                )
                db.session.add(commitment)
    db.session.commit()
    return pledges


def _apply(db, op, pledges):
    kind = op[0]
    if kind == "org":
        db.session.add(Organisation(name="O", stakeholder_type=op[1], country=op[2]))
    elif kind == "sign":
        org = _pick(db, Organisation, op[1])
        pledge = pledges[op[2]]
        exists = db.session.scalar(
            select(Signature).where(Signature.organisation == org, Signature.pledge == pledge)
        )
        if org is not None and exists is None:
            db.session.add(Signature(organisation=org, pledge=pledge, status=op[3]))
    elif kind == "commit":
        signature = _pick(db, Signature, op[1])
        if signature is not None:
            outcomes = signature.pledge.key_outcomes
            outcome = outcomes[op[3]] if op[3] < len(outcomes) else None
            db.session.add(
                Commitment(signature=signature, title="C", status=op[2], key_outcome=outcome)
            )
    elif kind == "report":
        commitment = _pick(db, Commitment, op[1])
        if commitment is not None:
            window = [w for w in commitment.signature.pledge.windows][op[2]]
            if not any(u.window_id == window.id for u in commitment.progress_updates):
                db.session.add(
                    ProgressUpdate(
                        commitment=commitment,
                        window=window,
                        status=CommitmentStatus.in_progress,
                        review_state=op[3],
                        reviewed_at=utcnow(),
                        achievements="A",
                    )
                )
    elif kind == "org_change" and (org := _pick(db, Organisation, op[1])) is not None:
        org.stakeholder_type, org.country = op[2], op[3]
        org.visibility = Visibility.anonymised if op[3] == "KEN" else Visibility.public
    elif kind == "sig_status" and (signature := _pick(db, Signature, op[1])) is not None:
        signature.status = op[2]
    elif kind == "c_change" and (commitment := _pick(db, Commitment, op[1])) is not None:
        commitment.status = op[2]
        outcomes = commitment.signature.pledge.key_outcomes
        commitment.key_outcome = outcomes[op[3]] if op[3] < len(outcomes) else None
    elif kind == "c_move":
        commitment, signature = _pick(db, Commitment, op[1]), _pick(db, Signature, op[2])
        if commitment is not None and signature is not None:
            if signature.pledge_id == commitment.signature.pledge_id:
                commitment.signature = signature
    elif kind == "u_change" and (update := _pick(db, ProgressUpdate, op[1])) is not None:
        update.review_state = op[2]
    elif kind == "delete":
        model = {
            "commitment": Commitment,
            "signature": Signature,
            "update": ProgressUpdate,
            "org": Organisation,
        }[op[1]]
        record = _pick(db, model, op[2])
        if record is not None and not (model is Organisation and record.signatures):
            db.session.delete(record)
    elif kind == "import":
        _import(db, op[1], op[2])
    elif kind == "commit_now":
        db.session.commit()
    elif kind == "rollback":
        db.session.rollback()


def _import(db, index, count):
    """Commitments created by the bulk import (Core inserts the ORM never sees)."""
    org = _pick(db, Organisation, index)
    if org is None:
        return
    if org.external_ref is None:
        org.external_ref = f"ORG-{org.id}"
        db.session.flush()
    rows = [
        {
            "external_ref": f"IMP-{org.id}-{utcnow().timestamp()}-{n}",
            "organisation_external_ref": org.external_ref,
            "pledge": "p0",
            "title": "Imported",
            "status": "in_progress",
            "key_outcome": "1",
            "signature_status": "",
        }
        for n in range(count)
    ]
    plan = transfer_ops.plan_import("commitments", rows)
    if not plan.blocking(False):
        transfer_ops.apply_import("commitments", plan=plan)


def _figures(pledges):
    """Every summary-backed figure, and the same counted directly."""
    result = {}
    for pledge in [None, *pledges]:
        for direct in (False, True):
            result[(pledge and pledge.id, direct)] = dashboard_figures(pledge, direct=direct)
    for pledge in pledges:
        for window in pledge.windows:
            for direct in (False, True):
                rollup = rollup_by_key_outcome(pledge, window, direct=direct)
                result[("rollup", pledge.id, window.id, direct)] = [
                    {k: v for k, v in row.items() if k != "highlights"} for row in rollup
                ]
        for status in (None, "planning", "in_progress"):
            filters = CommitmentFilters(pledge=pledge.slug, status=status)
            assert counted_total(filters) == count_rows(commitment_select(filters))
    return result


def _assert_equal(result):
    for key, figures in result.items():
        if key[-1] is False:
            direct = result[(*key[:-1], True)]
            assert figures == direct, key


def _stored(db) -> dict:
    return {
        (r.pledge_id, r.figure, r.key): r.n for r in db.session.scalars(select(SummaryCount)) if r.n
    }


def _counts_equal_after(db, base, operations, commit_each):
    db.session.rollback()
    _empty_all_tables(keep_vocabularies=True)
    with acting_as(label="test"):
        pledges = _setup(db, base)
        for n, op in enumerate(operations):
            _apply(db, op, pledges)
            if commit_each:
                db.session.commit()
            if (commit_each and n % 4 == 3) or op[0] in ("commit_now", "delete", "import"):
                db.session.flush()
                _assert_equal(_figures(pledges))
        db.session.commit()
        _assert_equal(_figures(pledges))
        # A rebuild from the records finds exactly what the changes kept up to date.
        kept = _stored(db)
        summary.rebuild(db.session.connection())
        assert _stored(db) == kept
        db.session.commit()


_RANDOM_CHANGES = (
    st.lists(
        st.tuples(
            st.sampled_from(TYPES),
            st.sampled_from(COUNTRIES),
            st.lists(st.sampled_from([SignatureStatus.accepted] * 3 + STATUSES), max_size=2),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(operation, min_size=5, max_size=30),
    st.booleans(),
)
_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

#: A few random histories in the default run; many more in the slow run (CI runs both).
test_summary_counts_equal_the_direct_queries_after_random_changes = settings(
    max_examples=3, **_SETTINGS
)(given(*_RANDOM_CHANGES)(_counts_equal_after))
test_summary_counts_equal_the_direct_queries_after_many_random_changes = pytest.mark.slow(
    settings(max_examples=25, **_SETTINGS)(given(*_RANDOM_CHANGES)(_counts_equal_after))
)


def test_rebuild_command_recounts_what_was_written_by_hand(app, db, make_org):
    with acting_as(label="test"):
        (pledge, _other) = _setup(db, [(StakeholderType.state, "KEN", [SignatureStatus.accepted])])
    # A write outside the registry (no listener sees it): the summary is behind until rebuilt.
    db.session.execute(Commitment.__table__.delete())
    db.session.commit()
    assert dashboard_figures(pledge) != dashboard_figures(pledge, direct=True)
    result = app.test_cli_runner().invoke(args=["registry", "rebuild-summary"])
    assert result.exit_code == 0 and "Counted the figures of 1 organisation." in result.output
    assert dashboard_figures(pledge) == dashboard_figures(pledge, direct=True)
