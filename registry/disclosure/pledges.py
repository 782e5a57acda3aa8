"""The public pledge pages' data, through a `View`: every pledge with its form state and
signatory total, one pledge's signatories (named, described, not listed) and its counts by
stakeholder type and region under the small-group rule. A fixed number of statements each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.i18n import current_language
from registry.kept import Kept
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


#: Accepted signatures per pledge, by the view's state (which the signatures' change counter
#: is part of): one entry.
_TOTALS: Kept[dict[int, int]] = Kept(1)


def _signatory_totals(view: View) -> dict[int, int]:
    key = view.state_key
    if key is not None and (kept := _TOTALS.get(key)) is not None:
        return kept
    rows = db.session.execute(
        select(Signature.pledge_id, func.count(Signature.id))
        .where(Signature.status == SignatureStatus.accepted)
        .group_by(Signature.pledge_id)
    )
    found = {pledge_id: count for pledge_id, count in rows}
    if key is not None:
        _TOTALS.put(key, found)
    return found


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
    totals = _signatory_totals(view)
    return [_record(view, p, totals.get(p.id, 0)) for p in pledges]


def public_pledge(view: View, slug: str) -> PublicPledge | None:
    """One pledge by slug, or None."""
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == slug).options(*PLEDGE_LOADS))
    if pledge is None:
        return None
    return _record(view, pledge, _signatory_totals(view).get(pledge.id, 0))


def _signatories(pledge_id: int) -> list[tuple]:
    """(id, name, visibility) of every accepted signatory: plain rows, not records (tens of
    thousands at scale)."""
    query = select(Organisation.id, Organisation.name, Organisation.visibility).join(Signature)
    return db.session.execute(query.where(*_accepted(pledge_id))).all()


#: Signatories listed on one page of a pledge's public page (scale: tens of thousands).
SIGNATORIES_PER_PAGE = 50


@dataclass(frozen=True)
class _Listing:
    """A pledge's signatories as its public page lists them."""

    ids: tuple[int, ...]  # the listed ones, in the page's order
    anonymised: frozenset[int]  # who counts for the small-group rule
    hidden: int
    total: int


#: Listings kept between requests, by `_listing_key` (a few pledges and languages).
_LISTINGS: Kept[_Listing] = Kept(16)


def forget() -> None:
    """Drop the kept listings and totals."""
    _LISTINGS.clear()
    _TOTALS.clear()


def _include_population(view: View, anonymised) -> None:
    """Every anonymised signatory counts for the small-group rule (the view's snapshots of
    the protected organisations stand for them: no record is loaded)."""
    view.include(view.protected[id_] for id_ in sorted(anonymised) if id_ in view.protected)


def _listing_key(view: View, pledge_id: int) -> tuple | None:
    """What a listing depends on: the state of everything the view's names come from (None
    when the view reads its own session's changes: never kept), the language of the
    descriptions and the small-group threshold."""
    if view.state_key is None or not view.public or view.viewer_id or view.only_id:
        return None
    return (view.state_key, pledge_id, current_language(), view.threshold)


def _listing(view: View, pledge_id: int) -> _Listing:
    """Public organisations by name as printed (a name that holds a protected organisation's
    is sorted as it reads, redacted), then anonymised ones by description; hidden ones are
    only counted. The population is included in the view on the way."""
    key = _listing_key(view, pledge_id)
    if key is not None and (kept := _LISTINGS.get(key)) is not None:
        _include_population(view, kept.anonymised)
        return kept
    rows = _signatories(pledge_id)
    anonymised = frozenset(r.id for r in rows if r.visibility is Visibility.anonymised)
    _include_population(view, anonymised)
    listed = []
    for row in rows:
        if row.visibility is Visibility.public:
            listed.append((False, (view.text(row.name) or "").casefold(), row.id))
        elif row.id in anonymised and row.id in view.protected:
            described = view.describer.describe(view.protected[row.id])
            listed.append((True, described.casefold(), row.id))
    hidden = sum(r.visibility is Visibility.hidden for r in rows)
    ids = tuple(id_ for *_order, id_ in sorted(listed))
    listing = _Listing(ids, anonymised, hidden, len(rows))
    if key is not None:
        _LISTINGS.put(key, listing)
    return listing


def public_signatories(
    view: View, pledge_id: int, page: int = 1, per_page: int = SIGNATORIES_PER_PAGE
) -> PublicSignatories:
    """Who signed the pledge, one page at a time: public organisations by name, then
    anonymised ones by description only; hidden ones only counted. Every signatory counts
    for the small-group rule; records are built for the page's rows only, and the sorted
    listing is kept while nothing it depends on changes."""
    listing = _listing(view, pledge_id)
    page = min(max(page, 1), last_page(len(listing.ids), per_page))
    shown = listing.ids[(page - 1) * per_page : page * per_page]
    query = select(Organisation).where(Organisation.id.in_(shown))
    loaded = {o.id: o for o in db.session.scalars(query)}
    view.include(loaded.values())
    records = [view.organisation(loaded[id_]) for id_ in shown if id_ in loaded]
    records = [r for r in records if r is not None]
    return PublicSignatories(
        named=tuple(r for r in records if r.is_named),
        described=tuple(r for r in records if not r.is_named),
        not_listed=view.count(listing.hidden),
        total=listing.total,
        page=Page(rows=records, total=len(listing.ids), page=page, per_page=per_page),
    )


def _rows(view: View, counts: Counter, order) -> list[tuple]:
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], order(kv[0])))
    return [(value, view.count(n)) for value, n in rows]


def signatory_counts(view: View, pledge_id: int) -> dict:
    """The pledge's accepted signatories in total (exact), by stakeholder type and by region
    (each a count under a filter: "fewer than 3" for a small group)."""
    groups = db.session.execute(
        select(Organisation.stakeholder_type, Organisation.region, func.count())
        .join(Signature)
        .where(*_accepted(pledge_id))
        .group_by(Organisation.stakeholder_type, Organisation.region)
    ).all()
    types, regions = Counter(), Counter()
    for stakeholder_type, region, n in groups:
        types[stakeholder_type] += n
        regions[region] += n

    def order(value):
        return "~" if value is None else value.name

    by_type = _rows(view, types, order)
    by_region = _rows(view, regions, order)
    return {
        "total": view.count(sum(types.values()), exact=True),
        "by_stakeholder_type": by_type,
        "by_region": by_region,
        "coarsened": any(count.is_small for _value, count in by_type + by_region),
    }
