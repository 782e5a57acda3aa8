"""The daily digests as a job (`registry.following.jobs:send_daily_digests`), for a
deployment that schedules jobs rather than running `registry send-digests` from cron."""

from __future__ import annotations

from datetime import date, timedelta

from registry.audit import acting_as
from registry.extensions import db
from registry.models import utcnow

from . import operations


def previous_day() -> date:
    """The UTC day before today: the day a digest sent today is about."""
    return utcnow().date() - timedelta(days=1)


def send_daily_digests(day: str | None = None) -> int:
    """Send the digests of `day` (ISO date; default the previous UTC day) and commit; returns
    how many were sent."""
    with acting_as(label="digests"):
        sent = operations.send_digests(date.fromisoformat(day) if day else previous_day())
        db.session.commit()
    return len(sent)
