"""Amendments after acceptance: an accepted signatory proposes changes to its published
commitments (or a new one), reviewed like a signature; the published version stays in force
until a coordinator accepts, and every accepted change is a revision with who and when.
Coordinators may also edit on an organisation's behalf."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from registry.errors import OperationError
from registry.extensions import db
from registry.mail import queue_template
from registry.models import (
    AmendmentStatus,
    Commitment,
    CommitmentAmendment,
    CommitmentRevision,
    InvalidTransition,
    Signature,
    SignatureStatus,
    User,
    utcnow,
)
from registry.signatures.operations import (
    LIST_FIELDS,
    SCALAR_FIELDS,
    apply_commitment_fields,
    commitment_data,
    matchable_commitments,
)


def proposal_values(data: dict) -> dict:
    """A form's commitment data as JSON (what an amendment stores)."""
    values = {name: data[name] for name in SCALAR_FIELDS}
    values["geographic_level"] = data["geographic_level"].name if data["geographic_level"] else None
    for name in ("start_date", "target_date"):
        values[name] = data[name].isoformat() if data[name] else None
    values |= {name: list(data.get(name) or []) for name in LIST_FIELDS}
    return values


def stale_proposal() -> str:
    """Why a proposal or a decision read before someone else's change is refused."""
    return gettext(
        "Someone else changed this commitment or its proposal after you opened the page, so "
        "nothing was saved. Your input is below: reload the page to see the current version, "
        "then try again."
    )


def require_amendable(signature: Signature) -> None:
    """Only an accepted signature's commitments are amended (a withdrawn one: never)."""
    if signature.status is SignatureStatus.withdrawn:
        raise OperationError(
            gettext(
                "This signature was withdrawn, so its commitments can no longer be amended. "
                "To pledge again, ask the coordinators."
            )
        )
    if signature.status is not SignatureStatus.accepted:
        raise OperationError(
            gettext("Only the commitments of an accepted signature are amended; edit the draft.")
        )


def propose_amendment(
    signature: Signature,
    data: dict,
    by: User,
    *,
    commitment: Commitment | None,
    read_version: str | None,
    amendment: CommitmentAmendment | None = None,
    read_proposal: str | None = None,
    now: datetime | None = None,
) -> CommitmentAmendment:
    """Propose a change to a published commitment (or, without one, a new commitment) for
    review; the published version stays in force until a coordinator accepts. `read_version`
    and `read_proposal` are the versions of the commitment and of its open proposal ("new":
    none) as the form read them: a proposal over someone else's newer change is refused."""
    require_amendable(signature)
    now = now or utcnow()
    if commitment is not None and read_version != str(commitment.version):
        raise OperationError(stale_proposal())
    if read_proposal != (str(amendment.version) if amendment else "new"):
        raise OperationError(stale_proposal())
    values = proposal_values(data)
    matchable_commitments(values["match_ids"], commitment)
    if commitment is not None and not changed_values(published_values(commitment), values):
        raise OperationError(gettext("Nothing was changed: the proposal is the published version."))
    if amendment is not None:
        try:
            amendment.resubmit(values, by, now)
        except InvalidTransition as exc:
            raise OperationError(
                gettext("This proposal is waiting for a coordinator and cannot be changed now.")
            ) from exc
        amendment.base_version = commitment.version if commitment else None
    else:
        amendment = CommitmentAmendment(
            signature=signature,
            commitment=commitment,
            base_version=commitment.version if commitment else None,
            open_key=commitment.id if commitment else None,
            proposed=values,
            proposed_by=by,
            proposed_at=now,
        )
        db.session.add(amendment)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another proposal on this commitment came in first
        raise OperationError(stale_proposal()) from exc
    return amendment


def published_values(commitment: Commitment) -> dict:
    """The published commitment in the form of a proposal (to compare and to diff)."""
    values = {name: getattr(commitment, name) for name in SCALAR_FIELDS}
    values["geographic_level"] = (
        commitment.geographic_level.name if commitment.geographic_level else None
    )
    values["languages"] = list(commitment.languages or [])
    for name in ("start_date", "target_date"):
        values[name] = values[name].isoformat() if values[name] else None
    return values | {
        "action_area_ids": [t.id for t in commitment.action_areas],
        "risk_ids": [t.id for t in commitment.risks],
        "target_population_ids": [t.id for t in commitment.target_populations],
        "countries": list(commitment.countries),
        "co_implementer_ids": [o.id for o in commitment.co_implementers],
        "match_ids": [c.id for c in commitment.matches],
    }


def changed_values(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields that differ (lists compared as sets)."""
    changes = {}
    for name, value in after.items():
        old = before.get(name)
        same = set(old or []) == set(value or []) if name in LIST_FIELDS else old == value
        if not same:
            changes[name] = [old, value]
    return changes


def _apply_published(commitment: Commitment, values: dict, now: datetime) -> dict:
    """Apply proposal values to a commitment; returns what changed."""
    before = published_values(commitment) if commitment.id is not None else {}
    apply_commitment_fields(commitment, commitment.signature, commitment_data(values))
    commitment.updated_at = now  # the row changes, so its version moves, lists or not
    return changed_values(before, values)


def decide_amendment(
    amendment: CommitmentAmendment,
    decision: AmendmentStatus,
    by: User,
    comment: str | None,
    read_version: str | None,
    now: datetime | None = None,
) -> CommitmentAmendment:
    """Accept (apply the proposal to the commitment, recorded in its history), request
    changes or reject. Refused when the proposal or the commitment changed since the page
    was read (`read_version`, the proposal's version): nothing is written."""
    now = now or utcnow()
    if read_version != str(amendment.version):
        raise OperationError(stale_proposal())
    commitment = amendment.commitment
    try:
        if decision is AmendmentStatus.accepted:
            require_amendable(amendment.signature)
            if commitment is not None and commitment.version != amendment.base_version:
                raise OperationError(
                    gettext(
                        "The published commitment changed after this proposal was made, so it "
                        "cannot be accepted as it is: request changes, so that the organisation "
                        "proposes again on the current version."
                    )
                )
            amendment.accept(by, now)
            kind = "amendment"
            if commitment is None:
                kind = "new"
                commitment = Commitment(signature=amendment.signature, pledged_at=now)
                db.session.add(commitment)
                amendment.created_commitment = commitment
            changes = _apply_published(commitment, amendment.proposed, now)
            db.session.flush()
            db.session.add(
                CommitmentRevision(
                    commitment_id=commitment.id,
                    kind=kind,
                    amendment_id=amendment.id,
                    proposed_by_id=amendment.proposed_by_id,
                    accepted_by_id=by.id,
                    changes=changes,
                    at=now,
                )
            )
        elif decision is AmendmentStatus.changes_requested:
            amendment.request_changes(by, now, comment or "")
        else:
            amendment.reject(by, now, comment or "")
    except InvalidTransition as exc:
        raise OperationError(gettext("That decision is not possible now.")) from exc
    db.session.flush()
    _tell_proposer(amendment)
    return amendment


def _tell_proposer(amendment: CommitmentAmendment) -> None:
    recipient = amendment.proposed_by
    if recipient is None:
        return
    queue_template(
        recipient.email,
        _l(
            "Your proposed amendment to %(pledge)s: %(status)s",
            pledge=amendment.signature.pledge.title,
            status=_l(amendment.status.value),
        ),
        "amendment_decision",
        seen_by=amendment.signature.organisation,
        amendment=amendment,
        user=recipient,
    )


def edit_on_behalf(
    commitment: Commitment,
    data: dict,
    by: User,
    read_version: str | None,
    now: datetime | None = None,
) -> CommitmentRevision:
    """A coordinator changes a published commitment on its organisation's behalf, recorded as
    such in its history; refused over someone else's newer change."""
    now = now or utcnow()
    if read_version != str(commitment.version):
        raise OperationError(stale_proposal())
    values = proposal_values(data)
    if not changed_values(published_values(commitment), values):
        raise OperationError(gettext("Nothing was changed."))
    changes = _apply_published(commitment, values, now)
    revision = CommitmentRevision(
        commitment_id=commitment.id,
        kind="on_behalf",
        proposed_by_id=by.id,
        accepted_by_id=by.id,
        on_behalf_of_id=commitment.signature.organisation_id,
        changes=changes,
        at=now,
    )
    db.session.add(revision)
    db.session.flush()
    return revision
