"""Signing a pledge: drafts, commitments, submission, decisions, withdrawal; a joint
commitment's co-implementers (their answers, notes and invitations). Amendments after
acceptance are in `amendments.py`."""

from __future__ import annotations

from datetime import date, datetime

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.audit import record
from registry.disclosure import View, approve_public_wording, has_text
from registry.disclosure.review import wording_version
from registry.errors import OperationError
from registry.extensions import db
from registry.mail import queue_template
from registry.models import (
    Commitment,
    CommitmentPartner,
    GeographicLevel,
    InvalidTransition,
    Invitation,
    Organisation,
    PartnerInvitation,
    PartnerNote,
    PartnerStatus,
    Pledge,
    Signature,
    SignatureStatus,
    User,
    Visibility,
    utcnow,
)
from registry.pledges import operations as pledge_operations
from registry.seed import terms_with_ids
from registry.signatures import queries


def _require_editable(signature: Signature) -> None:
    if not signature.is_editable:
        raise OperationError(
            gettext(
                "This signature is %(status)s and can no longer be changed.",
                status=signature.status.label.lower(),
            )
        )


def start_signature(pledge: Pledge, organisation: Organisation) -> Signature:
    """The organisation's signature of the pledge, created as a draft if there is none yet."""
    signature = queries.signature_of(pledge, organisation)
    if signature is None:
        signature = Signature(pledge=pledge, organisation=organisation)
        db.session.add(signature)
        db.session.flush()
    return signature


def update_signatory(signature: Signature, name: str, title: str, statement: str) -> Signature:
    """Record who signs, with their title, and the organisation's statement."""
    _require_editable(signature)
    signature.signed_by_name, signature.signed_by_title = name.strip(), title.strip()
    signature.statement = statement.strip()
    db.session.flush()
    return signature


def save_commitment(
    signature: Signature,
    data: dict,
    commitment: Commitment | None = None,
    token: str | None = None,
) -> Commitment:
    """Create (or update) a commitment of an editable signature; a form posted twice with the
    same token creates it once."""
    _require_editable(signature)
    if commitment is None and token:
        commitment = db.session.scalar(
            select(Commitment).where(
                Commitment.signature_id == signature.id, Commitment.submission_token == token
            )
        )
        if commitment is not None:
            return commitment
    if commitment is None:
        commitment = Commitment(signature=signature, submission_token=token)
        db.session.add(commitment)
    apply_commitment_fields(commitment, signature, data)
    db.session.flush()
    return commitment


#: The fields of a commitment a form sets, as `CommitmentForm.commitment_data` gives them.
SCALAR_FIELDS = (
    "title",
    "description",
    "key_outcome_id",
    "geographic_level",
    "languages",
    "start_date",
    "target_date",
    "indicator_text",
    "indicator_unit",
    "indicator_baseline",
    "indicator_target",
)
LIST_FIELDS = (
    "action_area_ids",
    "risk_ids",
    "target_population_ids",
    "countries",
    "co_implementer_ids",
    "match_ids",
)


def matchable_commitments(ids: list[int], commitment: Commitment | None) -> list[Commitment]:
    """The published commitments numbered `ids` (what the public can see: accepted
    signatures of organisations that are not hidden); refuses any other number alike, so
    that no number tells whether an unpublished commitment exists."""
    own_id = commitment.id if commitment is not None else None
    found = {
        c.id: c
        for c in db.session.scalars(
            select(Commitment)
            .join(Commitment.signature)
            .join(Signature.organisation)
            .where(
                Commitment.id.in_(ids),
                Signature.status == SignatureStatus.accepted,
                Organisation.visibility != Visibility.hidden,
            )
        )
    }
    for i in ids:
        if i not in found or i == own_id:
            raise OperationError(
                gettext("No other published commitment has the number %(id)s.", id=i),
                field="matches",
            )
    return [found[i] for i in ids]


def apply_commitment_fields(commitment: Commitment, signature: Signature, data: dict) -> None:
    """Set every field of the commitment form on `commitment` (a new one or a published one);
    the row itself is always updated, so that its version moves even when only a list did."""
    for name in SCALAR_FIELDS:
        setattr(commitment, name, data[name])
    commitment.action_areas = terms_with_ids(data["action_area_ids"])
    commitment.risks = terms_with_ids(data["risk_ids"])
    commitment.target_populations = terms_with_ids(data["target_population_ids"])
    commitment.countries = list(dict.fromkeys(data["countries"]))
    partner_ids = [i for i in data.get("co_implementer_ids", []) if i != signature.organisation_id]
    commitment.co_implementers = (
        list(db.session.scalars(select(Organisation).where(Organisation.id.in_(partner_ids))))
        if partner_ids
        else []
    )
    commitment.matches = matchable_commitments(data.get("match_ids", []), commitment)


def remove_commitment(signature: Signature, commitment: Commitment) -> None:
    """Remove a commitment from an editable signature."""
    _require_editable(signature)
    signature.commitments.remove(commitment)
    db.session.flush()


def submit_signature(
    signature: Signature,
    by: User,
    invitation: Invitation | None = None,
    now: datetime | None = None,
) -> Signature:
    """Send the signature for review, spend the invitation that let it in, confirm by e-mail."""
    now = now or utcnow()
    if not signature.signed_by_name or not signature.signed_by_title:
        raise OperationError(gettext("Say who signs for the organisation before submitting."))
    if not signature.commitments:
        raise OperationError(gettext("Add at least one commitment before submitting."))
    try:
        signature.submit(by, now)
    except InvalidTransition as exc:
        raise OperationError(gettext("This signature cannot be submitted now.")) from exc
    if invitation is not None:
        pledge_operations.use_invitation(invitation, now)
    db.session.flush()
    queue_template(
        by.email,
        _l("We received your signature of %(pledge)s", pledge=signature.pledge.title),
        "signature_submitted",
        seen_by=signature.organisation,
        signature=signature,
        user=by,
    )
    return signature


DECISIONS = {
    SignatureStatus.accepted: lambda s, by, now, comment: s.accept(by, now),
    SignatureStatus.changes_requested: lambda s, by, now, comment: s.request_changes(
        by, now, comment
    ),
    SignatureStatus.rejected: lambda s, by, now, comment: s.reject(by, now, comment),
}


def decide_signature(
    signature: Signature,
    decision: SignatureStatus,
    by: User,
    comment: str | None = None,
    now: datetime | None = None,
) -> Signature:
    """Accept, request changes (comment required) or reject (reason required); e-mail the
    submitter."""
    try:
        DECISIONS[decision](signature, by, now or utcnow(), comment)
    except (KeyError, InvalidTransition) as exc:
        raise OperationError(str(exc) or gettext("That decision is not possible.")) from exc
    db.session.flush()
    recipient = signature.submitted_by
    if recipient is not None:
        queue_template(
            recipient.email,
            _l(
                "Your signature of %(pledge)s: %(status)s",
                pledge=signature.pledge.title,
                # Lazy too, so that the status reads in the recipient's language.
                status=_l(signature.status.value),
            ),
            "signature_decision",
            seen_by=signature.organisation,
            signature=signature,
            user=recipient,
        )
    return signature


def changed_since_read() -> str:
    """Why an approval is refused when the text changed after the page was opened."""
    return gettext(
        "The text changed after you opened the page, so its public wording was not approved. "
        "Read it again."
    )


def approve_signature_wording(
    signature: Signature, by: User, version: str | None, view: View | None = None
) -> list:
    """Approve the public (redacted) wording of the signature, its organisation's description
    and its commitments, as the coordinator read them (`version`, from the review page)."""
    view = view or View()
    records = [obj for obj, _label in queries.wording_records(signature) if has_text(obj)]
    if version != wording_version(view, records):
        raise OperationError(changed_since_read())
    return approve_public_wording(records, by, view.full_redactor)


def withdraw_signature(signature: Signature) -> Signature:
    """Withdraw a signature that is not final yet."""
    try:
        signature.withdraw()
    except InvalidTransition as exc:
        raise OperationError(
            gettext(
                "A %(status)s signature cannot be withdrawn.", status=signature.status.label.lower()
            )
        ) from exc
    db.session.flush()
    return signature


def commitment_data(values: dict) -> dict:
    """A stored proposal back as `save_commitment` data (dates and the level as objects)."""
    data = dict(values)
    level = values.get("geographic_level")
    data["geographic_level"] = GeographicLevel[level] if level else None
    for name in ("start_date", "target_date"):
        data[name] = date.fromisoformat(values[name]) if values.get(name) else None
    return data


# -- joint commitments: the co-implementer's side --------------------------------------------


def answer_as_partner(
    link: CommitmentPartner, status: PartnerStatus, by: User, now: datetime | None = None
) -> CommitmentPartner:
    """The co-implementing organisation confirms or declines its part (audit-logged)."""
    before = link.status
    link.answer(status, by, now or utcnow())
    db.session.flush()
    record(
        db.session,
        "commitment.partner_answer",
        link.commitment,
        {"organisation": link.organisation_id, "before": before.name, "after": status.name},
    )
    return link


def add_partner_note(link: CommitmentPartner, text: str, by: User) -> PartnerNote:
    """A co-implementer's own progress note (not for a partner that declined its part)."""
    if link.status is PartnerStatus.declined:
        raise OperationError(
            gettext("Your organisation declined its part, so it cannot add notes."), field="text"
        )
    note = PartnerNote(
        commitment_id=link.commitment_id,
        organisation_id=link.organisation_id,
        author_id=by.id,
        text=text.strip(),
    )
    db.session.add(note)
    db.session.flush()
    return note


def invite_partner(
    commitment: Commitment, organisation_name: str, email: str, by: User
) -> PartnerInvitation:
    """Invite an organisation that is not registered yet to co-implement `commitment`: its
    person gets an e-mail to register; their new organisation is then named on it."""
    email = email.strip().casefold()
    lead = commitment.signature.organisation
    existing = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if existing is not None and existing.organisation_id == lead.id:
        raise OperationError(
            gettext("This address is someone in your own organisation."), field="email"
        )
    if existing is not None:
        raise OperationError(
            gettext(
                "This address already belongs to an account of another organisation, so it "
                "cannot be invited: choose that organisation by name among the commitment's "
                "co-implementing organisations (ask the coordinators if it is not listed)."
            ),
            field="email",
        )
    invited = select(PartnerInvitation.id).where(
        PartnerInvitation.commitment_id == commitment.id, PartnerInvitation.email == email
    )
    if db.session.scalar(invited) is not None:
        raise OperationError(
            gettext("This address is already invited to this commitment."), field="email"
        )
    invitation = PartnerInvitation(
        commitment_id=commitment.id,
        email=email,
        organisation_name=organisation_name.strip(),
        invited_by_id=by.id,
    )
    db.session.add(invitation)
    db.session.flush()
    queue_template(
        email,
        _l("You are invited to a joint commitment in the Pledge & Partnership Registry"),
        "partner_invitation",
        invitation=invitation,
        lead=View().seen_by(None).name(lead) or gettext("An organisation"),
        link=url_for("auth.register", _external=True),
    )
    return invitation


def link_invited_partner(user: User, now: datetime | None = None) -> list[PartnerInvitation]:
    """After `user` registered an organisation: name it on the joint commitments its address
    was invited to (each pending its confirmation)."""
    if user.organisation is None:
        return []
    invitations = list(
        db.session.scalars(
            select(PartnerInvitation).where(
                PartnerInvitation.email == user.email.casefold(),
                PartnerInvitation.registered_at.is_(None),
            )
        )
    )
    for invitation in invitations:
        commitment = invitation.commitment
        if user.organisation not in commitment.co_implementers:
            commitment.co_implementers.append(user.organisation)
        invitation.organisation_id = user.organisation_id
        invitation.registered_at = now or utcnow()
    db.session.flush()
    return invitations
