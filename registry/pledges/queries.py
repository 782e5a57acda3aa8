"""Read-only queries behind the public pledge pages and the windows and invitations pages;
each issues a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import (
    Invitation,
    Organisation,
    Pledge,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    Visibility,
)


def all_pledges() -> list[Pledge]:
    """Every pledge by title, with its windows loaded up front."""
    query = select(Pledge).options(selectinload(Pledge.windows)).order_by(Pledge.title)
    return list(db.session.scalars(query))


def all_windows() -> list[SubmissionWindow]:
    """Every submission window, by pledge title, with its pledge."""
    return list(
        db.session.scalars(
            select(SubmissionWindow)
            .join(SubmissionWindow.pledge)
            .options(selectinload(SubmissionWindow.pledge))
            .order_by(Pledge.title, SubmissionWindow.id)
        )
    )


def all_invitations() -> list[Invitation]:
    """Every invitation, newest first, with its window, pledge and organisation."""
    return list(
        db.session.scalars(
            select(Invitation)
            .options(
                selectinload(Invitation.window).selectinload(SubmissionWindow.pledge),
                selectinload(Invitation.organisation),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _accepted(pledge: Pledge):
    """Criteria selecting the accepted signatures of `pledge`."""
    return (Signature.pledge_id == pledge.id, Signature.status == SignatureStatus.accepted)


def _listing_order(organisation: Organisation) -> tuple:
    """Named organisations first by name, then anonymised ones by description, never by name."""
    if organisation.visibility is Visibility.public:
        return (0, organisation.name.casefold(), organisation.id)
    return (1, (organisation.public_name() or "").casefold(), organisation.id)


def accepted_signatories(pledge: Pledge, *, include_hidden: bool = True) -> list[Organisation]:
    """Organisations with an accepted signature on `pledge`, in listing order."""
    query = select(Organisation).join(Signature).where(*_accepted(pledge))
    if not include_hidden:
        query = query.where(Organisation.visibility != Visibility.hidden)
    return sorted(db.session.scalars(query), key=_listing_order)


@dataclass
class PublicSignatories:
    """The signatories of a pledge as its public page may show them."""

    named: list[Organisation]  # public organisations, by name
    described: list[str]  # anonymised ones, by their public description only
    co_leads: list[str]  # the co-leads' public names (hidden ones left out)


def public_signatories(pledge: Pledge) -> PublicSignatories:
    """Who signed `pledge`, split by visibility: named, described without a name, or (hidden)
    only counted (see `signatory_counts`)."""
    listed = accepted_signatories(pledge, include_hidden=False)
    return PublicSignatories(
        named=[o for o in listed if o.visibility is Visibility.public],
        described=[o.public_name() for o in listed if o.visibility is not Visibility.public],
        co_leads=[
            o.public_name() for o in pledge.co_leads if o.visibility is not Visibility.hidden
        ],
    )


def _counts_by(pledge: Pledge, column) -> list[tuple]:
    """(value, count) of accepted signatories of `pledge` grouped by `column`, largest first."""
    rows = db.session.execute(
        select(column, func.count(Organisation.id))
        .join(Signature, Signature.organisation_id == Organisation.id)
        .where(*_accepted(pledge))
        .group_by(column)
    ).all()
    return sorted(((value, count) for value, count in rows), key=lambda r: (-r[1], _key(r[0])))


def _key(value) -> str:
    """A stable sort key for an enum member or None (None last)."""
    return "~" if value is None else value.name


def signatory_counts(pledge: Pledge) -> dict:
    """Accepted signatories of `pledge` by stakeholder type, region and visibility, and in total."""
    by_visibility = dict(_counts_by(pledge, Organisation.visibility))
    return {
        "total": sum(by_visibility.values()),
        "hidden": by_visibility.get(Visibility.hidden, 0),
        "by_stakeholder_type": _counts_by(pledge, Organisation.stakeholder_type),
        "by_region": _counts_by(pledge, Organisation.region),
    }


def signatory_totals() -> dict[int, int]:
    """Number of accepted signatories per pledge id (pledges without any are absent)."""
    rows = db.session.execute(
        select(Signature.pledge_id, func.count(Signature.id))
        .where(Signature.status == SignatureStatus.accepted)
        .group_by(Signature.pledge_id)
    )
    return {pledge_id: count for pledge_id, count in rows}


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, or None."""
    if not token:
        return None
    return db.session.scalars(
        select(Invitation).where(Invitation.token_hash == Invitation.hash_token(token))
    ).first()
