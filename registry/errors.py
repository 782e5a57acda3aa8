"""Errors the user sees: refusals they can act on, and friendly error pages (never a
traceback to a user)."""

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import Forbidden, HTTPException

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
    description = exc.description if getattr(exc, "show_to_user", False) else None
    return render_error(exc.code or 500, description)


def _csrf_error(_exc: CSRFError):
    return render_error(
        400, _("This form has expired or was sent from elsewhere. Please reload and try again.")
    )


def _database_unavailable(exc: OperationalError):
    db.session.rollback()
    log.error("database unavailable: %s", exc)
    return render_error(503)


def _unexpected(exc: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s", request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)
