"""Errors the user sees: refusals they can act on, and friendly error pages (never a
traceback to a user)."""

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.exceptions import SecurityError as UntrustedHost

from registry import security_log
from registry.extensions import db

log = logging.getLogger(__name__)


class OperationError(Exception):
    """An operation's refusal the user can act on; the message is shown as it is, `field`
    names the form field it concerns (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Refused(Forbidden):
    """A request refused with a reason shown to the user as it is (403): a closed form, a
    locked signature, an account without an organisation."""

    show_to_user = True


MESSAGES = {
    400: lambda: _("The request could not be understood. Please go back and try again."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("We could not find that page."),
    405: lambda: _("That action is not possible here."),
    409: lambda: _(
        "Someone else changed this at the same moment, so your change was not saved. "
        "Go back, reload the page and try again."
    ),
    413: lambda: _("The file is too large."),
    429: lambda: _("Too many attempts. Please wait a little and try again."),
    500: lambda: _("Something went wrong on our side. The error has been logged."),
    503: lambda: _("The registry is temporarily unavailable. Please try again in a few minutes."),
}


def render_error(code: int, message: str | None = None):
    """The error page for `code` (JSON for API clients)."""
    text = message or MESSAGES.get(code, MESSAGES[500])()
    if request.path.startswith("/api/") or request.path == "/healthz":
        return {"error": text, "status": code}, code
    return render_template("errors/error.html", code=code, message=text), code


def _http_error(exc: HTTPException):
    if isinstance(exc, UntrustedHost):
        # No page: the request named a host the registry does not answer to, so no link on a
        # page could be built for it.
        security_log.event("host.refused", host=request.headers.get("Host", "")[:200])
        return "Unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}
    if exc.code == 403:
        security_log.event("access.denied", level=logging.WARNING)
    description = exc.description if getattr(exc, "show_to_user", False) else None
    return render_error(exc.code or 500, description)


def _csrf_error(_exc: CSRFError):
    return render_error(
        400, _("This form has expired or was sent from elsewhere. Please reload and try again.")
    )


def _database_unavailable(exc: OperationalError):
    db.session.rollback()
    if "database is locked" in str(exc):
        # SQLite waited SQLITE_BUSY_SECONDS for another write to finish (retrying all along).
        log.warning("database busy on %s: %s", request.path, exc)
        message = _("The registry is busy. Nothing was saved: please try again in a moment.")
    else:
        log.error("database unavailable: %s", exc)
        message = None
    response, code = render_error(503, message)
    return response, code, {"Retry-After": "5"}


def _conflict(exc: Exception):
    """Two writes raced for one record and this one lost: refused, never half-saved."""
    db.session.rollback()
    log.warning("write conflict on %s: %s", request.path, type(exc).__name__)
    return render_error(409)


def _out_of_range(exc: DataError):
    """A value the database cannot hold (a number too large, a malformed value)."""
    db.session.rollback()
    log.warning("value refused by the database on %s: %s", request.path, exc.orig)
    return render_error(400)


def _unexpected(exc: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s", request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(StaleDataError, _conflict)
    app.register_error_handler(IntegrityError, _conflict)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(Exception, _unexpected)
