"""Organisations: the staff directory and one organisation's records, the choices of forms,
what a merge would move, and the search for an organisation registered already (the same name,
or the same website, whatever the case, accents and filler words)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.geo import is_country
from registry.lists import (
    ListFilters,
    Page,
    contains_text,
    count_rows,
    enum_name,
    last_page,
    url_int,
    url_text,
)
from registry.models import (
    Commitment,
    Contact,
    EngagementRecord,
    Invitation,
    JoinRequest,
    Organisation,
    Pledge,
    ProgressUpdate,
    Region,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    User,
    Visibility,
)
from registry.models.signatures import commitment_partners

PER_PAGE = 25


@dataclass
class OrganisationFilters(ListFilters):
    """What the staff organisation list shows; every field is a URL parameter."""

    stakeholder_type: str | None = None
    region: str | None = None
    country: str | None = None
    visibility: str | None = None
    is_refugee_led: str | None = None  # "yes" / "no"
    signatory: str | None = None  # "any" or a pledge slug
    q: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> OrganisationFilters:
        """Parse request arguments; values that mean nothing are dropped, never an error."""
        country = (args.get("country") or "").upper() or None
        refugee_led = args.get("is_refugee_led")
        return cls(
            stakeholder_type=enum_name(args.get("stakeholder_type"), StakeholderType),
            region=enum_name(args.get("region"), Region),
            country=country if country and is_country(country) else None,
            visibility=enum_name(args.get("visibility"), Visibility),
            is_refugee_led=refugee_led if refugee_led in ("yes", "no") else None,
            signatory=url_text(args.get("signatory"), 100),
            q=url_text(args.get("q")),
            page=url_int(args.get("page"), 1),
        )


def _accepted_signature(slug: str | None = None):
    """Criterion: the organisation has an accepted signature (of the pledge `slug`)."""
    criterion = exists().where(
        Signature.organisation_id == Organisation.id,
        Signature.status == SignatureStatus.accepted,
    )
    if slug:
        criterion = criterion.where(Signature.pledge_id == Pledge.id, Pledge.slug == slug)
    return criterion


def organisation_select(filters: OrganisationFilters) -> Select:
    """A select of the organisations the filters allow."""
    query = select(Organisation)
    if filters.stakeholder_type:
        query = query.where(
            Organisation.stakeholder_type == StakeholderType[filters.stakeholder_type]
        )
    if filters.region:
        query = query.where(Organisation.region == Region[filters.region])
    if filters.country:
        query = query.where(Organisation.country == filters.country)
    if filters.visibility:
        query = query.where(Organisation.visibility == Visibility[filters.visibility])
    if filters.is_refugee_led:
        query = query.where(Organisation.is_refugee_led.is_(filters.is_refugee_led == "yes"))
    if filters.signatory:
        slug = None if filters.signatory == "any" else filters.signatory
        query = query.where(_accepted_signature(slug))
    if filters.q:
        query = query.where(contains_text(filters.q, Organisation.name, Organisation.acronym))
    return query


def organisation_page(filters: OrganisationFilters, per_page: int = PER_PAGE) -> Page:
    """One page of (organisation, number of accepted signatures) by name, in a fixed number
    of SQL statements."""
    base = organisation_select(filters)
    total = count_rows(base)
    page = min(filters.page, last_page(total, per_page))
    accepted = (
        select(func.count(Signature.id))
        .where(
            Signature.organisation_id == Organisation.id,
            Signature.status == SignatureStatus.accepted,
        )
        .correlate(Organisation)
        .scalar_subquery()
    )
    rows = db.session.execute(
        base.add_columns(accepted)
        .order_by(func.lower(Organisation.name), Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows=[tuple(row) for row in rows], total=total, page=page, per_page=per_page)


def signatures_of(organisation: Organisation) -> list[Signature]:
    """Every signature of an organisation, newest first, with its pledge."""
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.organisation_id == organisation.id)
            .options(selectinload(Signature.pledge), selectinload(Signature.commitments))
            .order_by(Signature.created_at.desc(), Signature.id.desc())
        )
    )


def organisation_engagements(organisation: Organisation) -> list[EngagementRecord]:
    """The organisation's engagement records, newest first, with their focal point."""
    return list(
        db.session.scalars(
            select(EngagementRecord)
            .where(EngagementRecord.organisation_id == organisation.id)
            .options(selectinload(EngagementRecord.focal_point))
            .order_by(EngagementRecord.created_at.desc(), EngagementRecord.id.desc())
        )
    )


def owned_by(model, organisation: Organisation) -> list:
    """The rows of `model` that belong to `organisation` (its `organisation_id`)."""
    return list(db.session.scalars(select(model).where(model.organisation_id == organisation.id)))


def merge_counts(duplicate: Organisation) -> dict[str, int]:
    """How many records of each kind a merge would move away from `duplicate`."""
    signatures = owned_by(Signature, duplicate)
    partner_links = db.session.execute(
        select(commitment_partners).where(commitment_partners.c.organisation_id == duplicate.id)
    ).all()
    return {
        "signatures": len(signatures),
        "commitments": sum(len(s.commitments) for s in signatures),
        "engagement_records": len(owned_by(EngagementRecord, duplicate)),
        "contacts": len(owned_by(Contact, duplicate)),
        "users": len(owned_by(User, duplicate)),
        "join_requests": len(owned_by(JoinRequest, duplicate)),
        "invitations": len(owned_by(Invitation, duplicate)),
        "co_implementer_links": len(partner_links),
    }


def organisation_choices(with_acronym: bool = True) -> list[tuple[int, str]]:
    """(id, name) of every organisation by name, for staff selects; the name is followed by
    the acronym unless `with_acronym` is false."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.acronym).order_by(
            Organisation.name, Organisation.id
        )
    )
    return [
        (id_, f"{name} ({acronym})" if acronym and with_acronym else name)
        for id_, name, acronym in rows
    ]


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


# Words that say what kind of body an organisation is rather than which one it is, so that
# "The Refugee Voices Association" and "Refugee Voices" compare equal. Kept short on purpose:
# every word added here makes two different organisations look more alike.
FILLER_WORDS = frozenset(
    {
        "the",
        "association",
        "organisation",
        "organization",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "plc",
        "gmbh",
        "ev",  # e.V. (eingetragener Verein)
        "asbl",
        "ngo",
    }
)

# Sites where many organisations have a page: the host alone says nothing about which one,
# so these compare by host and first path segment ("facebook.com/refugeevoices").
SHARED_HOSTS = frozenset(
    {
        "facebook.com",
        "m.facebook.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "youtube.com",
        "tiktok.com",
        "t.me",
        "linktr.ee",
        "medium.com",
        "sites.google.com",
        "github.com",
    }
)

# Letters that often carry accents in stored names; in the SQL pre-filter they match any one
# character, because SQLite's lower() leaves "É" alone and the database keeps accents.
_ACCENTABLE = frozenset("aeiouycnsz")


def _words(name: str) -> list[str]:
    """Case-folded, accent-free words of `name`; dots and apostrophes join ("e.V." → "ev")."""
    text = unicodedata.normalize("NFKD", (name or "").casefold())
    chars = []
    for char in text:
        if unicodedata.combining(char):
            continue
        if unicodedata.category(char)[0] in "PS":
            chars.append("" if char in ".'’" else " ")
        else:
            chars.append(char)
    return "".join(chars).split()


def _significant_words(name: str) -> list[str]:
    words = _words(name)
    # A name made only of filler words ("The Association") is compared as it is.
    return [word for word in words if word not in FILLER_WORDS] or words


def normalise_name(name: str) -> str:
    """A name reduced for comparison: case-folded, without accents, punctuation, filler words
    (the, association, ltd, inc, e.V. …) and extra spaces."""
    return " ".join(_significant_words(name))


def website_domain(url: str | None) -> str | None:
    """The host of a web address, lowercased and without "www."; None when there is none."""
    url = (url or "").strip()
    if not url:
        return None
    if "//" not in url:
        url = "//" + url  # "example.org/about" is a host and a path, not a path
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    return host.removeprefix("www.") or None


def _site_key(url: str | None) -> str | None:
    """What identifies an organisation's website: its domain, plus the page on shared sites."""
    domain = website_domain(url)
    if domain in SHARED_HOSTS:
        url = (url or "").strip()
        path = urlsplit(url if "//" in url else "//" + url).path
        segment = next((part for part in path.lower().split("/") if part), None)
        return f"{domain}/{segment}" if segment else None
    return domain


def find_similar_organisations(name: str, website: str | None = None) -> list[Organisation]:
    """Organisations with the same normalised name or the same website domain."""
    normalised = normalise_name(name)
    site = _site_key(website)
    conditions = []
    if normalised:
        # A stored name with the same normalised form contains every significant word
        # (give or take accents), so the database only returns a few candidates.
        lowered = func.lower(Organisation.name)
        word_patterns = [
            "%" + "".join("_" if c in _ACCENTABLE else c for c in word) + "%"
            for word in normalised.split()
        ]
        conditions.append(and_(*(lowered.like(pattern) for pattern in word_patterns)))
    if site:
        conditions.append(contains_text(site, Organisation.website))
    if not conditions:
        return []
    candidates = db.session.scalars(
        select(Organisation).where(or_(*conditions)).order_by(Organisation.id)
    )
    return [
        organisation
        for organisation in candidates
        if (normalised and normalise_name(organisation.name) == normalised)
        or (site and _site_key(organisation.website) == site)
    ]


def pledge_choices() -> list[tuple[str, str]]:
    """(slug, title) of every pledge by title (the directory's "signatory of" filter)."""
    return list(db.session.execute(select(Pledge.slug, Pledge.title).order_by(Pledge.title)))


def returned_updates(organisation: Organisation) -> list[ProgressUpdate]:
    """The organisation's progress updates returned for a fix, latest first (My organisation
    and the progress overview lead to them)."""
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .join(ProgressUpdate.commitment)
            .join(Commitment.signature)
            .where(
                Signature.organisation_id == organisation.id,
                ProgressUpdate.review_state == ReviewState.returned,
            )
            .options(
                selectinload(ProgressUpdate.commitment),
                selectinload(ProgressUpdate.window).selectinload(SubmissionWindow.pledge),
            )
            .order_by(ProgressUpdate.reviewed_at.desc(), ProgressUpdate.id.desc())
        )
    )
