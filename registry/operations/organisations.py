"""Organisations: merging a duplicate registration into the one that is kept."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from registry.audit import record
from registry.extensions import db
from registry.models import (
    Commitment,
    Contact,
    EngagementRecord,
    Invitation,
    JoinRequest,
    Organisation,
    Pledge,
    Signature,
    User,
)
from registry.models.pledges import commitment_partners, pledge_co_leads

from .base import OperationError

__all__ = ["merge_counts", "merge_organisations"]


def _owned(model, organisation: Organisation) -> list:
    return list(db.session.scalars(select(model).where(model.organisation_id == organisation.id)))


def merge_counts(duplicate: Organisation) -> dict[str, int]:
    """How many records of each kind a merge would move away from `duplicate`."""
    signatures = _owned(Signature, duplicate)
    partner_links = db.session.execute(
        select(commitment_partners).where(commitment_partners.c.organisation_id == duplicate.id)
    ).all()
    return {
        "signatures": len(signatures),
        "commitments": sum(len(s.commitments) for s in signatures),
        "engagement_records": len(_owned(EngagementRecord, duplicate)),
        "contacts": len(_owned(Contact, duplicate)),
        "users": len(_owned(User, duplicate)),
        "join_requests": len(_owned(JoinRequest, duplicate)),
        "invitations": len(_owned(Invitation, duplicate)),
        "co_implementer_links": len(partner_links),
    }


def _merge_signatures(kept: Organisation, duplicate: Organisation) -> None:
    """Move the duplicate's signatures; where both signed one pledge, keep the kept one's
    signature and move the duplicate's commitments into it."""
    kept_by_pledge = {s.pledge_id: s for s in _owned(Signature, kept)}
    for signature in _owned(Signature, duplicate):
        target = kept_by_pledge.get(signature.pledge_id)
        if target is None:
            signature.organisation = kept
            continue
        for commitment in list(signature.commitments):
            commitment.signature = target
        db.session.flush()  # the commitments point at the kept signature before it goes
        db.session.delete(signature)


def _merge_links(kept: Organisation, duplicate: Organisation) -> None:
    """Co-implementer and co-lead links name the kept organisation instead (once, never
    naming an organisation as partner of its own commitment)."""
    commitments = db.session.scalars(
        select(Commitment).where(Commitment.co_implementers.any(Organisation.id == duplicate.id))
    )
    for commitment in commitments:
        commitment.co_implementers.remove(duplicate)
        own = commitment.signature.organisation_id == kept.id
        if not own and kept not in commitment.co_implementers:
            commitment.co_implementers.append(kept)
    co_led = pledge_co_leads.c.organisation_id == duplicate.id
    pledges = db.session.scalars(select(Pledge).join(pledge_co_leads).where(co_led))
    for pledge in pledges:
        pledge.co_leads.remove(duplicate)
        if kept not in pledge.co_leads:
            pledge.co_leads.append(kept)


def merge_organisations(kept: Organisation, duplicate: Organisation, by: User | None) -> None:
    """Move everything of `duplicate` to `kept`, then delete `duplicate` (caller commits)."""
    if kept.id == duplicate.id:
        raise OperationError(
            gettext("An organisation cannot be merged into itself."), field="duplicate"
        )
    duplicate_id, name = duplicate.id, duplicate.name
    _merge_signatures(kept, duplicate)
    for model in (EngagementRecord, Contact, User, JoinRequest, Invitation):
        for row in _owned(model, duplicate):
            row.organisation = kept
    _merge_links(kept, duplicate)
    db.session.flush()
    db.session.expire(duplicate)
    db.session.delete(duplicate)
    details = {"merged": duplicate_id, "name": name, "by": by.id if by else None}
    record(db.session, "organisation.merge", kept, details)
    db.session.flush()
