"""The public pledge pages' data, through a `View`: every pledge with its form state and
signatory total, one pledge's signatories (named, described, not listed) and its counts by
stakeholder type and region under the small-group rule. A fixed number of statements each."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.lists import Page, last_page
from registry.models import (
    Organisation,
    Pledge,
    Signature,
    SignatureStatus,
    Visibility,
    WindowKind,
    utcnow,
)
from registry.templating import window_words

from .records import PublicPledge, PublicSignatories
from .view import View


def _accepted(pledge_id: int):
    return (Signature.pledge_id == pledge_id, Signature.status == SignatureStatus.accepted)


def _signatory_totals() -> dict[int, int]:
    rows = db.session.execute(
        select(Signature.pledge_id, func.count(Signature.id))
        .where(Signature.status == SignatureStatus.accepted)
        .group_by(Signature.pledge_id)
    )
    return {pledge_id: count for pledge_id, count in rows}


def _record(view: View, pledge: Pledge, total: int) -> PublicPledge:
    now = utcnow()
    view.include(pledge.co_leads)
    co_leads = (view.organisation(o) for o in pledge.co_leads)
    return PublicPledge(
        id=pledge.id,
        slug=pledge.slug,
        title=pledge.title,
        summary=pledge.summary or "",
        forum=pledge.forum,
        key_outcomes=tuple(o.title for o in pledge.key_outcomes),
        co_leads=tuple(o for o in co_leads if o is not None),
        form_state=window_words(pledge.current_window(WindowKind.signature, now), now),
        signatories=total,
        key_outcome_ids=tuple(o.id for o in pledge.key_outcomes),
    )


#: What a pledge record reads.
PLEDGE_LOADS = (
    selectinload(Pledge.windows),
    selectinload(Pledge.key_outcomes),
    selectinload(Pledge.co_leads),
)


def public_pledges(view: View) -> list[PublicPledge]:
    """Every pledge by title, with its signature form's state and signatory total."""
    pledges = db.session.scalars(select(Pledge).options(*PLEDGE_LOADS).order_by(Pledge.title))
    totals = _signatory_totals()
    return [_record(view, p, totals.get(p.id, 0)) for p in pledges]


def public_pledge(view: View, slug: str) -> PublicPledge | None:
    """One pledge by slug, or None."""
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == slug).options(*PLEDGE_LOADS))
    if pledge is None:
        return None
    return _record(view, pledge, _signatory_totals().get(pledge.id, 0))


def _signatory_organisations(pledge_id: int) -> list[Organisation]:
    query = select(Organisation).join(Signature).where(*_accepted(pledge_id))
    return list(db.session.scalars(query))


#: Signatories listed on one page of a pledge's public page (scale: tens of thousands).
SIGNATORIES_PER_PAGE = 50


def public_signatories(
    view: View, pledge_id: int, page: int = 1, per_page: int = SIGNATORIES_PER_PAGE
) -> PublicSignatories:
    """Who signed the pledge, one page at a time: public organisations by name, then
    anonymised ones by description only; hidden ones only counted. Every signatory counts
    for the small-group rule; records are built for the page's rows only."""
    organisations = _signatory_organisations(pledge_id)
    view.include(organisations)
    listed = [(name, o) for o in organisations if (name := view.name(o)) is not None]
    listed.sort(key=lambda pair: (not view.is_named(pair[1]), pair[0].casefold()))
    page = min(max(page, 1), last_page(len(listed), per_page))
    rows = [view.organisation(o) for _name, o in listed[(page - 1) * per_page : page * per_page]]
    hidden = sum(o.visibility is Visibility.hidden for o in organisations)
    return PublicSignatories(
        named=tuple(r for r in rows if r.is_named),
        described=tuple(r for r in rows if not r.is_named),
        not_listed=view.count(hidden),
        total=len(organisations),
        page=Page(rows=rows, total=len(listed), page=page, per_page=per_page),
    )


def _rows(view: View, counts: Counter, order) -> list[tuple]:
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], order(kv[0])))
    return [(value, view.count(n)) for value, n in rows]


def signatory_counts(view: View, pledge_id: int) -> dict:
    """The pledge's accepted signatories in total (exact), by stakeholder type and by region
    (each a count under a filter: "fewer than 3" for a small group)."""
    organisations = _signatory_organisations(pledge_id)

    def order(value):
        return "~" if value is None else value.name

    by_type = _rows(view, Counter(o.stakeholder_type for o in organisations), order)
    by_region = _rows(view, Counter(o.region for o in organisations), order)
    return {
        "total": view.count(len(organisations), exact=True),
        "by_stakeholder_type": by_type,
        "by_region": by_region,
        "coarsened": any(count.is_small for _value, count in by_type + by_region),
    }
