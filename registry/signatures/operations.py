"""Signing a pledge: drafts, commitments, submission, decisions, withdrawal."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.disclosure import View, approve_public_wording, has_text
from registry.disclosure.review import wording_version
from registry.errors import OperationError
from registry.extensions import db
from registry.mail import queue_template
from registry.models import (
    Commitment,
    InvalidTransition,
    Invitation,
    Organisation,
    Pledge,
    Signature,
    SignatureStatus,
    User,
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
    for field in (
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
    ):
        setattr(commitment, field, data[field])
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
    db.session.flush()
    return commitment


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
