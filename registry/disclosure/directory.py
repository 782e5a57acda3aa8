"""The public directory's data, through a `View`: commitments and signatories across pledges
with their filters and facets, one commitment, one public organisation. The directory pages, the
JSON API and the open data downloads all read these functions, so a filtered page, the API
answer and a download hold the same rows.

Every filter is a fact the public record itself shows, so filtering can never tell more than
the rows do:

- `country` matches the countries of a public organisation's commitment (an anonymised one's
  commitments show regions, never countries);
- `region` matches the regions of a commitment's countries (shown for every commitment, as
  countries or as regions), never an organisation's own region, which the small-group rule
  may coarsen;
- `q` matches the text as the public reads it (titles, descriptions and names after
  redaction): a protected name never finds anything.

A fixed number of statements per page, whatever the rows per page (a search reads its
candidates' records at once).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import Enum

from flask_babel import get_locale
from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.geo import countries_in, is_country
from registry.kept import Kept
from registry.lists import Page, contains_text, url_int, url_text
from registry.models import (
    Commitment,
    CommitmentCountry,
    CommitmentStatus,
    KeyOutcome,
    Organisation,
    Pledge,
    ProgressUpdate,
    Region,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    Visibility,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
    utcnow,
)
from registry.models.signatures import commitment_action_areas, commitment_risks

from .naming import PublicCount, min_group
from .records import PublicCommitment, PublicOrganisation, PublicSignature
from .version import public_version
from .view import COMMITMENT_LOADS, View

#: The largest page of the directory and the API.
MAX_PER_PAGE = 100
PER_PAGE = 25

#: The values of the filters that name an enumeration, by filter.
CHOICES = {
    "status": [s.name for s in CommitmentStatus],
    "stakeholder_type": [s.name for s in StakeholderType],
    "region": [r.name for r in Region],
}

#: What a commitment record of the directory reads, updates included.
DIRECTORY_LOADS = (
    *COMMITMENT_LOADS,
    selectinload(Commitment.progress_updates).selectinload(ProgressUpdate.window),
)


@dataclass(frozen=True)
class CommitmentQuery:
    """The directory's filters, already checked (names of enums and vocabulary codes)."""

    pledge: str | None = None
    status: str | None = None
    stakeholder_type: str | None = None
    region: str | None = None
    country: str | None = None
    risk: str | None = None
    action_area: str | None = None
    key_outcome: int | None = None
    q: str | None = None
    updated_since: datetime | None = None

    @classmethod
    def from_args(cls, args) -> CommitmentQuery:
        """The directory page's parameters; values that mean nothing are dropped (the API
        refuses them instead)."""
        country = (args.get("country") or "").upper()
        since = args.get("updated_since") or ""
        try:
            updated_since = datetime.fromisoformat(since) if since else None
            if updated_since is not None:
                # In UTC here, where an extreme offset at the calendar's ends overflows (a
                # value the database's conversion would otherwise fail on).
                updated_since = updated_since.replace(tzinfo=updated_since.tzinfo or UTC)
                updated_since = updated_since.astimezone(UTC)
        except (ValueError, OverflowError):
            updated_since = None
        return cls(
            pledge=args.get("pledge") if args.get("pledge") in pledge_slugs() else None,
            status=_member(args.get("status"), "status"),
            stakeholder_type=_member(args.get("stakeholder_type"), "stakeholder_type"),
            region=_member(args.get("region"), "region"),
            country=country if is_country(country) else None,
            risk=args.get("risk") if args.get("risk") in vocabulary_codes("risk") else None,
            action_area=args.get("action_area")
            if args.get("action_area") in vocabulary_codes("action_area")
            else None,
            key_outcome=url_int(args.get("key_outcome")),
            q=url_text(args.get("q")),
            updated_since=updated_since,
        )

    def to_args(self, **changes) -> dict:
        """The set filters as URL parameters (for links and pagination)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in values.items()
            if v not in (None, "")
        }


@dataclass(frozen=True)
class SignatoryQuery:
    """The signatory list's filters."""

    pledge: str | None = None
    stakeholder_type: str | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args) -> SignatoryQuery:
        """The signatory page's parameters; values that mean nothing are dropped."""
        return cls(
            pledge=args.get("pledge") if args.get("pledge") in pledge_slugs() else None,
            stakeholder_type=_member(args.get("stakeholder_type"), "stakeholder_type"),
            q=url_text(args.get("q")),
        )

    def to_args(self, **changes) -> dict:
        """The set filters as URL parameters."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        return {k: v for k, v in values.items() if v not in (None, "")}


def _member(value, name: str) -> str | None:
    return value if value in CHOICES[name] else None


# -- what the public sees of the whole -------------------------------------------------------


def _shown():
    """Criterion: accepted signatures of organisations that are not hidden."""
    return (
        Signature.status == SignatureStatus.accepted,
        Organisation.visibility != Visibility.hidden,
    )


#: The anonymised organisations that signed, by the view's state (`View.state_key`: the
#: change counters of organisations and signatures among others), one entry: snapshots of
#: the view's kept protected organisations, in id order.
_SIGNED: Kept[tuple] = Kept(1)


def _anonymised_signatories(view: View) -> tuple:
    key = view.state_key
    found = _SIGNED.get(key) if key is not None else None
    if found is None:
        signed = set(
            db.session.scalars(
                select(Signature.organisation_id)
                .join(Signature.organisation)
                .where(
                    Signature.status == SignatureStatus.accepted,
                    Organisation.visibility == Visibility.anonymised,
                )
            )
        )
        found = tuple(o for id_, o in sorted(view.protected.items()) if id_ in signed)
        if key is not None:
            _SIGNED.put(key, found)
    return found


def _population(view: View) -> None:
    """Every anonymised signatory counts for the small-group rule, so an organisation reads
    the same on every page and under every filter of the directory. (The view has loaded the
    protected organisations already: only which of them signed is read here, and kept while
    the view's state is unchanged.)"""
    view.include(_anonymised_signatories(view))


def _vocabulary_match(link, kind: VocabularyKind, code: str):
    return (
        exists()
        .where(link.c.commitment_id == Commitment.id)
        .where(
            link.c.term_id == VocabularyTerm.id,
            VocabularyTerm.kind == kind,
            VocabularyTerm.code == code,
        )
    )


def commitment_select(query: CommitmentQuery) -> Select:
    """The commitments the public sees under the filters (but `q`, which reads records)."""
    statement = (
        select(Commitment)
        .join(Commitment.signature)
        .join(Signature.organisation)
        .join(Signature.pledge)
        .where(*_shown())
    )
    if query.pledge:
        statement = statement.where(Pledge.slug == query.pledge)
    if query.status:
        statement = statement.where(Commitment.status == CommitmentStatus[query.status])
    if query.stakeholder_type:
        statement = statement.where(
            Organisation.stakeholder_type == StakeholderType[query.stakeholder_type]
        )
    if query.country:
        statement = statement.where(
            Organisation.visibility == Visibility.public,
            exists().where(
                CommitmentCountry.commitment_id == Commitment.id,
                CommitmentCountry.country == query.country,
            ),
        )
    if query.region:
        statement = statement.where(
            exists().where(
                CommitmentCountry.commitment_id == Commitment.id,
                CommitmentCountry.country.in_(countries_in(Region[query.region])),
            )
        )
    if query.risk:
        statement = statement.where(
            _vocabulary_match(commitment_risks, VocabularyKind.risk, query.risk)
        )
    if query.action_area:
        statement = statement.where(
            _vocabulary_match(
                commitment_action_areas, VocabularyKind.action_area, query.action_area
            )
        )
    if query.key_outcome:
        statement = statement.where(Commitment.key_outcome_id == query.key_outcome)
    if query.updated_since:
        statement = statement.where(Commitment.updated_at >= query.updated_since)
    if query.q:
        # Candidates only: the raw text holds every word the public text holds but the
        # descriptions put in for protected names; the records decide (`_finds`).
        public_name = case(
            (Organisation.visibility == Visibility.public, Organisation.name), else_=""
        )
        statement = statement.where(
            contains_text(query.q, Commitment.title, Commitment.description, public_name)
        )
    return statement


ORDER = (Commitment.updated_at.desc(), Commitment.id.desc())


def _finds(record: PublicCommitment, q: str) -> bool:
    """Whether the public text of the commitment contains `q` (ignoring case)."""
    needle = q.casefold()
    texts = (record.title, record.description, record.organisation.name)
    return any(needle in (text or "").casefold() for text in texts)


def _records(view: View, commitments: list[Commitment]) -> list[PublicCommitment]:
    owners = [c.signature.organisation for c in commitments]
    partners = [p for c in commitments for p in c.co_implementers]
    view.include(
        owners + partners, texts=[t for c in commitments for t in (c.title, c.description)]
    )
    records = (view.commitment(c, c.progress_updates) for c in commitments)
    return [r for r in records if r is not None]


#: Pages of the public list for the plain public view, by (public data version, language,
#: filters, page, size): records built through the public view, the same until the data
#: changes, with the protected organisations the page added to the view's small-group
#: population (so that the rest of the output reads as on a fresh build). Bounded.
_PAGES: Kept[tuple[Page, tuple[int, ...]]] = Kept(256)


def public_commitments(
    view: View, query: CommitmentQuery, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of the public commitments under the filters, newest change first. A page past
    the end is empty (the pages of the directory ask for at most the last one)."""
    _population(view)
    if not view.is_plain_public or view.state_key is None:
        return _commitments_page(view, query, page, per_page)
    key = (public_version().tag, str(get_locale()), query, page, per_page)
    kept = _PAGES.get(key)
    if kept is not None:
        found, added = kept
        view.include(view.protected[i] for i in added if i in view.protected)
        return found
    before = view.included()
    found = _commitments_page(view, query, page, per_page)
    added = tuple(sorted(view.included() - before))
    _PAGES.put(key, (found, added))
    return found


def _commitments_page(view: View, query: CommitmentQuery, page: int, per_page: int) -> Page:
    statement = commitment_select(query)
    if query.q:
        candidates = list(db.session.scalars(statement.options(*DIRECTORY_LOADS).order_by(*ORDER)))
        found = [r for r in _records(view, candidates) if _finds(r, query.q)]
        start = (page - 1) * per_page
        return Page(
            rows=found[start : start + per_page], total=len(found), page=page, per_page=per_page
        )
    total = _total(view, query, statement)
    rows = db.session.scalars(
        statement.options(*DIRECTORY_LOADS)
        .order_by(*ORDER)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(rows=_records(view, list(rows)), total=total, page=page, per_page=per_page)


#: Totals of the list under each filter, by (public data version, filters): a COUNT over every
#: matching commitment, the same until the data changes. A number of listed rows: it names
#: no one.
_TOTALS: Kept[int] = Kept(1024)


def _total(view: View, query: CommitmentQuery, statement: Select) -> int:
    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0

    if view.state_key is None:  # the session's own changes: counted afresh, kept nowhere
        return count()
    return _TOTALS.build((public_version().tag, query), count)


def public_commitment(view: View, commitment_id: int) -> PublicCommitment | None:
    """One commitment with its verified updates, or None when the public may not see it."""
    _population(view)
    commitment = db.session.scalar(
        commitment_select(CommitmentQuery())
        .where(Commitment.id == commitment_id)
        .options(*DIRECTORY_LOADS)
    )
    if commitment is None:
        return None
    records = _records(view, [commitment])
    return records[0] if records else None


# -- facets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """One value of a filter: its URL value, its label, how many commitments it has and of
    how many organisations (`shown`: the count as the public reads it, "fewer than 3" when
    fewer organisations than the small-group threshold have them)."""

    value: str
    label: str
    count: int
    organisations: int = 0

    @property
    def shown(self) -> PublicCount:
        return PublicCount(self.count, self.organisations, min_group())

    @property
    def is_small(self) -> bool:
        return self.shown.is_small


def _facet(statement: Select, column, labels: dict) -> list[Facet]:
    counts = db.session.execute(
        statement.with_only_columns(
            column,
            func.count(func.distinct(Commitment.id)),
            func.count(func.distinct(Signature.organisation_id)),
        )
        .group_by(column)
        .order_by(None)
    )
    facets = [
        Facet(value.name if isinstance(value, Enum) else str(value), labels.get(value, ""), n, o)
        for value, n, o in counts
        if value is not None
    ]
    return sorted(facets, key=lambda f: (-f.count, f.label))


#: Facets by (public data version, language, filters): eight GROUP BY statements over every
#: commitment, the same until the data changes. Counts of listed rows only: they name no one.
_FACETS: Kept[dict] = Kept(256)


def forget_pages() -> None:
    """Drop the kept pages of records (what a page costs to build is then measured)."""
    _PAGES.clear()


def forget() -> None:
    """Drop the kept facet counts, totals and signatories."""
    _FACETS.clear()
    _TOTALS.clear()
    _PAGES.clear()
    _SIGNED.clear()


def cached_facets(version: str, language: str, query: CommitmentQuery) -> dict[str, list[Facet]]:
    """`commitment_facets(query)`, counted once per version of the public data."""
    return _FACETS.build((version, language, query), lambda: commitment_facets(query))


def commitment_facets(query: CommitmentQuery) -> dict[str, list[Facet]]:
    """For each filter, its values among the commitments the other filters select, with how
    many each has (the directory's side panel). Without `q`: counts of the public rows."""
    facets = {}
    base = {f.name: getattr(query, f.name) for f in fields(query)} | {"q": None}

    def others(name):
        return commitment_select(CommitmentQuery(**(base | {name: None})))

    pledges = {p.slug: p.title for p in db.session.scalars(select(Pledge))}
    facets["pledge"] = _facet(others("pledge"), Pledge.slug, pledges)
    facets["status"] = _facet(
        others("status"), Commitment.status, {s: s.label for s in CommitmentStatus}
    )
    facets["stakeholder_type"] = _facet(
        others("stakeholder_type"),
        Organisation.stakeholder_type,
        {s: s.label for s in StakeholderType},
    )
    for name, link, kind in (
        ("risk", commitment_risks, VocabularyKind.risk),
        ("action_area", commitment_action_areas, VocabularyKind.action_area),
    ):
        statement = (
            others(name)
            .join(link, link.c.commitment_id == Commitment.id)
            .join(VocabularyTerm, VocabularyTerm.id == link.c.term_id)
            .where(VocabularyTerm.kind == kind)
        )
        terms = {
            t.code: t.label
            for t in db.session.scalars(select(VocabularyTerm).where(VocabularyTerm.kind == kind))
        }
        facets[name] = _facet(statement, VocabularyTerm.code, terms)
    outcomes = {o.id: o.title for o in db.session.scalars(select(KeyOutcome))}
    facets["key_outcome"] = _facet(others("key_outcome"), Commitment.key_outcome_id, outcomes)
    facets["region"] = _region_facet(others("region"))
    return facets


def _region_facet(statement: Select) -> list[Facet]:
    codes = db.session.execute(
        statement.join(CommitmentCountry, CommitmentCountry.commitment_id == Commitment.id)
        .with_only_columns(CommitmentCountry.country, Commitment.id, Signature.organisation_id)
        .order_by(None)
    )
    regions = {region.name: region for region in Region}
    lookup = {code: name for name, region in regions.items() for code in countries_in(region)}
    seen: Counter = Counter()
    organisations: dict[str, set] = {}
    for name, _commitment, org in {(lookup.get(code), cid, o) for code, cid, o in codes}:
        if name:
            seen[name] += 1
            organisations.setdefault(name, set()).add(org)
    facets = [
        Facet(name, regions[name].label, n, len(organisations[name])) for name, n in seen.items()
    ]
    return sorted(facets, key=lambda f: (-f.count, f.label))


# -- signatories and organisations ------------------------------------------------------------


def signatory_select(query: SignatoryQuery) -> Select:
    """The signatures the public sees under the filters (but `q`)."""
    statement = (
        select(Signature)
        .join(Signature.organisation)
        .join(Signature.pledge)
        .where(*_shown())
        .options(selectinload(Signature.organisation), selectinload(Signature.pledge))
    )
    if query.pledge:
        statement = statement.where(Pledge.slug == query.pledge)
    if query.stakeholder_type:
        statement = statement.where(
            Organisation.stakeholder_type == StakeholderType[query.stakeholder_type]
        )
    if query.q:
        # Only public organisations are found by name (then checked on the name as shown).
        statement = statement.where(
            Organisation.visibility == Visibility.public,
            contains_text(query.q, Organisation.name, Organisation.acronym),
        )
    return statement


#: Named signatories first, by name; then described ones in the order they signed (never by
#: their hidden names).
SIGNATORY_ORDER = (
    case((Organisation.visibility == Visibility.public, 0), else_=1),
    case((Organisation.visibility == Visibility.public, func.lower(Organisation.name)), else_=""),
    Signature.id,
)


def _signature_records(view: View, signatures: list[Signature]) -> list[PublicSignature]:
    view.include(s.organisation for s in signatures)
    records = (view.signature(s) for s in signatures)
    return [r for r in records if r is not None]


def _names(record: PublicSignature, q: str) -> bool:
    return q.casefold() in record.organisation.full_name.casefold()


def public_signatures(
    view: View, query: SignatoryQuery, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of accepted signatures across pledges (hidden signatories are not listed)."""
    _population(view)
    statement = signatory_select(query)
    if query.q:
        found = [
            r
            for r in _signature_records(
                view, list(db.session.scalars(statement.order_by(*SIGNATORY_ORDER)))
            )
            if _names(r, query.q)
        ]
        start = (page - 1) * per_page
        return Page(
            rows=found[start : start + per_page], total=len(found), page=page, per_page=per_page
        )
    total = _total(view, query, statement)
    rows = db.session.scalars(
        statement.order_by(*SIGNATORY_ORDER).limit(per_page).offset((page - 1) * per_page)
    )
    return Page(
        rows=_signature_records(view, list(rows)), total=total, page=page, per_page=per_page
    )


@dataclass(frozen=True)
class PublicProfile:
    """A public organisation's page: the organisation, its signatures and their commitments."""

    organisation: PublicOrganisation
    signatures: tuple[PublicSignature, ...]


def public_organisation(view: View, organisation_id: int) -> PublicProfile | None:
    """A public organisation with an accepted signature, or None (a non-public organisation
    has no page: it is never linkable, and its absence says nothing)."""
    organisation = db.session.scalar(
        select(Organisation).where(
            Organisation.id == organisation_id,
            Organisation.visibility == Visibility.public,
            exists().where(
                Signature.organisation_id == Organisation.id,
                Signature.status == SignatureStatus.accepted,
            ),
        )
    )
    if organisation is None:
        return None
    _population(view)
    signatures = list(
        db.session.scalars(
            select(Signature)
            .where(
                Signature.organisation_id == organisation.id,
                Signature.status == SignatureStatus.accepted,
            )
            .options(selectinload(Signature.pledge), selectinload(Signature.organisation))
            .order_by(Signature.id)
        )
    )
    commitments = list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.signature_id.in_([s.id for s in signatures]))
            .options(*DIRECTORY_LOADS)
            .order_by(Commitment.id)
        )
    )
    records = _records(view, commitments)
    shown = [
        view.signature(s, [r for r in records if r.pledge_id == s.pledge_id]) for s in signatures
    ]
    return PublicProfile(
        organisation=view.organisation(organisation),
        signatures=tuple(s for s in shown if s is not None),
    )


# -- what a filter may name ----------------------------------------------------------------


def pledge_slugs() -> set[str]:
    """The slugs of every pledge."""
    return set(db.session.scalars(select(Pledge.slug)))


def vocabulary_codes(kind: str) -> set[str]:
    """The codes of a vocabulary's terms (`kind`: `risk`, `action_area` …)."""
    statement = select(VocabularyTerm.code).where(VocabularyTerm.kind == VocabularyKind[kind])
    return set(db.session.scalars(statement))


def vocabulary_labels(kind: str) -> list[tuple[str, str]]:
    """(code, label) of a vocabulary's terms, in their order (for the data dictionary)."""
    statement = (
        select(VocabularyTerm)
        .where(VocabularyTerm.kind == VocabularyKind[kind])
        .order_by(VocabularyTerm.position, VocabularyTerm.id)
    )
    return [(t.code, t.label) for t in db.session.scalars(statement)]


def key_outcome_ids() -> set[int]:
    """The ids of every pledge's key outcomes."""
    return set(db.session.scalars(select(KeyOutcome.id)))


# -- a pledge's public progress -------------------------------------------------------------


@dataclass(frozen=True)
class PledgeProgress:
    """The figures of a pledge's public dashboard: the commitments the directory lists, by
    each facet, and how many reported verified progress in the latest reporting cycle."""

    total: int
    facets: dict[str, list[Facet]]
    cycle: str | None  # the latest reporting cycle that has opened, if any
    reported: int  # commitments with a verified update in that cycle

    @property
    def reported_share(self) -> int | None:
        """The share that reported, in whole percent (None without a cycle or commitments)."""
        if self.cycle is None or not self.total:
            return None
        return round(100 * self.reported / self.total)


def pledge_progress(slug: str) -> PledgeProgress:
    """The public dashboard's figures for the pledge `slug` (a fixed number of statements)."""
    query = CommitmentQuery(pledge=slug)
    statement = commitment_select(query)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    facets = commitment_facets(query)
    window = db.session.scalar(
        select(SubmissionWindow)
        .join(Pledge)
        .where(
            Pledge.slug == slug,
            SubmissionWindow.kind == WindowKind.progress,
            SubmissionWindow.opens_at <= utcnow(),
        )
        .order_by(SubmissionWindow.opens_at.desc(), SubmissionWindow.id.desc())
        .limit(1)
    )
    reported = 0
    if window is not None:
        reported = (
            db.session.scalar(
                select(func.count()).select_from(
                    statement.where(
                        exists().where(
                            ProgressUpdate.commitment_id == Commitment.id,
                            ProgressUpdate.window_id == window.id,
                            ProgressUpdate.review_state == ReviewState.verified,
                        )
                    ).subquery()
                )
            )
            or 0
        )
    return PledgeProgress(total, facets, window.label if window else None, reported)
