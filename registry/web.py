"""What every response shares on the wire: the hosts the registry answers to, absolute links
built from `BASE_URL` only, and the security headers of every response (HTML, PDF, JSON and
error pages alike).

A link in an e-mail must never come from the request's `Host` header: a forged header would
otherwise mail a victim a password-reset link to the attacker's site (issue 16, row 1).
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

from registry.config import uses_https

#: Content Security Policy: scripts, styles, fonts and images only from the registry itself
#: (no inline script or style, so an injected tag cannot run), never framed, forms post only
#: back to the registry. `data:` images are the QR code of the authenticator set-up.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


class Registry(Flask):
    """The Flask app, whose absolute URLs always start with the configured `BASE_URL`."""

    def url_for(self, endpoint: str, *, _external: bool | None = None, **values) -> str:
        """Like Flask's, but an absolute URL is `BASE_URL` + path, whatever `Host` said."""
        if not _external or values.get("_scheme"):
            return super().url_for(endpoint, _external=_external, **values)
        path = super().url_for(endpoint, _external=False, **values)
        return self.config["BASE_URL"].rstrip("/") + path


def _security_headers(response: Response) -> Response:
    """Add the security headers to every response, whatever its type."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure or uses_https(current_app.config["BASE_URL"]):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _private(request.path) and not request.path.startswith("/static/"):
        # Pages of logged-in users carry contact data, drafts and notes: never in a shared cache
        # or the browser's back-button cache once the session ends.
        headers["Cache-Control"] = "no-store"
    return response


def _private(path: str) -> bool:
    """Responses a browser or proxy must not keep: everything a logged-in user sees, and the
    account pages (forms with passwords, recovery codes)."""
    from flask_login import current_user

    try:
        logged_in = bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 - no user loader outside a normal request
        logged_in = False
    return logged_in or path.startswith(("/account", "/coordinate", "/admin"))


def _refuse_nul() -> None:
    """A NUL character has no place in a URL or a form field (PostgreSQL cannot even store
    one): the request is refused with 400 before any view sees it."""
    values = [request.path, *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH"):
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    """Refuse NUL characters, add the security headers to every response (`TRUSTED_HOSTS`
    is checked by Flask itself)."""
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)


def not_modified(etag: str, modified=None) -> Response | None:
    """A 304 answer when the request's `If-None-Match` names `etag` (or, without it, when
    `If-Modified-Since` is not older than `modified`); else None."""
    if request.if_none_match:
        matches = request.if_none_match.contains(etag) or request.if_none_match.star_tag
    else:
        since = request.if_modified_since
        matches = bool(since and modified and modified <= since)
    if not matches:
        return None
    response = Response(status=304)
    return versioned(response, etag, modified)


def versioned(response: Response, etag: str, modified=None) -> Response:
    """Mark a public response with its version: `ETag`, `Last-Modified`, and caches must
    ask again before reusing it (`no-cache`: the data may change at any moment)."""
    response.set_etag(etag)
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = "no-cache"
    # The language comes from the cookie or Accept-Language; the frame from the session.
    response.vary.update(("Accept-Language", "Cookie"))
    return response
