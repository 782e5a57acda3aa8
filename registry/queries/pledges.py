"""Read-only queries behind public pages and reports; each issues a fixed number of statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import (
    Organisation,
    Pledge,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    Visibility,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
    utcnow,
)

__all__ = [
    "pledge_by_slug",
    "all_pledges",
    "signature_window",
    "current_window",
    "accepted_signatories",
    "signatory_counts",
    "signatory_totals",
    "signature_of",
    "vocabulary_terms",
    "partner_choices",
    "signatures_of",
]


def pledge_by_slug(slug: str) -> Pledge | None:
    """The pledge with `slug`, its key outcomes, co-leads and windows loaded up front."""
    return db.session.scalar(
        select(Pledge)
        .where(Pledge.slug == slug)
        .options(
            selectinload(Pledge.key_outcomes),
            selectinload(Pledge.co_leads),
            selectinload(Pledge.windows),
        )
    )


def all_pledges() -> list[Pledge]:
    """Every pledge by title, with its windows loaded up front."""
    query = select(Pledge).options(selectinload(Pledge.windows)).order_by(Pledge.title)
    return list(db.session.scalars(query))


def signature_window(pledge: Pledge) -> SubmissionWindow | None:
    """The pledge's current signature window: the open one, else the next, else the latest."""
    return current_window(pledge, WindowKind.signature)


def current_window(
    pledge: Pledge, kind: WindowKind, now: datetime | None = None
) -> SubmissionWindow | None:
    """The pledge's window of `kind` that matters now: the open one, else the next, else the
    latest."""
    windows = [w for w in pledge.windows if w.kind is kind]
    now = now or utcnow()
    for window in windows:
        if window.is_open(now):
            return window
    upcoming = [w for w in windows if w.reopens_at(now)]
    if upcoming:
        return min(upcoming, key=lambda w: w.opens_at)
    return max(windows, key=lambda w: w.id, default=None)


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


def signature_of(pledge: Pledge, organisation: Organisation) -> Signature | None:
    """The organisation's signature of the pledge, if it has started one."""
    return db.session.scalar(
        select(Signature).where(
            Signature.pledge_id == pledge.id, Signature.organisation_id == organisation.id
        )
    )


def vocabulary_terms() -> dict[str, list]:
    """Active vocabulary terms by kind name, in their order (for form choices)."""
    terms = db.session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.is_active.is_(True))
        .order_by(VocabularyTerm.kind, VocabularyTerm.position)
    )
    grouped: dict[str, list] = {kind.name: [] for kind in VocabularyKind}
    for term in terms:
        grouped[term.kind.name].append(term)
    return grouped


def partner_choices(exclude_id: int | None = None) -> list[Organisation]:
    """Organisations a commitment can name as co-implementers (public ones, by name)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.visibility == Visibility.public, Organisation.id != (exclude_id or 0)
            )
            .order_by(Organisation.name)
        )
    )


def signatures_of(organisation: Organisation) -> list[Signature]:
    """Every signature of an organisation, newest first, with its pledge."""
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.organisation_id == organisation.id)
            .options(selectinload(Signature.pledge), selectinload(Signature.commitments))
            .order_by(Signature.created_at.desc())
        )
    )
