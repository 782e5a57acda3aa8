"""Joining an existing organisation instead of registering a copy."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext
from sqlalchemy import and_, func, or_, select

from registry.extensions import db
from registry.mail import queue_template
from registry.models import (
    InvalidTransition,
    JoinRequest,
    Organisation,
    Role,
    User,
    Visibility,
    utcnow,
)

from .accounts import create_user
from .base import OperationError

__all__ = [
    "normalise_name",
    "website_domain",
    "find_similar_organisations",
    "request_to_join",
    "approve_join_request",
    "decline_join_request",
]

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


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
        pattern = "%" + _like_escape(site) + "%"
        conditions.append(func.lower(Organisation.website).like(pattern, escape="\\"))
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


def _described(organisation: Organisation, user: User) -> str:
    """The organisation as an e-mail to `user` may name it: non-public ones only to members."""
    if organisation.visibility is Visibility.public or user.organisation_id == organisation.id:
        return organisation.name
    return gettext("the organisation registered with the name or website you gave")


def request_to_join(
    user_fields: dict, organisation: Organisation, message: str | None = None
) -> JoinRequest:
    """Create a login without an organisation and its pending request to join `organisation`."""
    user = create_user(organisation=None, role=Role.stakeholder, **user_fields)
    join_request = JoinRequest(
        user=user, organisation=organisation, message=(message or "").strip() or None
    )
    db.session.add(join_request)
    db.session.flush()
    queue_template(
        user.email,
        gettext("Your request to join an organisation"),
        "join_requested",
        user=user,
        organisation_name=_described(organisation, user),
    )
    return join_request


def _decide(join_request: JoinRequest, approve: bool, by: User | None, now: datetime | None):
    try:
        if approve:
            join_request.approve(by, now or utcnow())
        else:
            join_request.decline(by, now or utcnow())
    except InvalidTransition:
        raise OperationError(
            gettext(
                "This request has already been decided (%(status)s).",
                status=join_request.status.label,
            )
        ) from None
    db.session.flush()
    user = join_request.user
    queue_template(
        user.email,
        gettext("Your request to join an organisation was approved")
        if approve
        else gettext("Your request to join an organisation was declined"),
        "join_approved" if approve else "join_declined",
        user=user,
        organisation_name=_described(join_request.organisation, user),
    )
    return join_request


def approve_join_request(
    join_request: JoinRequest, by: User | None, now: datetime | None = None
) -> JoinRequest:
    """Approve a pending request: the user joins the organisation and is told by e-mail."""
    return _decide(join_request, True, by, now)


def decline_join_request(
    join_request: JoinRequest, by: User | None, now: datetime | None = None
) -> JoinRequest:
    """Decline a pending request: the user stays without an organisation and is told by e-mail."""
    return _decide(join_request, False, by, now)
