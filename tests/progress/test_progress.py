"""Progress reporting: updates, window enforcement, verification, reminders, roll-up."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    Invitation,
    ProgressUpdate,
    Reminder,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.pledges import operations as pledge_ops
from registry.policies import INVITATIONS_SESSION_KEY
from registry.progress import operations as progress_ops
from registry.progress import queries as progress_queries
from tests.conftest import PASSWORD, body_of

REPORT = "/report/digital-protection"
UPDATE = {"status": "in_progress", "progress_percent": "40", "achievements": "Trained 40"}


def _signatory(db, pledge, make_org, make_user, name, titles):
    organisation = make_org(name=name)
    user = make_user(role=Role.stakeholder, organisation=organisation)
    with acting_as(label="test"):
        signature = Signature(pledge=pledge, organisation=organisation)
        db.session.add(signature)
        signature.commitments = [
            Commitment(title=t, description="d", key_outcome=pledge.key_outcomes[i % 3])
            for i, t in enumerate(titles)
        ]
        signature.status = SignatureStatus.accepted
        db.session.commit()
    return user, signature


@pytest.fixture
def window(db, pledge):
    with acting_as(label="test"):
        opened = pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM 2025 review")
        db.session.commit()
    return opened


@pytest.fixture
def reporter(db, pledge, make_org, make_user, window):
    return _signatory(db, pledge, make_org, make_user, "Tech Co", ["Moderation", "Literacy"])


def _update(db, commitment, window):
    db.session.expire_all()
    return db.session.scalar(
        select(ProgressUpdate).where(
            ProgressUpdate.commitment_id == commitment.id, ProgressUpdate.window_id == window.id
        )
    )


def test_draft_then_submit_changes_reporting_status(client, db, reporter, window, login_as):
    user, signature = reporter
    first = signature.commitments[0]
    login_as(user)
    page = client.get(REPORT).get_data(as_text=True)
    assert "Moderation" in page and page.count("Due</span>") == 3  # 2 rows + organisation
    client.post(f"{REPORT}/commitments/{first.id}", data=UPDATE | {"save_draft": "y"})
    assert _update(db, first, window).review_state is ReviewState.draft
    assert (
        client.get(REPORT).get_data(as_text=True).count("Due</span>") == 3
    )  # a draft is not a report
    client.post(f"{REPORT}/commitments/{first.id}", data=UPDATE | {"submit_update": "y"})
    assert _update(db, first, window).review_state is ReviewState.submitted
    page = client.get(REPORT).get_data(as_text=True)
    assert "Reported</span>" in page


def test_not_reported_is_not_zero(client, db, reporter, window, login_as, make_user):
    user, signature = reporter
    blank, zero = signature.commitments
    login_as(user)
    for commitment, percent in ((blank, ""), (zero, "0")):
        data = UPDATE | {"progress_percent": percent, "submit_update": "y"}
        client.post(f"{REPORT}/commitments/{commitment.id}", data=data)
    coordinator = make_user(role=Role.coordinator)
    with acting_as(coordinator):
        for commitment in (blank, zero):
            progress_ops.verify_progress_update(_update(db, commitment, window), coordinator)
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Commitment, blank.id).progress_percent is None
    assert db.session.get(Commitment, zero.id).progress_percent == 0
    rows = client.get(REPORT).get_data(as_text=True).split("<tr>")
    assert "not reported" in next(r for r in rows if "Moderation" in r)
    assert "0 %" in next(r for r in rows if "Literacy" in r)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"progress_percent": "150"}, "Enter a percentage from 0 to 100"),
        ({"progress_percent": "-1"}, "Enter a percentage from 0 to 100"),
        ({"status": "fulfilled", "progress_percent": "60"}, "Correct the percentage, or tick"),
        ({"evidence_links": "https://ok.example.org\njavascript:alert(1)"}, "http://"),
        ({"status": ""}, "Choose the commitment"),
    ],
)
def test_bad_updates_are_refused_and_nothing_written(
    client, db, reporter, window, login_as, change, message
):
    user, signature = reporter
    login_as(user)
    url = f"{REPORT}/commitments/{signature.commitments[0].id}"
    response = client.post(url, data=UPDATE | change | {"submit_update": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert "Trained 40" in page  # input kept
    assert _update(db, signature.commitments[0], window) is None


def test_fulfilled_below_100_is_saved_once_confirmed(client, db, reporter, window, login_as):
    user, signature = reporter
    login_as(user)
    data = UPDATE | {"status": "fulfilled", "progress_percent": "90", "confirm_fulfilled": "y"}
    client.post(f"{REPORT}/commitments/{signature.commitments[0].id}", data=data)
    update = _update(db, signature.commitments[0], window)
    assert (update.status, update.progress_percent) == (CommitmentStatus.fulfilled, 90)


def test_another_organisations_commitment_is_404(
    client, db, pledge, reporter, window, make_org, make_user, login_as
):
    _user, signature = reporter
    other_user, _other = _signatory(db, pledge, make_org, make_user, "Other", ["Theirs"])
    login_as(other_user)
    url = f"{REPORT}/commitments/{signature.commitments[0].id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data=UPDATE | {"submit_update": "y"}).status_code == 404
    assert _update(db, signature.commitments[0], window) is None


@pytest.mark.parametrize("route", ["one", "all"])
@pytest.mark.parametrize("how", ["by hand", "by dates"])
def test_every_progress_write_is_refused_while_closed(
    client, db, pledge, reporter, window, login_as, route, how
):
    user, signature = reporter
    commitment = signature.commitments[0]
    with acting_as(label="test"):
        if how == "by hand":
            pledge_ops.close_window(pledge, WindowKind.progress, message="Reporting is closed.")
        else:
            window.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    login_as(user)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    if route == "one":
        response = client.post(
            f"{REPORT}/commitments/{commitment.id}", data=UPDATE | {"submit_update": "y"}
        )
    else:
        data = {f"c{commitment.id}-{k}": v for k, v in UPDATE.items()} | {"action": "submit"}
        response = client.post(f"{REPORT}/all", data=data)
    assert response.status_code == 403
    if how == "by hand":
        assert "Reporting is closed." in response.get_data(as_text=True)
    assert _update(db, commitment, window) is None
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert "Overdue</span>" in client.get(REPORT).get_data(as_text=True)


def test_one_page_for_every_commitment(client, db, reporter, window, login_as):
    user, signature = reporter
    first, second = signature.commitments
    login_as(user)
    data = {f"c{first.id}-{k}": v for k, v in UPDATE.items()} | {"action": "submit"}
    data |= {f"c{second.id}-status": ""}  # left empty: skipped
    response = client.post(f"{REPORT}/all", data=data)
    assert response.status_code == 302
    assert _update(db, first, window).review_state is ReviewState.submitted
    assert _update(db, second, window) is None


def test_status_comes_from_the_latest_verified_update_only(
    client, db, pledge, reporter, window, make_user, login_as
):
    user, signature = reporter
    commitment = signature.commitments[0]
    coordinator = make_user(role=Role.coordinator)
    with acting_as(label="test"):
        older = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="Earlier review",
            opens_at=utcnow() - timedelta(days=400),
            closes_at=utcnow() - timedelta(days=300),
        )
        db.session.add(older)
        window.opens_at = utcnow() - timedelta(days=1)
        first = progress_ops.save_progress_update(
            commitment, older, _data("in_progress", 40), user, submit=True
        )
        progress_ops.verify_progress_update(first, coordinator)
        db.session.commit()
    assert (commitment.status, commitment.progress_percent) == (CommitmentStatus.in_progress, 40)
    with acting_as(label="test"):
        latest = progress_ops.save_progress_update(
            commitment, window, _data("fulfilled", 100), user, submit=True
        )
        db.session.commit()
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert commitment.status is CommitmentStatus.in_progress  # submitted is not verified
    with acting_as(label="test"):
        progress_ops.verify_progress_update(db.session.get(ProgressUpdate, latest.id), coordinator)
        db.session.commit()
    assert (commitment.status, commitment.progress_percent) == (CommitmentStatus.fulfilled, 100)


def _data(status, percent):
    return {
        "status": CommitmentStatus[status],
        "progress_percent": percent,
        "actual_value": None,
        "achievements": f"{status} {percent}",
        "challenges": None,
        "next_steps": None,
        "evidence_links": [],
    }


def test_return_with_comment_emails_the_reporter_and_reopens(
    client, db, reporter, window, make_user, login_as, smtp
):
    user, signature = reporter
    commitment = signature.commitments[0]
    login_as(user)
    client.post(f"{REPORT}/commitments/{commitment.id}", data=UPDATE | {"submit_update": "y"})
    update = _update(db, commitment, window)
    coordinator_client = client.application.test_client()
    coordinator = make_user(role=Role.coordinator)
    coordinator_client.post(
        "/account/login",
        data={"email": coordinator.email, "password": PASSWORD},
    )
    queue = coordinator_client.get("/coordinate/progress").get_data(as_text=True)
    assert "Trained 40" in queue

    def seen():  # what the queue page says the coordinator has read
        return str(_update(db, commitment, window).version)

    assert (
        coordinator_client.post(
            f"/coordinate/progress/{update.id}/return", data={"version": seen()}
        ).status_code
        == 302
    )
    assert _update(db, commitment, window).review_state is ReviewState.submitted  # needs a comment
    coordinator_client.post(
        f"/coordinate/progress/{update.id}/return",
        data={"comment": "Add the evidence link.", "version": seen()},
    )
    assert _update(db, commitment, window).review_state is ReviewState.returned
    message = smtp.wait_for(1)[-1]
    assert message["To"] == user.email and "Add the evidence link." in body_of(message)
    # Returned updates can be edited and submitted again; verified ones cannot.
    client.post(f"{REPORT}/commitments/{commitment.id}", data=UPDATE | {"submit_update": "y"})
    assert _update(db, commitment, window).review_state is ReviewState.submitted
    stale = seen()
    client.post(
        f"{REPORT}/commitments/{commitment.id}",
        data=UPDATE
        | {"achievements": "Changed after the coordinator read it", "submit_update": "y"},
    )
    coordinator_client.post(f"/coordinate/progress/{update.id}/verify", data={"version": stale})
    assert _update(db, commitment, window).review_state is ReviewState.submitted  # not unseen text
    coordinator_client.post(f"/coordinate/progress/{update.id}/verify", data={"version": seen()})
    assert _update(db, commitment, window).review_state is ReviewState.verified
    page = client.post(
        f"{REPORT}/commitments/{commitment.id}", data=UPDATE | {"submit_update": "y"}
    ).get_data(as_text=True)
    assert "verified and can no longer be changed" in page
    # Opened again, the verified update says why it takes no input (the window is open).
    page = client.get(f"{REPORT}/commitments/{commitment.id}").get_data(as_text=True)
    assert "This update is verified and can no longer be changed." in page
    assert ">None<" not in page


def test_reminders_once_per_organisation_window_and_day(
    db, pledge, reporter, window, make_org, make_user, smtp
):
    user, signature = reporter
    done_user, done = _signatory(db, pledge, make_org, make_user, "Done org", ["All reported"])
    with acting_as(done_user):
        progress_ops.save_progress_update(
            done.commitments[0], window, _data("in_progress", 10), done_user, submit=True
        )
        db.session.commit()
    for _ in range(2):
        with acting_as(label="test"):
            progress_ops.send_reminders(
                window, progress_queries.due_by_organisation(pledge, window)
            )
            db.session.commit()
    messages = smtp.wait_for(1)
    assert (
        len(smtp.wait_for(2, timeout=0.5)) == 1
    )  # once, and not to the organisation that reported
    assert messages[0]["To"] == user.email
    body = body_of(messages[0])
    assert "Moderation" in body and "Literacy" in body and "/report/digital-protection/" in body
    assert db.session.scalar(select(func.count(Reminder.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "reminder.sent")
        )
        == 1
    )
    # The next day it may be sent again.
    with acting_as(label="test"):
        tomorrow = utcnow().date() + timedelta(days=1)
        due = progress_queries.due_by_organisation(pledge, window)
        assert len(progress_ops.send_reminders(window, due, today=tomorrow)) == 1


def test_reminders_send_one_email_to_each_user_of_the_organisation(
    db, pledge, reporter, window, make_user, smtp
):
    """Each active user gets a message of their own, addressed to them alone: nobody sees
    the other recipients' addresses."""
    user, signature = reporter
    colleague = make_user(organisation=signature.organisation, email="colleague@example.org")
    with acting_as(label="test"):
        due = progress_queries.due_by_organisation(pledge, window)
        progress_ops.send_reminders(window, due)
        db.session.commit()
    messages = smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([user.email, colleague.email])
    assert all("," not in m["To"] and m["Cc"] is None for m in messages)
    by_to = {m["To"]: body_of(m) for m in messages}
    assert f"Hello {colleague.name}," in by_to[colleague.email]
    assert "Moderation" in by_to[user.email] and "Literacy" in by_to[colleague.email]
    assert len(smtp.wait_for(3, timeout=0.5)) == 2


def test_rollup_equals_counting_the_rows(db, pledge, reporter, window, make_org, make_user):
    user, signature = reporter
    other_user, other = _signatory(db, pledge, make_org, make_user, "B", ["x", "y", "z", "w"])
    coordinator = make_user(role=Role.coordinator)
    with acting_as(label="test"):
        update = progress_ops.save_progress_update(
            other.commitments[0], window, _data("fulfilled", 100), other_user, submit=True
        )
        progress_ops.verify_progress_update(update, coordinator)
        progress_ops.save_progress_update(
            signature.commitments[1], window, _data("in_progress", 20), user, submit=True
        )
        db.session.commit()
    rollup = progress_queries.rollup_by_key_outcome(pledge, window)
    commitments = db.session.scalars(select(Commitment)).all()
    reported = {
        u.commitment_id
        for u in db.session.scalars(select(ProgressUpdate))
        if u.review_state is not ReviewState.draft
    }
    for row in rollup:
        mine = [c for c in commitments if c.key_outcome_id == row["key_outcome"].id]
        assert row["commitments"] == len(mine)
        assert row["status_mix"] == {s.name: n for s, n in Counter(c.status for c in mine).items()}
        assert row["reported"] == len({c.id for c in mine} & reported)
    assert sum(r["commitments"] for r in rollup) == 6
    highlights = [u for r in rollup for u in r["highlights"]]
    assert [u.achievements for u in highlights] == ["fulfilled 100"]


def test_an_invitation_lets_a_late_reporter_report_everything_once(
    client, db, pledge, reporter, window, login_as
):
    user, signature = reporter
    with acting_as(label="test"):
        pledge_ops.close_window(pledge, WindowKind.progress)
        invitation, _token = pledge_ops.create_invitation(window, organisation=user.organisation)
        db.session.commit()
    login_as(user)
    with client.session_transaction() as session:
        session[INVITATIONS_SESSION_KEY] = [invitation.id]
    first, second = signature.commitments
    for commitment in (first, second):
        url = f"{REPORT}/commitments/{commitment.id}"
        assert client.post(url, data=UPDATE | {"submit_update": "y"}).status_code == 302
        db.session.expire_all()
        spent = db.session.get(Invitation, invitation.id).used_at is not None
        assert spent is (commitment is second)  # spent once everything is reported
    response = client.post(f"{REPORT}/commitments/{first.id}", data=UPDATE | {"save_draft": "y"})
    assert response.status_code == 403  # and then no longer lets anyone in


def test_rollup_is_on_the_dashboard(client, db, pledge, reporter, window, make_user, login_as):
    login_as(make_user(role=Role.coordinator))
    page = client.get("/coordinate/dashboard?pledge=digital-protection").get_data(as_text=True)
    assert "Roll-up per key outcome" in page and "Reporting in HLOM 2025 review" in page
    for outcome in pledge.key_outcomes:
        assert outcome.title in page


def test_remind_from_the_shell_is_safe_to_repeat(app, db, pledge, reporter, window, smtp):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["registry", "remind", "--pledge", pledge.slug])
    second = runner.invoke(args=["registry", "remind", "--pledge", pledge.slug])
    assert first.exit_code == 0 and "Reminded 1 organisation for" in first.output
    assert second.exit_code == 0 and "Reminded 0 organisations" in second.output
    [message] = smtp.wait_for(1)
    assert "://registry.test/report/digital-protection/commitments/" in body_of(message)


@pytest.mark.parametrize(
    ("args", "reason"),
    [([], "--pledge"), (["--pledge", "nope"], "no pledge"), (["--pledge", "{slug}"], "no open")],
)
def test_remind_bad_input(app, db, pledge, args, reason):
    args = [a.replace("{slug}", pledge.slug) for a in args]
    result = app.test_cli_runner().invoke(args=["registry", "remind", *args])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and reason in result.output
