"""Read-only queries of the account pages: users, and requests to join an organisation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import JoinRequest, JoinRequestStatus, User


def all_users() -> list[User]:
    """Every login by e-mail address, with its organisation."""
    return list(
        db.session.scalars(
            select(User).options(selectinload(User.organisation)).order_by(User.email)
        )
    )


def pending_join_requests() -> list[JoinRequest]:
    """Requests to join an organisation still waiting for a decision, oldest first."""
    return list(
        db.session.scalars(
            select(JoinRequest)
            .where(JoinRequest.status == JoinRequestStatus.pending)
            .options(selectinload(JoinRequest.user), selectinload(JoinRequest.organisation))
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )
