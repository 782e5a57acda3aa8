"""Read-only queries of the account pages: users, requests to join an organisation, and the
outbox of e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.lists import ListFilters, Page, contains_text, enum_name, page_of, url_int, url_text
from registry.models import JoinRequest, JoinRequestStatus, OutboxMessage, OutboxStatus, User
from registry.policies import in_scope


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
            in_scope(
                select(JoinRequest).where(JoinRequest.status == JoinRequestStatus.pending),
                organisation_id=JoinRequest.organisation_id,
            )
            .options(selectinload(JoinRequest.user), selectinload(JoinRequest.organisation))
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )


@dataclass
class OutboxFilters(ListFilters):
    """The outbox page's URL parameters: a delivery status, a recipient or subject, a page."""

    status: str | None = None
    q: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> OutboxFilters:
        """Read the filters from the query string; meaningless values are dropped."""
        return cls(
            status=enum_name(args.get("status"), OutboxStatus),
            q=url_text(args.get("q")),
            page=url_int(args.get("page"), 1),
        )


def outbox_page(filters: OutboxFilters, per_page: int = 50) -> Page:
    """One page of the outbox, newest first."""
    statement = select(OutboxMessage)
    if filters.status:
        statement = statement.where(OutboxMessage.status == OutboxStatus[filters.status])
    if filters.q:
        statement = statement.where(
            contains_text(filters.q, OutboxMessage.to, OutboxMessage.subject)
        )
    return page_of(statement, filters.page, per_page, [OutboxMessage.id.desc()])
