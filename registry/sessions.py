"""Server-side sessions (Flask-Session): the browser's cookie holds only a random id, and the
session lives in the database (table `server_sessions`) or, when configured, in Redis.

- Logging out deletes the session on the server: a copied cookie opens nothing afterwards.
- A login gets a new session id (no session fixation).
- A password change or reset, a deactivation and a role change end every session of that user:
  each changes the user's `fs_uniquifier`, which the session names the user by.
- A session ends after `SESSION_IDLE_STAFF` (30 minutes) without a request for coordinators
  and admins, `SESSION_IDLE` (2 hours) for stakeholders, and `SESSION_MAX_AGE` (12 hours)
  after login however active it is.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from flask import Flask, current_app, flash, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_out
from flask_security.signals import user_authenticated
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from sqlalchemy import delete, insert, select, update

from registry import security_log
from registry.extensions import db
from registry.models import ServerSession, utcnow

log = logging.getLogger(__name__)
#: A session's "last seen" is written at most this often (not on every request).
SEEN_EVERY = 60


class DatabaseSessionInterface(ServerSideSessionInterface):
    """Flask-Session's storage on the registry's own database, through its own table (made by
    an Alembic migration like every other) and its own connection pool."""

    ttl = False

    def _key(self, store_id: str) -> str:
        return hashlib.sha256(store_id.encode()).hexdigest()

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        row = db.session.execute(
            select(ServerSession.data, ServerSession.expires_at).where(
                ServerSession.key == self._key(store_id)
            )
        ).first()
        # End the read at once: the request's own transaction starts fresh after it.
        db.session.rollback()
        if row is None or row.expires_at <= utcnow():
            return None
        return self.serializer.decode(row.data)

    def _write(self, statement) -> None:
        # The request has committed what it meant to keep; anything else is dropped here, as
        # the end of the request would drop it.
        db.session.rollback()
        result = db.session.execute(statement)
        db.session.commit()
        return result

    def _delete_session(self, store_id: str) -> None:
        self._write(delete(ServerSession).where(ServerSession.key == self._key(store_id)))

    def _upsert_session(
        self, session_lifetime: timedelta, session: ServerSideSession, store_id: str
    ) -> None:
        key, data = self._key(store_id), self.serializer.encode(session)
        expires_at = utcnow() + session_lifetime
        db.session.rollback()
        # Write first (never read-then-write): on SQLite the write lock is taken at once.
        changed = db.session.execute(
            update(ServerSession)
            .where(ServerSession.key == key)
            .values(data=data, expires_at=expires_at)
        ).rowcount
        if not changed:
            db.session.execute(
                insert(ServerSession).values(key=key, data=data, expires_at=expires_at)
            )
        db.session.commit()

    def regenerate(self, session: ServerSideSession) -> None:
        """A new id for `session`; the old one is deleted when the session is saved (not now:
        the request's own changes, e.g. a just-confirmed second factor, are not committed yet)."""
        session.replaced_store_id = self._get_store_id(session.sid)
        session.sid = self._generate_sid(self.sid_length)
        session.modified = True

    def save_session(self, app, session: ServerSideSession, response) -> None:
        """Save the session, and delete the one it replaced."""
        super().save_session(app, session, response)
        replaced = getattr(session, "replaced_store_id", None)
        if replaced:
            self._delete_session(replaced)

    def _delete_expired_sessions(self) -> None:
        self._write(delete(ServerSession).where(ServerSession.expires_at <= utcnow()))


def _interface(app: Flask) -> ServerSideSessionInterface:
    cfg = app.config
    common = {
        "key_prefix": cfg["SESSION_KEY_PREFIX"],
        "use_signer": False,
        "permanent": True,
        "sid_length": 32,
        "serialization_format": "msgpack",
    }
    if cfg["SESSION_TYPE"] == "redis":
        from flask_session.redis import RedisSessionInterface
        from redis import Redis

        return RedisSessionInterface(app, client=Redis.from_url(cfg["SESSION_REDIS_URL"]), **common)
    return DatabaseSessionInterface(app, cleanup_n_requests=500, **common)


def _on_login(app, user, authn_via=None, **_kwargs) -> None:
    """A login: a fresh session id, and the clock of the absolute timeout starts (a password
    change logs in again within the same session and keeps the clock)."""
    if "change" not in (authn_via or []) or "login_at" not in session:
        current_app.session_interface.regenerate(session)
        session["login_at"] = time.time()
    session["seen_at"] = time.time()


def _on_logout(app, user=None, **_kwargs) -> None:
    """A logout: the session is emptied and its id replaced, so a copy of the old cookie names
    a session that no longer exists."""
    session.clear()
    current_app.session_interface.regenerate(session)


def _idle_limit(user) -> timedelta:
    cfg = current_app.config
    return cfg["SESSION_IDLE_STAFF"] if user.is_staff else cfg["SESSION_IDLE"]


def _enforce_timeouts() -> None:
    """End the session of a user idle too long or logged in too long ago; the request goes
    on as anonymous (a page that needs a login then asks for it)."""
    if request.path.startswith("/static/") or not current_user.is_authenticated:
        return
    now = time.time()
    login_at, seen_at = session.get("login_at", 0), session.get("seen_at", 0)
    max_age = current_app.config["SESSION_MAX_AGE"].total_seconds()
    idle = _idle_limit(current_user).total_seconds()
    if now - login_at > max_age or now - seen_at > idle:
        security_log.event(
            "session.expired",
            user=current_user,
            reason="idle" if now - login_at <= max_age else "max-age",
        )
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please log in again."), "info")
        return
    if now - seen_at > SEEN_EVERY:
        session["seen_at"] = now


def init_app(app: Flask) -> None:
    """Keep sessions on the server, and end them on time."""
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.session_interface = _interface(app)
    user_authenticated.connect(_on_login, app)
    user_logged_out.connect(_on_logout, app)
    app.before_request(_enforce_timeouts)
