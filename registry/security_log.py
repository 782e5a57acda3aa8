"""Security events, one JSON line each on the `registry.security` logger: who (user id and
e-mail), what, when (UTC), from which address, on which path. JSON escapes every control
character, so a name or e-mail address with a line break cannot forge a second log line.

Logged: logins that succeed or fail, second-factor checks and changes, recovery codes, logouts
and expired sessions, access refused (403), rate limits hit (429), untrusted hosts, contact
views and exports, password, role and activation changes.
"""

from __future__ import annotations

import json
import logging

from flask import has_request_context, request

from registry.models import utcnow

log = logging.getLogger("registry.security")


def _address() -> str | None:
    return request.remote_addr if has_request_context() else None


def _who(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", True):
        return {}
    return {"user_id": getattr(user, "id", None), "user": getattr(user, "email", None)}


def event(action: str, user=None, level: int = logging.INFO, **details) -> None:
    """Log security event `action` about `user` (default: the request's user), with details."""
    if user is None and has_request_context():
        from flask_login import current_user

        user = current_user if current_user and current_user.is_authenticated else None
    entry = {"at": utcnow().isoformat(), "event": action, **_who(user), "ip": _address()}
    if has_request_context():
        entry |= {"method": request.method, "path": request.path}
    entry |= {key: value for key, value in details.items() if value is not None}
    log.log(level, json.dumps(entry, default=str, ensure_ascii=True))


def _login(_app, user, authn_via=None, **_kw) -> None:
    event("login.success", user=user, via=",".join(authn_via or []))


def _failed(_app, user, auth_type=None, tfa=False, **_kw) -> None:
    # Failed passwords are logged by the login form (for unknown addresses too).
    if tfa:
        event("mfa.failure", user=user, level=logging.WARNING, method=auth_type)


def _tf_changed(_app, user, method=None, **_kw) -> None:
    event("mfa.enabled", user=user, method=method)


def _tf_disabled(_app, user, **_kw) -> None:
    event("mfa.disabled", user=user, level=logging.WARNING)


def _tf_confirmed(_app, user, method=None, **_kw) -> None:
    event("mfa.success", user=user, method=method)


def _password_changed(_app, user, **_kw) -> None:
    event("password.changed", user=user)


def _password_reset(_app, user, **_kw) -> None:
    event("password.reset", user=user)


def _logout(_app, user=None, **_kw) -> None:
    event("logout", user=user)


def init_app(app) -> None:
    """Log Flask-Security's and Flask-Login's events for this app."""
    from flask_login import user_logged_out
    from flask_security import signals

    for signal, handler in (
        (signals.user_authenticated, _login),
        (signals.user_failed_authn, _failed),
        (signals.tf_profile_changed, _tf_changed),
        (signals.tf_disabled, _tf_disabled),
        (signals.tf_code_confirmed, _tf_confirmed),
        (signals.password_changed, _password_changed),
        (signals.password_reset, _password_reset),
        (user_logged_out, _logout),
    ):
        signal.connect(handler, app)
