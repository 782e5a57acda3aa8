"""Read-only queries behind the windows and invitations pages (the public pledge pages read
through `registry.disclosure.pledges`); each issues a fixed number of statements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import Invitation, Organisation, Pledge, SubmissionWindow
from registry.policies import in_scope


def all_pledges() -> list[Pledge]:
    """Every pledge by title, with its windows loaded up front."""
    query = select(Pledge).options(selectinload(Pledge.windows)).order_by(Pledge.title)
    return list(db.session.scalars(in_scope(query, pledge_id=Pledge.id)))


def all_windows() -> list[SubmissionWindow]:
    """Every submission window, by pledge title, with its pledge."""
    return list(
        db.session.scalars(
            in_scope(
                select(SubmissionWindow)
                .join(SubmissionWindow.pledge)
                .options(selectinload(SubmissionWindow.pledge))
                .order_by(Pledge.title, SubmissionWindow.id),
                pledge_id=SubmissionWindow.pledge_id,
            )
        )
    )


def all_invitations() -> list[Invitation]:
    """Every invitation, newest first, with its window, pledge and organisation."""
    return list(
        db.session.scalars(
            _invitations_in_scope(select(Invitation))
            .options(
                selectinload(Invitation.window).selectinload(SubmissionWindow.pledge),
                selectinload(Invitation.organisation),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _invitations_in_scope(statement):
    """Invitations into windows of the scope's pledges, for organisations of its regions (an
    invitation by address alone has no region: only its pledge counts)."""
    window_ids = in_scope(select(SubmissionWindow.id), pledge_id=SubmissionWindow.pledge_id)
    in_regions = in_scope(select(Organisation.id), organisation_id=Organisation.id)
    return statement.where(
        Invitation.window_id.in_(window_ids),
        Invitation.organisation_id.is_(None) | Invitation.organisation_id.in_(in_regions),
    )


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, or None."""
    if not token:
        return None
    return db.session.scalars(
        select(Invitation).where(Invitation.token_hash == Invitation.hash_token(token))
    ).first()
