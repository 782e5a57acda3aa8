"""API tokens: created (shown once, stored hashed), revoked, and their use recorded."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext

from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.models import ApiToken, InvalidTransition, User, utcnow

#: Every token starts with this, so that a leaked one is easy to recognise and search for.
PREFIX = "ppr_"


def create_token(user: User, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """A new token of `user` with `scopes`, valid `days` days; returns it and its secret,
    which is never stored (only its hash is)."""
    unknown = set(scopes) - set(ApiToken.SCOPES)
    if unknown or not 1 <= days <= 366:
        raise OperationError(gettext("Choose valid scopes and a lifetime of at most a year."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        token_hash=ApiToken.hash_token(secret),
        scopes=sorted(set(scopes)),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(token: ApiToken) -> ApiToken:
    """Stop the token working."""
    try:
        token.revoke(utcnow())
    except InvalidTransition as error:
        raise OperationError(str(error)) from error
    db.session.flush()
    return token


def record_use(token: ApiToken, path: str, contacts: int = 0) -> None:
    """An API call made with the token, in the audit log (with how many contacts it showed)."""
    details = {"path": path[:500], "scopes": token.scopes}
    if contacts:
        details["contacts"] = contacts
    record(db.session, "contact.view" if contacts else "api_token.use", token, details)
    db.session.flush()
