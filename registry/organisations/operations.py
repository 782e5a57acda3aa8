"""Organisations: creating one, the profile a stakeholder confirms when signing, and merging
a duplicate registration into the one that is kept."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select, update

from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.models import (
    Commitment,
    CommitmentRevision,
    Contact,
    DuplicateStatus,
    EngagementRecord,
    InvalidTransition,
    Invitation,
    JoinRequest,
    Organisation,
    PartnerInvitation,
    PartnerNote,
    Pledge,
    PossibleDuplicate,
    Signature,
    StakeholderType,
    User,
    Visibility,
    utcnow,
)
from registry.models.pledges import pledge_co_leads
from registry.organisations.queries import owned_by

PROFILE_FIELDS = (
    "name",
    "acronym",
    "stakeholder_type",
    "website",
    "is_refugee_led",
    "country",
    "description",
    "other_names",
)


def create_organisation(
    *,
    name: str,
    stakeholder_type: StakeholderType,
    country: str | None = None,
    visibility: Visibility | None = None,
    is_refugee_led: bool = False,
    **fields,
) -> Organisation:
    """Create an organisation; refugee-led ones are anonymised unless told otherwise."""
    organisation = Organisation(
        name=name.strip(),
        stakeholder_type=stakeholder_type,
        is_refugee_led=is_refugee_led,
        country=country,
        **fields,
    )
    organisation.visibility = visibility or default_visibility(organisation.is_refugee_led)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def default_visibility(is_refugee_led: bool) -> Visibility:
    """Refugee-led organisations are anonymised unless told otherwise (DESIGN §4)."""
    return Visibility.anonymised if is_refugee_led else Visibility.public


#: The columns of a new organisation that an import may leave out.
OPTIONAL_COLUMNS = ("acronym", "country", "website", "description", "external_ref")


def organisation_row(values: dict, now, keys: tuple | None = None) -> dict:
    """The columns `create_organisation` stores for `values`, as a row to insert in bulk
    (`keys`: its twin keys, when the caller computed them already)."""
    row = dict.fromkeys(OPTIONAL_COLUMNS) | {
        k: v for k, v in values.items() if k not in ("is_refugee_led", "visibility")
    }
    row["name"] = row["name"].strip()
    row.update(Organisation.derived(values | {"name": row["name"]}, keys))
    row["visibility"] = values.get("visibility") or default_visibility(row["is_refugee_led"])
    row.setdefault("other_names", [])  # the column's default, which a bulk insert does not apply
    row |= {"is_region_overridden": False, "created_at": now, "updated_at": now}
    return row


def update_organisation_profile(organisation: Organisation, data: dict) -> Organisation:
    """Update the profile fields a stakeholder confirms when signing."""
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(organisation, field, data[field])
    if data.get("visibility") is not None:
        organisation.visibility = data["visibility"]
    db.session.flush()
    return organisation


def set_other_names(organisation: Organisation, names: list[str]) -> Organisation:
    """Replace the organisation's other names (former names, names in other languages and
    scripts): never shown publicly, and redacted from public text like its name."""
    organisation.other_names = clean_names(names)
    db.session.flush()
    return organisation


def clean_names(names: list[str]) -> list[str]:
    """Other names without blanks, extra spaces or repeats, in the order given."""
    return list(dict.fromkeys(" ".join(n.split()) for n in names if n and n.strip()))


def flag_possible_duplicates(
    organisation: Organisation, matches: list[Organisation]
) -> list[PossibleDuplicate]:
    """Queue a new registration to coordinators as a possible duplicate of each non-public
    organisation it matches (the person registering was not told of them)."""
    flagged = [
        PossibleDuplicate(organisation=organisation, existing=existing)
        for existing in matches
        if existing.id != organisation.id
    ]
    db.session.add_all(flagged)
    db.session.flush()
    return flagged


def keep_possible_duplicate(duplicate: PossibleDuplicate, by: User | None) -> PossibleDuplicate:
    """The coordinators checked: the two are different organisations; both stay."""
    try:
        duplicate.decide(DuplicateStatus.kept, by, utcnow())
    except InvalidTransition:
        raise OperationError(gettext("This possible duplicate was already decided.")) from None
    db.session.flush()
    return duplicate


def _merge_possible_duplicates(kept: Organisation, duplicate: Organisation, by) -> None:
    """A merge decides the possible duplicate of the two; others of the duplicate move over."""
    rows = db.session.scalars(
        select(PossibleDuplicate).where(
            PossibleDuplicate.status == DuplicateStatus.pending,
            (PossibleDuplicate.organisation_id == duplicate.id)
            | (PossibleDuplicate.existing_id == duplicate.id),
        )
    )
    for row in rows:
        if {row.organisation_id, row.existing_id} == {kept.id, duplicate.id}:
            row.decide(DuplicateStatus.merged, by, utcnow())
        elif row.organisation_id == duplicate.id:
            row.organisation = kept
        else:
            row.existing = kept


def _merge_signatures(kept: Organisation, duplicate: Organisation) -> None:
    """Move the duplicate's signatures; where both signed one pledge, keep the kept one's
    signature and move the duplicate's commitments into it."""
    kept_by_pledge = {s.pledge_id: s for s in owned_by(Signature, kept)}
    for signature in owned_by(Signature, duplicate):
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


def merge_organisations(
    kept: Organisation, duplicate: Organisation | None, by: User | None
) -> None:
    """Move everything of `duplicate` to `kept`, then delete `duplicate` (caller commits)."""
    if duplicate is None:
        raise OperationError(gettext("Choose the duplicate organisation."), field="duplicate")
    if kept.id == duplicate.id:
        raise OperationError(
            gettext("An organisation cannot be merged into itself."), field="duplicate"
        )
    duplicate_id, name = duplicate.id, duplicate.name
    _merge_possible_duplicates(kept, duplicate, by)
    _merge_signatures(kept, duplicate)
    moved = (
        EngagementRecord,
        Contact,
        User,
        JoinRequest,
        Invitation,
        PartnerNote,
        PartnerInvitation,
    )
    for model in moved:
        for row in owned_by(model, duplicate):
            row.organisation = kept
    db.session.execute(
        update(CommitmentRevision)
        .where(CommitmentRevision.on_behalf_of_id == duplicate.id)
        .values(on_behalf_of_id=kept.id)
    )
    _merge_links(kept, duplicate)
    db.session.flush()
    db.session.expire(duplicate)
    db.session.delete(duplicate)
    details = {"merged": duplicate_id, "name": name, "by": by.id if by else None}
    record(db.session, "organisation.merge", kept, details)
    db.session.flush()
