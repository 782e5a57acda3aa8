"""API tokens: a user's tokens, and the token a request presents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import ApiToken, Contact, User, utcnow
from registry.policies import scope_of


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's tokens (another user's is None)."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def usable_token(secret: str) -> ApiToken | None:
    """The token with this secret, if it works now (not revoked or expired, its owner active
    staff and not a scoped coordinator: the API is not limited to a scope); else None."""
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == ApiToken.hash_token(secret))
        .options(selectinload(ApiToken.user))
    )
    if token is None or not token.is_usable(utcnow()) or scope_of(token.user).is_scoped:
        return None
    return token


def contacts_of(organisation_ids: list[int]) -> dict[int, list[dict]]:
    """The contacts of these organisations, by organisation (one statement)."""
    found: dict[int, list[dict]] = {}
    if not organisation_ids:
        return found
    rows = db.session.scalars(
        select(Contact)
        .where(Contact.organisation_id.in_(organisation_ids))
        .order_by(Contact.organisation_id, Contact.id)
    )
    for c in rows:
        found.setdefault(c.organisation_id, []).append(
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
        )
    return found
