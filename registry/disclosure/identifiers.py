"""Who is protected, and by what they could be recognised: the identifiers of every anonymised
or hidden organisation, loaded in a fixed number of statements.

An organisation's identifiers are its name (also without filler words such as "Association"),
acronym, other names, website, the e-mail domains its people use (unless other organisations'
people use them too, or anyone can have an address there) and the names of its contacts and of
the people who signed for it.

Loading them reads every protected organisation, contact, account and signer (about a second at
demo scale 30), so `protected_now` keeps the last load in the process, under the state it was
read in: the change counters of the four tables they come from (`registry.versions`, as for
the public ETag), which database triggers renew in every transaction that writes there, one
statement of primary-key reads; it loads again as soon as any of them moves. A
session with changes of its own (flushed or not) always loads afresh, and only a load that the
same state brackets before and after is kept: nothing read from uncommitted or moving data is
ever reused.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models import (
    Contact,
    Organisation,
    Region,
    Signature,
    StakeholderType,
    User,
    Visibility,
)
from registry.text import SHARED_MAIL_DOMAINS, email_domain, fold, normalise_name, site_key
from registry.versions import split_version, version_select

from .redaction import Identifier

#: The tables an identifier comes from (see `load_protected`).
SOURCE_TABLES = ("organisations", "contacts", "users", "signatures")
#: Session info key: the session flushed changes in its open transaction.
WROTE = "disclosure_wrote"


@dataclass(frozen=True)
class ProtectedOrganisation:
    """What outputs read of a protected organisation to describe it (a snapshot, so that a
    kept load holds no database object)."""

    id: int
    name: str
    visibility: Visibility
    stakeholder_type: StakeholderType
    region: Region | None
    is_refugee_led: bool

    @classmethod
    def of(cls, organisation: Organisation) -> ProtectedOrganisation:
        return cls(
            organisation.id,
            organisation.name,
            organisation.visibility,
            organisation.stakeholder_type,
            organisation.region,
            bool(organisation.is_refugee_led),
        )


@dataclass(frozen=True)
class Protected:
    """The non-public organisations and their identifiers."""

    organisations: dict[int, ProtectedOrganisation]
    identifiers: list[Identifier]
    digest: str = field(init=False)
    #: The state it was kept under (`protected_now`); None for a load that is not kept.
    key: tuple | None = field(default=None, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "digest", identifiers_digest(self.identifiers))


def _profile(organisation: Organisation) -> dict:
    return {
        "name": organisation.name,
        "acronym": organisation.acronym,
        "other_names": organisation.other_names,
        "website": organisation.website,
    }


def profile_identifiers(organisation_id: int, profile: dict) -> list[Identifier]:
    """The identifiers in an organisation's profile (name, acronym, other names, website)."""
    others = tuple(profile.get("other_names") or ())
    return list(
        _profile_identifiers(
            organisation_id,
            profile.get("name"),
            profile.get("acronym"),
            others,
            profile.get("website"),
        )
    )


@lru_cache(maxsize=2**15)
def _profile_identifiers(organisation_id, name, acronym, other_names, website) -> tuple:
    """`profile_identifiers`, remembered by its arguments (it folds and normalises every
    protected organisation's names for every public page)."""
    profile = {"name": name, "acronym": acronym, "other_names": other_names, "website": website}
    found = []

    def add(kind: str, text: str | None) -> None:
        if text and text.strip():
            found.append(Identifier(organisation_id, kind, text.strip()))

    name = profile.get("name") or ""
    add("name", name)
    short = normalise_name(name)  # "Refugee Voices" of "The Refugee Voices Association"
    if short and short != " ".join(fold(name).split()):
        add("name", short)
    add("acronym", profile.get("acronym"))
    for other in profile.get("other_names") or []:
        add("other name", other)
    add("website", site_key(profile.get("website")))
    return tuple(found)


def identifiers_of(organisation: Organisation, profile: dict | None = None) -> list[Identifier]:
    """One organisation's identifiers, whatever its visibility: its profile (or the `profile`
    a form is about to save), its people's e-mail domains (webmail aside), its contacts' and
    signers' names. For the warnings of its own forms."""
    found = profile_identifiers(organisation.id, profile or _profile(organisation))
    people = [(c.name, c.email) for c in organisation.contacts]
    people += [(None, u.email) for u in organisation.users]
    for name, address in people:
        domain = email_domain(address)
        if domain and domain not in SHARED_MAIL_DOMAINS:
            found.append(Identifier(organisation.id, "e-mail domain", domain))
        if name and name.strip():
            found.append(Identifier(organisation.id, "contact", name.strip()))
    for signature in organisation.signatures:
        if signature.signed_by_name and signature.signed_by_name.strip():
            found.append(Identifier(organisation.id, "signer", signature.signed_by_name.strip()))
    return found


def _domains_in_use(contacts: list, websites: list) -> dict[str, set[int]]:
    """E-mail domain (and website host) -> the organisations whose people or site use it.
    `websites` are (organisation id, site key): the host each organisation stores, derived
    from its website by `registry.text.site_key` whenever the website is written."""
    used: dict[str, set[int]] = defaultdict(set)
    users = db.session.execute(
        select(User.organisation_id, User.email).where(User.organisation_id.is_not(None))
    ).all()
    for organisation_id, address in [(c[0], c[2]) for c in contacts] + list(users):
        if domain := email_domain(address):
            used[domain].add(organisation_id)
    for organisation_id, host in websites:
        if host:
            used[host].add(organisation_id)
    return used


def load_protected() -> Protected:
    """Every non-public organisation and every identifier of each, in a stable order: five
    statements, whatever the number of organisations."""
    organisations = {
        o.id: o
        for o in db.session.scalars(
            select(Organisation)
            .where(Organisation.visibility != Visibility.public)
            .order_by(Organisation.id)
        )
    }
    snapshots = {id_: ProtectedOrganisation.of(o) for id_, o in organisations.items()}
    if not organisations:
        return Protected({}, [])
    found: list[Identifier] = []

    def add(organisation_id: int, kind: str, text: str | None) -> None:
        if text and text.strip() and organisation_id in organisations:
            found.append(Identifier(organisation_id, kind, text.strip()))

    for organisation in organisations.values():
        found += profile_identifiers(organisation.id, _profile(organisation))
    contacts = db.session.execute(
        select(Contact.organisation_id, Contact.name, Contact.email)
    ).all()
    # The stored site keys: deriving them again from 30,000 websites costs seconds.
    websites = db.session.execute(
        select(Organisation.id, Organisation.site_key).where(Organisation.site_key.is_not(None))
    ).all()
    for domain, users in _domains_in_use(contacts, websites).items():
        if len(users) == 1 and domain not in SHARED_MAIL_DOMAINS and "/" not in domain:
            add(next(iter(users)), "e-mail domain", domain)
    for organisation_id, name, _email in contacts:
        add(organisation_id, "contact", name)
    for organisation_id, name in db.session.execute(
        select(Signature.organisation_id, Signature.signed_by_name).where(
            Signature.organisation_id.in_(list(organisations))
        )
    ):
        add(organisation_id, "signer", name)
    identifiers = sorted(set(found), key=lambda i: (i.organisation_id, i.kind, i.text))
    return Protected(snapshots, identifiers)


#: The last kept load: {state key: Protected} (one entry per process).
_KEPT: dict[tuple, Protected] = {}


def _state_key() -> tuple:
    """The change counters of the source tables in this database (one statement): any insert,
    update or delete there, by the registry or from outside it, moves them."""
    statement, widths = version_select(SOURCE_TABLES)
    version, _ = split_version(db.session.execute(statement).one(), widths)
    engine = db.session.get_bind()
    return (
        engine.url.render_as_string(hide_password=True),
        json.dumps(version, sort_keys=True, default=str),
    )


def _has_own_changes(session) -> bool:
    return bool(session.new or session.dirty or session.deleted or session.info.get(WROTE))


def protected_now() -> Protected:
    """`load_protected`, or the last load kept in this process while nothing it depends on
    changed (see the module's docstring)."""
    session = db.session()
    if _has_own_changes(session):
        return load_protected()
    key = _state_key()
    found = _KEPT.get(key)
    if found is not None:
        return found
    found = load_protected()
    if not _has_own_changes(session) and _state_key() == key:
        object.__setattr__(found, "key", key)
        _KEPT.clear()
        _KEPT[key] = found
    return found


def forget() -> None:
    """Drop the kept load (a database emptied or restored under the same URL)."""
    _KEPT.clear()


@event.listens_for(Session, "after_flush")
def _wrote(session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _settled(session) -> None:
    session.info.pop(WROTE, None)


def identifiers_digest(identifiers: list[Identifier]) -> str:
    """A SHA-256 of the identifiers: part of a report's data fingerprint, so that a stored
    public PDF is never reused once an organisation's identifiers (or visibility) changed."""
    payload = json.dumps([[i.organisation_id, i.kind, i.text] for i in identifiers])
    return hashlib.sha256(payload.encode()).hexdigest()
