"""Rate limits (flask-limiter) on the account forms, per address and per account.

- Per address: every POST to a login, reset or password form, 10 a minute and 50 an hour.
- Per account: failed logins naming one e-mail address, 5 a minute and 20 an hour, from
  whatever addresses they come; a successful login costs nothing.
- The counts live in `RATELIMIT_STORAGE_URI` (Redis when `REDIS_URL` is set). Memory storage
  counts per process, so several workers must share a Redis: `python app.py` and one gunicorn
  worker may use memory, `gunicorn -w N` must not.
- When the shared storage stops answering, flask-limiter counts in this process's memory and
  logs a warning until it answers again: never a 500.
- Behind `TRUSTED_PROXIES` reverse proxies, the address is the client's (ProxyFix), not the
  proxy's, so one busy address cannot lock everyone out.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from registry import security_log
from registry.extensions import limiter

PER_ADDRESS = "10/minute;50/hour"
PER_ACCOUNT = "5/minute;20/hour"
REGISTRATION = "20/hour"


def account_key() -> str:
    """The account a login attempt names (case-folded), whatever address it comes from."""
    return "account:" + (request.form.get("email") or "").strip().casefold()[:254]


def _failed_login(response) -> bool:
    # A successful login redirects (302); a refused one shows the form again (200) or 4xx.
    return response.status_code != 302


def _on_breach(limit) -> None:
    security_log.event("rate_limited", limit=str(limit.limit), key=limit.key)


def init_app(app: Flask) -> None:
    """Bind the limiter and put the limits on Flask-Security's views."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    limiter.init_app(app)
    limiter.limit(PER_ADDRESS, methods=["POST"], on_breach=_on_breach)(app.blueprints["security"])
    login = app.view_functions["security.login"]
    app.view_functions["security.login"] = limiter.limit(
        PER_ACCOUNT,
        key_func=account_key,
        methods=["POST"],
        deduct_when=_failed_login,
        on_breach=_on_breach,
        # On top of the per-address limit of the blueprint, not instead of it.
        override_defaults=False,
    )(login)
