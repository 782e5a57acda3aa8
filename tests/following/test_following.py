"""Following commitments, organisations and pledges, and the daily digest e-mail."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.following import operations as following_ops
from registry.models import (
    Commitment,
    CommitmentRevision,
    CommitmentStatus,
    Digest,
    Follow,
    FollowKind,
    OutboxMessage,
    ProgressUpdate,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.pledges import operations as pledge_ops
from tests.conftest import body_of

DAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _signed(db, pledge, organisation, titles, status=SignatureStatus.accepted):
    with acting_as(label="test"):
        signature = Signature(pledge=pledge, organisation=organisation)
        db.session.add(signature)
        signature.commitments = [
            Commitment(title=t, description="d", key_outcome=pledge.key_outcomes[0]) for t in titles
        ]
        signature.status = status
        db.session.commit()
    return signature


def _set_status(db, commitment, to, when):
    with acting_as(label="test"):
        commitment = db.session.get(Commitment, commitment.id)
        commitment.set_status(to, when)
        db.session.commit()


def _follow(db, user, kind, entity_id):
    with acting_as(user):
        following_ops.follow(user, kind, entity_id)
        db.session.commit()


def _send(app, day=DAY):
    return app.test_cli_runner().invoke(
        args=["registry", "send-digests", "--date", day.isoformat()]
    )


@pytest.fixture
def tech(db, pledge, make_org):
    return _signed(db, pledge, make_org(name="Tech Co"), ["Moderation in Swahili"])


@pytest.fixture
def follower(make_user):
    return make_user(role=Role.stakeholder, name="Fatou Follower")


# -- following -----------------------------------------------------------------------------


def test_follow_and_unfollow_a_public_commitment(client, db, tech, follower, login_as):
    commitment = tech.commitments[0]
    page = f"/commitments/{commitment.id}"
    assert "Follow</button>" not in client.get(page).get_data(as_text=True)  # signed out
    login_as(follower)
    assert "Follow</button>" in client.get(page).get_data(as_text=True)
    response = client.post(f"/account/following/commitment/{commitment.id}", data={"next": page})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert "Unfollow</button>" in client.get(page).get_data(as_text=True)
    mine = client.get("/account/following").get_data(as_text=True)
    assert "Moderation in Swahili" in mine
    client.post(f"/account/following/commitment/{commitment.id}/unfollow")
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0
    assert "Moderation in Swahili" not in client.get("/account/following").get_data(as_text=True)


def test_a_cached_public_page_never_shows_a_stale_follow_button(client, tech, follower, login_as):
    page = f"/commitments/{tech.commitments[0].id}"
    login_as(follower)
    etag = client.get(page).headers["ETag"]
    assert client.get(page, headers={"If-None-Match": etag}).status_code == 304
    client.post(f"/account/following/commitment/{tech.commitments[0].id}")
    response = client.get(page, headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Unfollow</button>" in response.get_data(as_text=True)


def test_follow_an_organisation_and_a_pledge(client, db, pledge, tech, follower, login_as):
    login_as(follower)
    client.post(f"/account/following/organisation/{tech.organisation_id}")
    client.post(f"/account/following/pledge/{pledge.id}")
    client.post(f"/account/following/pledge/{pledge.id}")  # twice: still one
    kinds = db.session.scalars(select(Follow.kind).where(Follow.user_id == follower.id)).all()
    assert sorted(k.name for k in kinds) == ["organisation", "pledge"]
    assert "Unfollow</button>" in client.get(f"/pledges/{pledge.slug}").get_data(as_text=True)
    mine = client.get("/account/following").get_data(as_text=True)
    assert "Tech Co" in mine and pledge.title in mine


def test_stakeholders_follow_their_own_organisation_and_staff_any(
    client, db, pledge, make_org, make_user, login_as, coordinator
):
    hidden = make_org(name="Quiet Shelter", visibility=Visibility.hidden)
    member = make_user(role=Role.stakeholder, organisation=hidden)
    login_as(member)
    assert "Follow</button>" in client.get("/my-organisation").get_data(as_text=True)
    assert client.post(f"/account/following/organisation/{hidden.id}").status_code == 302
    client.post("/account/logout")
    login_as(coordinator)
    page = client.get(f"/coordinate/organisations/{hidden.id}").get_data(as_text=True)
    assert "Follow</button>" in page
    assert client.post(f"/account/following/organisation/{hidden.id}").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 2


def test_following_what_one_may_not_see_is_404(client, db, pledge, make_org, follower, login_as):
    hidden = _signed(db, pledge, make_org(visibility=Visibility.hidden), ["Hidden work"])
    anonymised = _signed(
        db, pledge, make_org(visibility=Visibility.anonymised), ["Anonymised work"]
    )
    draft = _signed(db, pledge, make_org(), ["Draft work"], status=SignatureStatus.draft)
    login_as(follower)
    for path in (
        f"commitment/{hidden.commitments[0].id}",
        f"commitment/{draft.commitments[0].id}",
        f"organisation/{hidden.organisation_id}",
        f"organisation/{anonymised.organisation_id}",  # no public page: never linkable
        f"organisation/{draft.organisation_id}",
        "commitment/99999",
        "pledge/99999",
        f"nonsense/{pledge.id}",
    ):
        assert client.post(f"/account/following/{path}").status_code == 404, path
    # The anonymised organisation's commitment is on a public page: it may be followed.
    assert (
        client.post(f"/account/following/commitment/{anonymised.commitments[0].id}").status_code
        == 302
    )
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1


def test_follow_needs_a_csrf_token(app, client, tech, follower, login_as):
    login_as(follower)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/account/following/commitment/{tech.commitments[0].id}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


# -- the digest ----------------------------------------------------------------------------


def test_the_digest_holds_exactly_the_days_changes(app, db, pledge, tech, follower, smtp):
    commitment = tech.commitments[0]
    _follow(db, follower, FollowKind.commitment, commitment.id)
    before, after = DAY - timedelta(days=1), DAY + timedelta(days=1)
    _set_status(db, commitment, CommitmentStatus.in_progress, at(before, 23, 59))
    _set_status(db, commitment, CommitmentStatus.discontinued, at(DAY, 0, 0))
    with acting_as(label="test"):
        window = pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM review")
        update = ProgressUpdate(
            commitment_id=commitment.id,
            window=window,
            status=CommitmentStatus.in_progress,
            progress_percent=40,
        )
        db.session.add(update)
        update.submit(follower, at(DAY, 9))
        update.verify(None, at(DAY, 23, 59))
        for when, field in ((at(DAY, 12), "target_date"), (at(after, 0), "title")):
            db.session.add(
                CommitmentRevision(
                    commitment_id=commitment.id,
                    kind="amendment",
                    changes={field: ["a", "b"]},
                    at=when,
                )
            )
        db.session.commit()

    result = _send(app)
    assert result.exit_code == 0 and "Sent 1 digest for 2026-03-10" in result.output
    [message] = smtp.wait_for(1)
    body = body_of(message)
    assert message["To"] == follower.email
    assert "10 March 2026" in message["Subject"]
    assert "Moderation in Swahili (Tech Co)" in body
    assert "Status changed from In progress to Discontinued." in body
    assert "Planning to In progress" not in body  # the day before
    assert "A progress update was verified: In progress, 40 %." in body
    assert "changed: dates." in body
    assert "changed: title" not in body  # the day after
    assert f"http://registry.test/commitments/{commitment.id}" in body
    assert "http://registry.test/account/following" in body

    again = _send(app)
    assert again.exit_code == 0 and "Sent 0 digests" in again.output
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert db.session.scalar(select(Digest.change_count)) == 3


def test_no_digest_when_nothing_changed(app, db, tech, follower, smtp):
    _follow(db, follower, FollowKind.organisation, tech.organisation_id)
    # A change on another day, and one of a commitment nobody follows.
    _set_status(db, tech.commitments[0], CommitmentStatus.in_progress, at(DAY, 10))
    result = _send(app, DAY + timedelta(days=1))
    assert result.exit_code == 0 and "Sent 0 digests" in result.output
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Digest)) == 0


def test_a_followed_pledge_reports_new_commitments_and_in_the_readers_language(
    app, db, pledge, make_org, make_user, smtp
):
    reader = make_user(role=Role.stakeholder, name="Amélie")
    with acting_as(label="test"):
        reader.preferred_language = "fr"
        db.session.commit()
    _follow(db, reader, FollowKind.pledge, pledge.id)
    _signed(db, pledge, make_org(name="Radio Libre"), ["Fact-checking"])  # accepted today
    with acting_as(label="test"):
        sent = following_ops.send_digests(utcnow().date())
        db.session.commit()
    assert [(u.id, n) for u, n in sent] == [(reader.id, 1)]
    [message] = smtp.wait_for(1)
    body = body_of(message)
    assert "Bonjour Amélie" in body
    assert "Nouvel engagement." in body and "Fact-checking (Radio Libre)" in body
    assert "Ce qui a changé" in message["Subject"]


def test_a_protected_organisation_is_never_named_to_another_organisations_follower(
    app, db, pledge, make_org, make_user, follower, coordinator, smtp
):
    secret = make_org(
        name="Secret Refugee Network",
        stakeholder_type=StakeholderType.refugee_led_organisation,
        is_refugee_led=True,
        visibility=Visibility.anonymised,
    )
    protected = _signed(db, pledge, secret, ["Secret Refugee Network helpline"])
    friend = _signed(
        db, pledge, make_org(name="Open Org"), ["Training with Secret Refugee Network"]
    )
    for reader in (follower, coordinator):
        _follow(db, reader, FollowKind.pledge, pledge.id)
    for signature in (protected, friend):
        _set_status(db, signature.commitments[0], CommitmentStatus.in_progress, at(DAY, 10))

    assert "Sent 2 digests" in _send(app).output
    by_reader = {m["To"]: body_of(m) for m in smtp.wait_for(2)}
    public = by_reader[follower.email]
    assert public.count("Status changed from Planning to In progress.") == 2
    assert "secret refugee network" not in public.casefold()
    assert "refugee-led organisation" in public.casefold()
    internal = by_reader[coordinator.email]
    assert "Secret Refugee Network helpline (Secret Refugee Network)" in internal
    assert f"http://registry.test/coordinate/commitments/{protected.commitments[0].id}" in internal


@pytest.mark.parametrize(
    ("args", "reason"),
    [(["--date", "10/03/2026"], "YYYY-MM-DD"), (["--date", "2999-01-01"], "not over yet")],
)
def test_send_digests_bad_input(app, db, args, reason):
    result = app.test_cli_runner().invoke(args=["registry", "send-digests", *args])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and reason in result.output


def test_the_digest_job_sends_the_previous_day(app, db, tech, follower, smtp):
    from registry.following.jobs import previous_day, send_daily_digests

    _follow(db, follower, FollowKind.commitment, tech.commitments[0].id)
    _set_status(db, tech.commitments[0], CommitmentStatus.in_progress, at(previous_day(), 8))
    assert send_daily_digests() == 1
    assert send_daily_digests() == 0
    assert len(smtp.wait_for(1)) == 1


def test_a_scoped_coordinator_follows_and_reads_only_within_the_scope(
    app, client, db, pledge, make_org, make_user, login_as, smtp
):
    inside = _signed(db, pledge, make_org(name="Kenyan NGO", country="KEN"), ["Inside work"])
    outside = _signed(db, pledge, make_org(name="French NGO", country="FRA"), ["Outside work"])
    scoped = make_user(role=Role.coordinator, email="scoped@agency.example.org")
    with acting_as(label="test"):
        scoped.scope_regions = ["east_horn_great_lakes"]
        db.session.commit()
    login_as(scoped)
    assert (
        client.post(f"/account/following/organisation/{outside.organisation_id}").status_code == 404
    )
    assert (
        client.post(f"/account/following/commitment/{outside.commitments[0].id}").status_code == 404
    )
    assert (
        client.post(f"/account/following/organisation/{inside.organisation_id}").status_code == 302
    )
    assert client.post(f"/account/following/pledge/{pledge.id}").status_code == 302
    for signature in (inside, outside):
        _set_status(db, signature.commitments[0], CommitmentStatus.in_progress, at(DAY, 10))
    assert "Sent 1 digest" in _send(app).output
    body = body_of(smtp.wait_for(1)[0])
    assert "Inside work" in body and "Outside work" not in body and "French NGO" not in body
