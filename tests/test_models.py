"""Behaviour of the models on their own (DESIGN §2): state machines, windows, invitations,
organisations, UTC timestamps and optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from registry.audit import acting_as
from registry.models import (
    DEFAULT_CLOSED_MESSAGE,
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    InvalidTransition,
    Invitation,
    Organisation,
    ProgressUpdate,
    Region,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
)

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def _pairs(states_from, states_to, allowed, *, valid: bool):
    """(from, to) params, with readable ids, that are (or are not) in `allowed`."""
    return [
        pytest.param(a, b, id=f"{a.name}->{b.name}")
        for a in states_from
        for b in states_to
        if ((a, b) in allowed) is valid
    ]


def _save_signature(db, make_org, pledge, **fields) -> Signature:
    signature = Signature(pledge=pledge, organisation=make_org(), **fields)
    db.session.add(signature)
    db.session.commit()
    return signature


def _save_commitment(db, make_org, pledge) -> Commitment:
    signature = _save_signature(db, make_org, pledge)
    commitment = Commitment(signature=signature, title="Monitor hate speech in Swahili")
    db.session.add(commitment)
    db.session.commit()
    return commitment


# --- Signature ------------------------------------------------------------------------------

SS = SignatureStatus
SIGNATURE_ACTIONS = {
    SS.submitted: lambda s, by, now: s.submit(by, now),
    SS.accepted: lambda s, by, now: s.accept(by, now),
    SS.rejected: lambda s, by, now: s.reject(by, now, "Outside the pledge's scope"),
    SS.changes_requested: lambda s, by, now: s.request_changes(by, now, "Add a statement"),
    SS.withdrawn: lambda s, by, now: s.withdraw(),
}
SIGNATURE_ALLOWED = {
    (SS.draft, SS.submitted),
    (SS.submitted, SS.accepted),
    (SS.submitted, SS.rejected),
    (SS.submitted, SS.changes_requested),
    (SS.changes_requested, SS.submitted),
    (SS.draft, SS.withdrawn),
    (SS.submitted, SS.withdrawn),
    (SS.changes_requested, SS.withdrawn),
}


def test_every_signature_status_is_covered_by_the_matrix():
    # Only draft (the initial state) has no method leading to it.
    assert set(SIGNATURE_ACTIONS) == set(SS) - {SS.draft}


@pytest.mark.parametrize(
    ("start", "to"), _pairs(SS, SIGNATURE_ACTIONS, SIGNATURE_ALLOWED, valid=True)
)
def test_signature_allowed_transition(start, to):
    signature = Signature(status=start)
    SIGNATURE_ACTIONS[to](signature, None, T0)
    assert signature.status is to


@pytest.mark.parametrize(
    ("start", "to"), _pairs(SS, SIGNATURE_ACTIONS, SIGNATURE_ALLOWED, valid=False)
)
def test_signature_refused_transition_raises_and_keeps_status(start, to):
    signature = Signature(status=start)
    with pytest.raises(InvalidTransition):
        SIGNATURE_ACTIONS[to](signature, None, T0)
    assert signature.status is start
    assert signature.submitted_at is None
    assert signature.decided_at is None
    assert signature.review_comment is None


@pytest.mark.parametrize("start", list(SS), ids=lambda s: s.name)
@pytest.mark.parametrize("to", list(SIGNATURE_ACTIONS), ids=lambda s: s.name)
def test_no_signature_method_leads_back_to_draft(start, to):
    signature = Signature(status=start)
    try:
        SIGNATURE_ACTIONS[to](signature, None, T0)
    except InvalidTransition:
        pass
    assert signature.status is not SS.draft or start is SS.draft


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", None])
@pytest.mark.parametrize(
    "decide",
    [
        pytest.param(lambda s, text: s.reject(None, T0, text), id="reject"),
        pytest.param(lambda s, text: s.request_changes(None, T0, text), id="request_changes"),
    ],
)
def test_signature_reject_and_request_changes_need_a_reason(decide, blank):
    signature = Signature(status=SS.submitted)
    with pytest.raises(InvalidTransition):
        decide(signature, blank)
    assert signature.status is SS.submitted
    assert signature.decided_at is None


@pytest.mark.parametrize("status", list(SS), ids=lambda s: s.name)
def test_signature_is_editable_only_in_draft_and_changes_requested(status):
    expected = status in (SS.draft, SS.changes_requested)
    assert Signature(status=status).is_editable is expected


def test_signature_records_who_and_when(make_user):
    stakeholder = make_user()
    coordinator = make_user(Role.coordinator)
    signature = Signature(status=SS.draft)

    signature.submit(stakeholder, T0)
    assert (signature.submitted_by, signature.submitted_at) == (stakeholder, T0)

    signature.request_changes(coordinator, T0 + timedelta(days=1), "Name who signs")
    assert signature.decided_by is coordinator
    assert signature.decided_at == T0 + timedelta(days=1)
    assert signature.review_comment == "Name who signs"

    signature.submit(stakeholder, T0 + timedelta(days=2))
    assert signature.submitted_at == T0 + timedelta(days=2)

    signature.accept(coordinator, T0 + timedelta(days=3))
    assert signature.status is SS.accepted
    assert signature.decided_at == T0 + timedelta(days=3)
    assert signature.review_comment is None  # the old change request no longer applies


def test_signature_rejection_keeps_the_reason():
    signature = Signature(status=SS.submitted)
    signature.reject(None, T0, "Not an organisation")
    assert signature.review_comment == "Not an organisation"
    assert signature.decided_at == T0


def test_saved_signature_starts_draft_and_status_persists_by_name(db, make_org, pledge):
    signature = _save_signature(db, make_org, pledge)
    assert signature.status is SS.draft
    signature.submit(None, T0)
    signature.request_changes(None, T0, "Add a statement")
    db.session.commit()
    signature_id = signature.id
    db.session.expunge_all()

    raw = db.session.execute(
        sa.text("SELECT status FROM signatures WHERE id = :id"), {"id": signature_id}
    ).scalar_one()
    assert raw == "changes_requested"
    reloaded = db.session.get(Signature, signature_id)
    assert reloaded.status is SS.changes_requested
    assert reloaded.review_comment == "Add a statement"
    assert reloaded.submitted_at == T0
    assert reloaded.is_editable


def test_new_unsaved_signature_is_draft_and_can_be_submitted():
    signature = Signature()
    assert signature.status is SS.draft
    assert signature.is_editable
    signature.submit(None, T0)
    assert signature.status is SS.submitted


# --- Commitment -----------------------------------------------------------------------------

CS = CommitmentStatus
COMMITMENT_ALLOWED = {
    (CS.planning, CS.in_progress),
    (CS.in_progress, CS.fulfilled),
    (CS.planning, CS.discontinued),
    (CS.in_progress, CS.discontinued),
    (CS.fulfilled, CS.discontinued),
}
COMMITMENT_SAME = {(s, s) for s in CS}


@pytest.mark.parametrize(("start", "to"), _pairs(CS, CS, COMMITMENT_ALLOWED, valid=True))
def test_commitment_allowed_status_change(start, to):
    commitment = Commitment(status=start)
    commitment.set_status(to)
    assert commitment.status is to


@pytest.mark.parametrize(
    ("start", "to"), _pairs(CS, CS, COMMITMENT_ALLOWED | COMMITMENT_SAME, valid=False)
)
def test_commitment_refused_status_change_raises_and_keeps_status(start, to):
    commitment = Commitment(status=start)
    with pytest.raises(InvalidTransition):
        commitment.set_status(to)
    assert commitment.status is start


@pytest.mark.parametrize("status", list(CS), ids=lambda s: s.name)
def test_commitment_same_status_is_a_no_op(status):
    commitment = Commitment(status=status)
    commitment.set_status(status)
    assert commitment.status is status


def test_commitment_full_path_and_persisted_status(db, make_org, pledge):
    commitment = _save_commitment(db, make_org, pledge)
    assert commitment.status is CS.planning
    commitment.set_status(CS.in_progress)
    commitment.set_status(CS.fulfilled)
    db.session.commit()
    commitment_id = commitment.id
    db.session.expunge_all()
    assert db.session.get(Commitment, commitment_id).status is CS.fulfilled


def test_new_unsaved_commitment_is_planning():
    commitment = Commitment(title="New")
    assert commitment.status is CS.planning
    commitment.set_status(CS.in_progress)


# --- ProgressUpdate -------------------------------------------------------------------------

RS = ReviewState
REVIEW_ACTIONS = {
    RS.submitted: lambda u, by, now: u.submit(by, now),
    RS.verified: lambda u, by, now: u.verify(by, now),
    RS.returned: lambda u, by, now: u.return_(by, now, "Add evidence links"),
}
REVIEW_ALLOWED = {
    (RS.draft, RS.submitted),
    (RS.submitted, RS.verified),
    (RS.submitted, RS.returned),
    (RS.returned, RS.submitted),
}


def test_every_review_state_is_covered_by_the_matrix():
    assert set(REVIEW_ACTIONS) == set(RS) - {RS.draft}


@pytest.mark.parametrize(("start", "to"), _pairs(RS, REVIEW_ACTIONS, REVIEW_ALLOWED, valid=True))
def test_progress_update_allowed_review_transition(start, to):
    update = ProgressUpdate(review_state=start)
    REVIEW_ACTIONS[to](update, None, T0)
    assert update.review_state is to


@pytest.mark.parametrize(("start", "to"), _pairs(RS, REVIEW_ACTIONS, REVIEW_ALLOWED, valid=False))
def test_progress_update_refused_review_transition_raises_and_keeps_state(start, to):
    update = ProgressUpdate(review_state=start)
    with pytest.raises(InvalidTransition):
        REVIEW_ACTIONS[to](update, None, T0)
    assert update.review_state is start
    assert update.submitted_at is None
    assert update.reviewed_at is None


@pytest.mark.parametrize("blank", ["", "  ", None])
def test_progress_update_return_needs_a_comment(blank):
    update = ProgressUpdate(review_state=RS.submitted)
    with pytest.raises(InvalidTransition):
        update.return_(None, T0, blank)
    assert update.review_state is RS.submitted
    assert update.review_comment is None


@pytest.mark.parametrize("state", list(RS), ids=lambda s: s.name)
def test_progress_update_is_editable_until_verified(state):
    assert ProgressUpdate(review_state=state).is_editable is (state is not RS.verified)


def test_progress_update_review_records_who_when_and_comment():
    reporter, reviewer = SimpleNamespace(id=11), SimpleNamespace(id=22)
    update = ProgressUpdate(review_state=RS.draft)

    update.submit(reporter, T0)
    assert (update.submitted_by_id, update.submitted_at) == (11, T0)

    update.return_(reviewer, T0 + timedelta(hours=1), "Add evidence links")
    assert update.review_state is RS.returned
    assert (update.reviewed_by_id, update.reviewed_at) == (22, T0 + timedelta(hours=1))
    assert update.review_comment == "Add evidence links"

    update.submit(reporter, T0 + timedelta(hours=2))
    update.verify(reviewer, T0 + timedelta(hours=3))
    assert update.review_state is RS.verified
    assert update.reviewed_at == T0 + timedelta(hours=3)
    assert update.review_comment is None
    assert not update.is_editable


# --- EngagementRecord -----------------------------------------------------------------------

ES = EngagementStage
TARGET_STAGES = [ES.identified, ES.engaged, ES.committed, ES.converted, ES.closed]
PARTNERSHIP_STAGES = [ES.proposed, ES.active, ES.completed, ES.ended]
# What `move_to` allows; committed -> converted exists only through `convert`.
MOVE_ALLOWED = {
    EngagementKind.advocacy_target: {
        (ES.identified, ES.engaged),
        (ES.engaged, ES.committed),
        (ES.committed, ES.closed),
        (ES.identified, ES.closed),
        (ES.engaged, ES.closed),
    },
    EngagementKind.partnership: {
        (ES.proposed, ES.active),
        (ES.active, ES.completed),
        (ES.active, ES.ended),
        (ES.proposed, ES.ended),
    },
}
STAGES_OF = {
    EngagementKind.advocacy_target: TARGET_STAGES,
    EngagementKind.partnership: PARTNERSHIP_STAGES,
}


def test_engagement_stages_split_between_the_two_kinds():
    assert set(TARGET_STAGES) | set(PARTNERSHIP_STAGES) == set(ES)
    assert not set(TARGET_STAGES) & set(PARTNERSHIP_STAGES)


def _move_params(*, valid: bool):
    return [
        pytest.param(kind, a, b, id=f"{kind.name}:{a.name}->{b.name}")
        for kind, stages in STAGES_OF.items()
        for a in stages
        for b in ES
        if ((a, b) in MOVE_ALLOWED[kind]) is valid
    ]


@pytest.mark.parametrize(("kind", "start", "to"), _move_params(valid=True))
def test_engagement_allowed_move(kind, start, to):
    record = EngagementRecord(kind=kind, title="x", stage=start)
    record.move_to(to, T0)
    assert record.stage is to
    assert record.stage_changed_at == T0


@pytest.mark.parametrize(("kind", "start", "to"), _move_params(valid=False))
def test_engagement_refused_move_raises_and_keeps_stage(kind, start, to):
    record = EngagementRecord(kind=kind, title="x", stage=start)
    with pytest.raises(InvalidTransition):
        record.move_to(to, T0)
    assert record.stage is start
    assert record.stage_changed_at is None


@pytest.mark.parametrize(
    ("kind", "start"),
    [pytest.param(k, s, id=f"{k.name}:{s.name}") for k, ss in STAGES_OF.items() for s in ss],
)
def test_move_to_converted_always_raises(kind, start):
    record = EngagementRecord(kind=kind, title="x", stage=start)
    with pytest.raises(InvalidTransition):
        record.move_to(ES.converted, T0)
    assert record.stage is start


@pytest.mark.parametrize(
    ("kind", "initial"),
    [(EngagementKind.advocacy_target, ES.identified), (EngagementKind.partnership, ES.proposed)],
    ids=lambda v: v.name,
)
def test_new_engagement_record_starts_at_the_kind_initial_stage(db, make_org, kind, initial):
    record = EngagementRecord(kind=kind, title="Platform X", organisation=make_org())
    assert record.stage is initial
    db.session.add(record)
    db.session.commit()
    record_id = record.id
    db.session.expunge_all()
    assert db.session.get(EngagementRecord, record_id).stage is initial


@pytest.mark.parametrize("start", [s for s in TARGET_STAGES if s is not ES.committed])
def test_convert_needs_a_committed_target(start):
    target = EngagementRecord(kind=EngagementKind.advocacy_target, title="x", stage=start)
    with pytest.raises(InvalidTransition):
        target.convert(None, T0)
    assert target.stage is start
    assert target.converted_at is None
    assert target.converted_into is None


@pytest.mark.parametrize("start", PARTNERSHIP_STAGES, ids=lambda s: s.name)
def test_converting_a_partnership_raises(start):
    partnership = EngagementRecord(kind=EngagementKind.partnership, title="x", stage=start)
    with pytest.raises(InvalidTransition):
        partnership.convert(None, T0)
    assert partnership.stage is start
    assert partnership.converted_at is None


def test_convert_turns_a_committed_target_into_a_linked_partnership(db, make_org, make_user):
    organisation = make_org(name="Platform X")
    coordinator = make_user(Role.coordinator)
    areas = list(
        db.session.scalars(
            sa.select(VocabularyTerm)
            .where(VocabularyTerm.kind == VocabularyKind.action_area)
            .order_by(VocabularyTerm.position)
            .limit(2)
        )
    )
    target = EngagementRecord(
        organisation=organisation,
        kind=EngagementKind.advocacy_target,
        title="Moderate hate speech in Amharic",
        purpose_areas=areas,
        countries=["ETH"],
        identified_at=T0 - timedelta(days=10),
    )
    target.move_to(ES.engaged, T0)
    target.move_to(ES.committed, T0 + timedelta(days=1))
    converted_at = T0 + timedelta(days=30)

    partnership = target.convert(coordinator, converted_at)

    assert partnership is not target
    assert partnership.kind is EngagementKind.partnership
    assert partnership.stage is ES.proposed
    assert partnership.converted_from is target
    assert target.converted_into is partnership
    assert partnership.organisation is organisation
    assert partnership.title == target.title
    assert partnership.purpose_areas == areas
    assert partnership.countries == ["ETH"]
    assert partnership.countries is not target.countries
    assert target.kind is EngagementKind.advocacy_target
    assert target.stage is ES.converted
    assert target.stage_changed_at == converted_at
    assert (target.converted_by, target.converted_at) == (coordinator, converted_at)

    db.session.add_all([target, partnership])
    db.session.commit()
    target_id, partnership_id = target.id, partnership.id
    coordinator_id, organisation_id = coordinator.id, organisation.id
    area_codes = [a.code for a in areas]
    db.session.expunge_all()

    target = db.session.get(EngagementRecord, target_id)
    partnership = db.session.get(EngagementRecord, partnership_id)
    assert partnership.converted_from_id == target_id
    assert partnership.converted_from is target
    assert target.converted_into is partnership
    assert target.converted_from is None
    assert partnership.converted_into is None
    assert target.stage is ES.converted
    assert target.converted_by_id == coordinator_id
    assert target.converted_at == converted_at
    assert partnership.kind is EngagementKind.partnership
    assert partnership.organisation_id == organisation_id
    assert [a.code for a in partnership.purpose_areas] == area_codes

    with pytest.raises(InvalidTransition):
        target.convert(None, converted_at)


def test_converted_partnership_follows_the_partnership_stages():
    target = EngagementRecord(
        kind=EngagementKind.advocacy_target, title="x", stage=ES.committed, identified_at=T0
    )
    partnership = target.convert(None, T0)
    partnership.move_to(ES.active, T0)
    partnership.move_to(ES.completed, T0)
    assert partnership.stage is ES.completed
    with pytest.raises(InvalidTransition):
        target.move_to(ES.closed, T0)  # converted is final for the target


# --- SubmissionWindow -----------------------------------------------------------------------

OPENS, CLOSES = T0, T0 + timedelta(days=30)


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "now", "expected"),
    [
        pytest.param(OPENS, CLOSES, OPENS - TICK, False, id="just-before-opening"),
        pytest.param(OPENS, CLOSES, OPENS, True, id="at-opening"),
        pytest.param(OPENS, CLOSES, OPENS + timedelta(days=1), True, id="inside"),
        pytest.param(OPENS, CLOSES, CLOSES - TICK, True, id="just-before-closing"),
        pytest.param(OPENS, CLOSES, CLOSES, False, id="at-closing"),
        pytest.param(OPENS, CLOSES, CLOSES + timedelta(days=1), False, id="after-closing"),
        pytest.param(None, None, datetime(1970, 1, 1, tzinfo=UTC), True, id="unbounded-past"),
        pytest.param(None, None, datetime(2999, 1, 1, tzinfo=UTC), True, id="unbounded-future"),
        pytest.param(None, CLOSES, datetime(1970, 1, 1, tzinfo=UTC), True, id="no-open-early"),
        pytest.param(None, CLOSES, CLOSES - TICK, True, id="no-open-before-close"),
        pytest.param(None, CLOSES, CLOSES, False, id="no-open-at-close"),
        pytest.param(OPENS, None, OPENS - TICK, False, id="no-close-before-open"),
        pytest.param(OPENS, None, OPENS, True, id="no-close-at-open"),
        pytest.param(OPENS, None, datetime(2999, 1, 1, tzinfo=UTC), True, id="no-close-late"),
    ],
)
def test_window_is_open(opens_at, closes_at, now, expected):
    window = SubmissionWindow(opens_at=opens_at, closes_at=closes_at)
    assert window.is_open(now) is expected


@pytest.mark.parametrize(
    ("opens_at", "closes_at"),
    [(None, None), (OPENS, CLOSES), (OPENS, None), (None, CLOSES)],
    ids=["unbounded", "bounded", "open-ended", "no-start"],
)
@pytest.mark.parametrize("now", [OPENS - TICK, OPENS, OPENS + timedelta(days=1), CLOSES])
def test_manually_closed_window_is_always_closed(opens_at, closes_at, now):
    window = SubmissionWindow(opens_at=opens_at, closes_at=closes_at, is_manually_closed=True)
    assert window.is_open(now) is False


def test_window_compares_instants_not_wall_clocks():
    window = SubmissionWindow(opens_at=OPENS, closes_at=CLOSES)
    plus_two = timezone(timedelta(hours=2))
    # 13:59 at UTC+2 is 11:59 UTC, one minute before opening.
    assert not window.is_open(datetime(2025, 6, 1, 13, 59, tzinfo=plus_two))
    assert window.is_open(datetime(2025, 6, 1, 14, 0, tzinfo=plus_two))


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "manual", "now", "expected"),
    [
        pytest.param(OPENS, CLOSES, False, OPENS - timedelta(days=1), OPENS, id="future-opening"),
        pytest.param(OPENS, None, False, OPENS - TICK, OPENS, id="future-open-ended"),
        pytest.param(OPENS, CLOSES, False, OPENS, None, id="open-now"),
        pytest.param(None, None, False, OPENS, None, id="always-open"),
        pytest.param(OPENS, CLOSES, False, CLOSES, None, id="closed-for-good"),
        pytest.param(None, CLOSES, False, CLOSES + TICK, None, id="closed-no-start"),
        pytest.param(OPENS, CLOSES, True, OPENS - TICK, None, id="manual-before-opening"),
        pytest.param(OPENS, CLOSES, True, OPENS, None, id="manual-inside"),
        pytest.param(None, None, True, OPENS, None, id="manual-unbounded"),
    ],
)
def test_window_reopens_at(opens_at, closes_at, manual, now, expected):
    window = SubmissionWindow(opens_at=opens_at, closes_at=closes_at, is_manually_closed=manual)
    assert window.reopens_at(now) == expected


def test_saved_window_keeps_bounds_and_default_closed_message(db, pledge):
    window = SubmissionWindow(
        pledge=pledge,
        kind=WindowKind.progress,
        label="High-Level Officials Meeting 2025 progress review",
        opens_at=OPENS,
        closes_at=CLOSES,
    )
    db.session.add(window)
    db.session.commit()
    window_id = window.id
    db.session.expunge_all()

    window = db.session.get(SubmissionWindow, window_id)
    assert (window.opens_at, window.closes_at) == (OPENS, CLOSES)
    assert window.is_manually_closed is False
    assert window.closed_message == DEFAULT_CLOSED_MESSAGE
    assert window.is_open(OPENS) and not window.is_open(CLOSES)
    assert window.reopens_at(OPENS - TICK) == OPENS


# --- Invitation -----------------------------------------------------------------------------


def test_hash_token_is_deterministic_and_hides_the_token():
    token = "s3cret-token-value"
    digest = Invitation.hash_token(token)
    assert digest == Invitation.hash_token(token)
    assert digest != token
    assert token not in digest
    assert len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
    assert Invitation.hash_token("another-token") != digest


@pytest.mark.parametrize(
    ("now", "used_at", "expected"),
    [
        pytest.param(T0 - timedelta(days=1), None, True, id="fresh"),
        pytest.param(T0 - TICK, None, True, id="last-moment"),
        pytest.param(T0, None, False, id="at-expiry"),
        pytest.param(T0 + timedelta(days=1), None, False, id="expired"),
        pytest.param(T0 - timedelta(days=1), T0 - timedelta(days=2), False, id="used"),
    ],
)
def test_invitation_is_usable(now, used_at, expected):
    invitation = Invitation(expires_at=T0, used_at=used_at)
    assert invitation.is_usable(now) is expected


def test_invitation_is_single_use():
    invitation = Invitation(expires_at=T0)
    used_at = T0 - timedelta(hours=1)
    invitation.use(used_at)
    assert invitation.used_at == used_at
    assert not invitation.is_usable(used_at)
    with pytest.raises(InvalidTransition):
        invitation.use(used_at + timedelta(minutes=1))
    assert invitation.used_at == used_at


@pytest.mark.parametrize("now", [T0, T0 + timedelta(seconds=1)], ids=["at-expiry", "after"])
def test_expired_invitation_cannot_be_used(now):
    invitation = Invitation(expires_at=T0)
    with pytest.raises(InvalidTransition):
        invitation.use(now)
    assert invitation.used_at is None


def test_saved_invitation_is_found_by_hash_and_stays_used(db, make_org, pledge):
    token = "invite-me-please"
    invitation = Invitation(
        window=pledge.windows[0],
        organisation=make_org(),
        token_hash=Invitation.hash_token(token),
        expires_at=T0,
    )
    db.session.add(invitation)
    db.session.commit()
    db.session.expunge_all()

    found = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == Invitation.hash_token(token))
    )
    assert found is not None and found.is_usable(T0 - TICK)
    found.use(T0 - TICK)
    db.session.commit()
    db.session.expunge_all()

    again = db.session.scalar(sa.select(Invitation))
    assert again.used_at == T0 - TICK
    assert not again.is_usable(T0 - timedelta(days=1))
    with pytest.raises(InvalidTransition):
        again.use(T0 - timedelta(days=1))


# --- Organisation ---------------------------------------------------------------------------


def _org(**fields) -> Organisation:
    values = {"name": "Zyxwv Collective", "stakeholder_type": StakeholderType.national_ngo}
    return Organisation(**(values | fields))


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("KEN", Region.east_horn_great_lakes),
        ("UGA", Region.east_horn_great_lakes),
        ("COL", Region.americas),
        ("FRA", Region.europe),
        ("SYR", Region.mena),
        ("BGD", Region.asia_pacific),
        (" ken ", Region.east_horn_great_lakes),
    ],
)
def test_country_sets_the_region(country, region):
    organisation = _org(country=country)
    assert organisation.country == country.strip().upper()
    assert organisation.region is region


@pytest.mark.parametrize("country", [None, "", "XXX"])
def test_no_or_unknown_country_has_no_region(country):
    organisation = _org(country="KEN")
    organisation.country = country
    assert organisation.region is None


def test_changing_country_changes_derived_region():
    organisation = _org(country="KEN")
    organisation.country = "FRA"
    assert organisation.region is Region.europe


def test_override_region_survives_country_changes_until_cleared():
    organisation = _org(country="KEN")
    organisation.override_region(Region.southern_africa)
    assert organisation.region is Region.southern_africa
    assert organisation.is_region_overridden

    organisation.country = "FRA"
    assert organisation.region is Region.southern_africa

    organisation.override_region(None)
    assert not organisation.is_region_overridden
    assert organisation.region is Region.europe

    organisation.country = "COL"
    assert organisation.region is Region.americas


def test_override_region_persists(db, make_org):
    organisation = make_org(country="KEN")
    organisation.override_region(Region.europe)
    organisation.country = "UGA"
    db.session.commit()
    organisation_id = organisation.id
    db.session.expunge_all()

    reloaded = db.session.get(Organisation, organisation_id)
    assert reloaded.region is Region.europe and reloaded.is_region_overridden
    reloaded.country = "COL"
    assert reloaded.region is Region.europe
    reloaded.override_region(None)
    assert reloaded.region is Region.americas


@pytest.mark.parametrize("first", ["type", "flag"])
def test_refugee_led_organisation_type_is_always_refugee_led(first):
    fields = {"is_refugee_led": False, "stakeholder_type": StakeholderType.refugee_led_organisation}
    if first == "type":
        fields = dict(reversed(list(fields.items())))
    organisation = _org(**fields)
    assert organisation.is_refugee_led is True
    organisation.is_refugee_led = False
    assert organisation.is_refugee_led is True


def test_setting_refugee_led_type_later_sets_the_flag():
    organisation = _org(stakeholder_type=StakeholderType.media_outlet, is_refugee_led=False)
    assert organisation.is_refugee_led is False
    organisation.stakeholder_type = StakeholderType.refugee_led_organisation
    assert organisation.is_refugee_led is True


def test_other_types_may_be_refugee_led_or_not():
    organisation = _org(stakeholder_type=StakeholderType.media_outlet, is_refugee_led=True)
    assert organisation.is_refugee_led is True
    organisation.is_refugee_led = False
    assert organisation.is_refugee_led is False


# --- Timestamps -----------------------------------------------------------------------------


def test_timestamps_are_aware_utc_after_a_round_trip(db, make_org):
    organisation_id = make_org().id
    db.session.expunge_all()
    organisation = db.session.get(Organisation, organisation_id)
    for stamp in (organisation.created_at, organisation.updated_at):
        assert stamp.tzinfo is not None
        assert stamp.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)


def test_updated_at_moves_on_update_and_created_at_does_not(db, make_org):
    organisation = make_org()
    created_at = organisation.created_at
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    # Backdate outside the ORM so the ORM update has to set updated_at itself.
    db.session.execute(
        sa.text("UPDATE organisations SET updated_at = :at WHERE id = :id"),
        {"at": long_ago.replace(tzinfo=None), "id": organisation.id},
    )
    db.session.commit()
    assert organisation.updated_at == long_ago

    organisation.name = "Renamed"
    db.session.commit()
    organisation_id = organisation.id
    db.session.expunge_all()

    reloaded = db.session.get(Organisation, organisation_id)
    assert reloaded.updated_at > long_ago
    assert abs(datetime.now(UTC) - reloaded.updated_at) < timedelta(minutes=5)
    assert reloaded.created_at == created_at


def test_aware_non_utc_datetime_is_stored_as_the_same_instant_in_utc(db, pledge):
    window = pledge.windows[0]
    nairobi = timezone(timedelta(hours=3))
    window.closes_at = datetime(2025, 7, 1, 15, 0, tzinfo=nairobi)
    db.session.commit()
    window_id = window.id
    db.session.expunge_all()

    closes_at = db.session.get(SubmissionWindow, window_id).closes_at
    assert closes_at == datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert closes_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "assign",
    [
        pytest.param(lambda w: setattr(w, "closes_at", datetime(2025, 7, 1)), id="closes_at"),
        pytest.param(lambda w: setattr(w, "opens_at", datetime(2025, 1, 1)), id="opens_at"),
        pytest.param(lambda w: setattr(w, "updated_at", datetime(2025, 1, 1)), id="updated_at"),
    ],
)
def test_naive_datetime_is_refused_on_flush(db, pledge, assign):
    assign(pledge.windows[0])
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_naive_datetime_is_refused_on_insert(db, pledge):
    db.session.add(
        Invitation(window=pledge.windows[0], token_hash="x" * 64, expires_at=datetime(2025, 1, 1))
    )
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        db.session.flush()
    db.session.rollback()


# --- Optimistic locking ---------------------------------------------------------------------


@pytest.mark.parametrize("model", [Commitment, Signature], ids=lambda m: m.__name__)
def test_concurrent_changes_raise_stale_data(db, make_org, pledge, model):
    commitment = _save_commitment(db, make_org, pledge)
    record = commitment if model is Commitment else commitment.signature
    record_id, first_version = record.id, record.version
    field = "title" if model is Commitment else "statement"

    mine = db.session.get(model, record_id)
    assert mine.version == first_version
    other_session = Session(db.engine)
    try:
        theirs = other_session.get(model, record_id)
        setattr(theirs, field, "Their change")
        other_session.commit()
        assert theirs.version == first_version + 1
    finally:
        other_session.close()

    setattr(mine, field, "My change")
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()

    db.session.expunge_all()
    assert getattr(db.session.get(model, record_id), field) == "Their change"


@pytest.mark.parametrize("model", [Commitment, Signature], ids=lambda m: m.__name__)
def test_version_increments_on_each_update(db, make_org, pledge, model):
    commitment = _save_commitment(db, make_org, pledge)
    record = commitment if model is Commitment else commitment.signature
    first = record.version
    if model is Commitment:
        record.set_status(CS.in_progress)
    else:
        record.submit(None, T0)
    db.session.commit()
    assert record.version == first + 1


def test_a_target_cannot_be_converted_before_it_was_identified(db, make_org):
    """Time to convert is never negative: the model refuses such a conversion, and the database
    refuses such a row."""
    target = EngagementRecord(
        organisation=make_org(),
        kind=EngagementKind.advocacy_target,
        title="Target",
        identified_at=T0,
    )
    target.move_to(ES.engaged, T0)
    target.move_to(ES.committed, T0)
    with pytest.raises(InvalidTransition, match="before it was identified"):
        target.convert(None, T0 - timedelta(days=1))
    with acting_as(label="test-setup"):
        db.session.add(target)
        db.session.flush()
        target.converted_at = T0 - timedelta(days=1)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
