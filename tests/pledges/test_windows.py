"""Submission windows: operations, the coordinators' page and the `registry window` commands."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from registry import errors
from registry.audit import acting_as
from registry.models import (
    DEFAULT_CLOSED_MESSAGE,
    AuditEvent,
    Role,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from registry.pledges import operations as pledge_ops

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def window_events(db, window_id):
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "SubmissionWindow", AuditEvent.entity_id == window_id)
        .order_by(AuditEvent.id)
    ).all()


def signature_window(pledge) -> SubmissionWindow:
    return next(w for w in pledge.windows if w.kind is WindowKind.signature)


# --- Operations --------------------------------------------------------------------------------


def test_open_window_creates_one_when_the_pledge_has_none(db, pledge):
    with acting_as(label="test"):
        window = pledge_ops.open_window(
            pledge, WindowKind.progress, until=date(2026, 3, 31), now=NOW
        )
        db.session.commit()
    assert window.kind is WindowKind.progress and window.pledge is pledge
    assert window.is_open(NOW)
    assert window.closes_at == datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert window.is_open(datetime(2026, 3, 31, 23, 59, 30, tzinfo=UTC))  # all of the last day
    assert not window.is_open(datetime(2026, 4, 1, tzinfo=UTC))
    [event] = window_events(db, window.id)
    assert event.action == "create" and event.actor_label == "test"


def test_open_window_reopens_a_closed_one_and_audits_before_and_after(db, pledge):
    window = signature_window(pledge)
    with acting_as(label="test"):
        pledge_ops.close_window(pledge, WindowKind.signature, message="Back in June.", now=NOW)
        db.session.commit()
        assert not window.is_open(NOW)
        reopened = pledge_ops.open_window(pledge, WindowKind.signature, now=NOW)
        db.session.commit()
    assert reopened is window
    assert window.is_open(NOW) and window.closes_at is None
    create, close, reopen = window_events(db, window.id)
    assert create.action == "create"
    assert close.action == "update"
    assert close.before["is_manually_closed"] is False
    assert close.after == {"is_manually_closed": True, "closed_message": "Back in June."}
    assert reopen.before["is_manually_closed"] is True
    assert reopen.after["is_manually_closed"] is False


def test_open_window_moves_a_future_opening_to_now(db, pledge):
    window = signature_window(pledge)
    window.opens_at = NOW + timedelta(days=10)
    pledge_ops.open_window(pledge, WindowKind.signature, until=NOW + timedelta(days=20), now=NOW)
    assert window.opens_at == NOW and window.is_open(NOW)
    assert window.closes_at == NOW + timedelta(days=20)


def test_open_window_refuses_a_closing_time_in_the_past(db, pledge):
    with pytest.raises(errors.OperationError, match="future"):
        pledge_ops.open_window(pledge, WindowKind.signature, until=date(2026, 2, 1), now=NOW)


def test_close_window_closes_whatever_the_dates_say(db, pledge):
    window = pledge_ops.close_window(pledge, WindowKind.signature, now=NOW)
    assert window.is_manually_closed and not window.is_open(NOW)
    assert window.closed_message == DEFAULT_CLOSED_MESSAGE


def test_close_window_without_a_window_is_refused(db, pledge):
    with pytest.raises(errors.OperationError, match="no progress window"):
        pledge_ops.close_window(pledge, WindowKind.progress, now=NOW)


def test_schedule_window_sets_dates_label_and_message(db, pledge):
    window = signature_window(pledge)
    window.is_manually_closed = True
    opens, closes = NOW + timedelta(days=1), NOW + timedelta(days=30)
    pledge_ops.schedule_window(window, opens, closes, " HLOM 2026 ", "Opens again in 2027.")
    assert (window.opens_at, window.closes_at, window.label) == (opens, closes, "HLOM 2026")
    assert window.closed_message == "Opens again in 2027."
    assert not window.is_open(NOW) and window.reopens_at(NOW) == opens
    assert window.is_open(NOW + timedelta(days=2))


def test_schedule_window_refuses_closing_before_opening(db, pledge):
    window = signature_window(pledge)
    with pytest.raises(errors.OperationError, match="after the opening") as excinfo:
        pledge_ops.schedule_window(window, NOW, NOW - timedelta(hours=1), "Signatures")
    assert excinfo.value.field == "closes_at"


def test_schedule_window_with_empty_message_restores_the_default(db, pledge):
    window = signature_window(pledge)
    window.closed_message = "Custom"
    pledge_ops.schedule_window(window, None, None, "Signatures", "  ")
    assert window.closed_message == DEFAULT_CLOSED_MESSAGE


# --- Page --------------------------------------------------------------------------------------


def test_page_lists_windows_with_state_and_time_zone(client, db, pledge, staff):
    window = signature_window(pledge)
    window.closes_at = datetime(2030, 3, 31, 23, 59, tzinfo=UTC)
    db.session.commit()
    html = client.get("/coordinate/windows").get_data(as_text=True)
    assert pledge.title in html
    assert "open until 31 March 2030, 23:59 UTC" in html
    assert "Open now" in html and "Close now" in html
    assert f'name="window-{window.id}-closes_at"' in html
    assert ">Windows</a>" in html  # in the navigation


def test_page_says_when_a_window_opens(client, db, pledge, staff):
    signature_window(pledge).opens_at = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    db.session.commit()
    html = client.get("/coordinate/windows").get_data(as_text=True)
    assert "opens on 15 January 2030, 09:00 UTC" in html


def test_stakeholders_do_not_see_the_page(client, make_user, login_as):
    login_as(make_user(role=Role.stakeholder))
    assert client.get("/coordinate/windows").status_code == 403
    assert ">Windows</a>" not in client.get("/pledges").get_data(as_text=True)


def test_close_and_open_buttons(client, db, pledge, staff):
    window_id = signature_window(pledge).id
    response = client.post(f"/coordinate/windows/{window_id}/close")
    assert response.status_code == 302
    db.session.expire_all()
    window = db.session.get(SubmissionWindow, window_id)
    assert not window.is_open(utcnow())
    assert window_events(db, window_id)[-1].actor_label == staff.email

    response = client.post(f"/coordinate/windows/{window_id}/open", follow_redirects=True)
    assert "open with no closing date" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SubmissionWindow, window_id).is_open(utcnow())


def test_open_button_keeps_a_closing_time_still_ahead(client, db, pledge, staff):
    window = signature_window(pledge)
    closes = utcnow().replace(microsecond=0) + timedelta(days=5)
    window.closes_at, window.is_manually_closed = closes, True
    db.session.commit()
    client.post(f"/coordinate/windows/{window.id}/open")
    db.session.expire_all()
    assert db.session.get(SubmissionWindow, window.id).closes_at == closes


def test_schedule_form_saves(client, db, pledge, staff):
    window_id = signature_window(pledge).id
    prefix = f"window-{window_id}-"
    response = client.post(
        f"/coordinate/windows/{window_id}/schedule",
        data={
            prefix + "opens_at": "2030-01-01T08:00",
            prefix + "closes_at": "2030-02-01T17:30",
            prefix + "label": "Signatures 2030",
            prefix + "closed_message": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    window = db.session.get(SubmissionWindow, window_id)
    assert window.opens_at == datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    assert window.closes_at == datetime(2030, 2, 1, 17, 30, tzinfo=UTC)
    assert window.label == "Signatures 2030"


def test_schedule_closing_before_opening_shows_the_error_and_keeps_input(client, db, pledge, staff):
    window_id = signature_window(pledge).id
    events_before = len(window_events(db, window_id))
    prefix = f"window-{window_id}-"
    response = client.post(
        f"/coordinate/windows/{window_id}/schedule",
        data={
            prefix + "opens_at": "2030-02-01T08:00",
            prefix + "closes_at": "2030-01-01T08:00",
            prefix + "label": "Kept label",
            prefix + "closed_message": "Kept message",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "The closing time must be after the opening time." in html
    assert 'value="Kept label"' in html and "Kept message" in html
    assert 'value="2030-01-01T08:00"' in html
    db.session.expire_all()
    window = db.session.get(SubmissionWindow, window_id)
    assert window.label == "Signatures" and window.closes_at is None
    assert len(window_events(db, window_id)) == events_before


def test_unknown_window_is_404(client, db, pledge, staff):
    assert client.post("/coordinate/windows/999/close").status_code == 404


# --- CLI ---------------------------------------------------------------------------------------


def run(app, *args):
    return app.test_cli_runner().invoke(args=["registry", "window", *args])


def test_cli_open_and_close(app, db, pledge):
    until = (utcnow() + timedelta(days=10)).date().isoformat()
    result = run(app, "open", "--pledge", pledge.slug, "--kind", "progress", "--until", until)
    assert result.exit_code == 0, result.output
    assert f"is open until {until} 23:59 UTC" in result.output
    db.session.expire_all()
    window = next(w for w in pledge.windows if w.kind is WindowKind.progress)
    assert window_events(db, window.id)[0].actor_label == "cli"

    result = run(app, "close", "--pledge", pledge.slug, "--kind", "progress", "--message", "Later.")
    assert result.exit_code == 0, result.output
    assert "is closed: Later." in result.output
    db.session.expire_all()
    assert not window.is_open(utcnow())
    assert window_events(db, window.id)[-1].actor_label == "cli"

    # Reopening without --until keeps the closing date that is still ahead.
    result = run(app, "open", "--pledge", pledge.slug, "--kind", "progress")
    assert result.exit_code == 0, result.output
    assert f"is open until {until} 23:59 UTC" in result.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["open", "--pledge", "nope", "--kind", "signature"], "no pledge"),
        (["open", "--kind", "signature"], "--pledge"),
        (["open", "--pledge", "{slug}", "--kind", "votes"], "unknown kind"),
        (["open", "--pledge", "{slug}"], "unknown kind"),
        (["open", "--pledge", "{slug}", "--kind", "signature", "--until", "31/03/2030"], "date"),
        (["open", "--pledge", "{slug}", "--kind", "signature", "--until", "2020-01-01"], "past"),
        (["close", "--pledge", "nope", "--kind", "signature"], "no pledge"),
        (["close", "--pledge", "{slug}", "--kind", "votes"], "unknown kind"),
        (["close", "--pledge", "{slug}", "--kind", "progress"], "no progress window"),
    ],
)
def test_cli_bad_input_exits_1_with_one_line(app, db, pledge, args, reason):
    result = run(app, *[a.format(slug=pledge.slug) for a in args])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.output
