"""State changes of following: follow, unfollow, and the daily digests."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.audit import record
from registry.extensions import db
from registry.i18n import day as day_text
from registry.i18n import language_or_default
from registry.mail import queue_template
from registry.models import Digest, Follow, FollowKind, User

from . import queries


def follow(user: User, kind: FollowKind, entity_id: int) -> Follow:
    """Follow a commitment, organisation or pledge (following it again changes nothing)."""
    existing = queries.follow_of(user, kind, entity_id)
    if existing is not None:
        return existing
    followed = Follow(user_id=user.id, kind=kind, entity_id=entity_id)
    db.session.add(followed)
    db.session.flush()
    return followed


def unfollow(user: User, kind: FollowKind, entity_id: int) -> None:
    """Stop following it (not following it already: nothing to do)."""
    existing = queries.follow_of(user, kind, entity_id)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()


def _claim_day(user: User, day: date) -> Digest | None:
    """The digest row for (user, day), or None when one exists: the unique key makes a second
    run, even a concurrent one, send nothing."""
    digest = Digest(user_id=user.id, day=day)
    try:
        with db.session.begin_nested():
            db.session.add(digest)
            db.session.flush()
    except IntegrityError:
        return None
    return digest


def send_digests(day: date) -> list[tuple[User, int]]:
    """E-mail each follower the changes of the UTC day `day` of what they follow, in their
    language, at most once per user and day; nobody gets an empty digest. Returns who got
    one and how many changes it held."""
    app = current_app._get_current_object()
    already = set(db.session.scalars(select(Digest.user_id).where(Digest.day == day)))
    sent = []
    for user in queries.followers():
        if user.id in already:
            continue
        language = language_or_default(user.preferred_language)
        with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(language):
            view = queries.view_for(user)
            entries = queries.digest_for(user, day, view)
            if not entries or (digest := _claim_day(user, day)) is None:
                continue
            digest.change_count = len(entries)
            queue_template(
                user.email,
                _l("What changed in the registry on %(day)s", day=day_text(day)),
                "digest",
                seen_by=user.organisation if view.public else None,
                view=view,
                language=language,
                user=user,
                entries=entries,
                field_labels=queries.FIELD_LABELS,
                day=day,
            )
        record(db.session, "digest.sent", user, {"day": day.isoformat(), "changes": len(entries)})
        sent.append((user, len(entries)))
    db.session.flush()
    return sent
