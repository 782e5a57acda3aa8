"""Signatory report, what it loads: the organisation, its commitments (of the signatures the
audience may see) with their progress updates, and, for internal reports, its engagement
records. What the report prints of them is built by the public view (`signatory.py`).
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.disclosure.view import COMMITMENT_LOADS
from registry.extensions import db
from registry.i18n import N_
from registry.models import (
    Commitment,
    EngagementRecord,
    Organisation,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    Visibility,
)
from registry.reports.common import (
    ReportParameterError,
    audience_of,
    check_keys,
    integer_param,
    language_param,
)

PARAMETERS = frozenset({"organisation", "audience", "pledge", "language"})
HIDDEN_REFUSAL = N_("This organisation is hidden: only an internal report can be made.")

#: The organisation's own report (for its own people, from My organisation): never a job
#: parameter (`parse_params` takes only "public" or "internal").
OWN = "own"
#: The updates each audience sees: the public only what a coordinator verified; the
#: organisation itself everything it sent.
UPDATE_STATES = {
    "public": (ReviewState.verified,),
    "internal": (ReviewState.submitted, ReviewState.verified, ReviewState.returned),
    OWN: (ReviewState.submitted, ReviewState.verified, ReviewState.returned),
}
#: The signatures each audience sees: only accepted ones make a public signatory.
SIGNATURE_STATES = {
    "public": (SignatureStatus.accepted,),
    "internal": tuple(s for s in SignatureStatus if s is not SignatureStatus.withdrawn),
    OWN: tuple(s for s in SignatureStatus if s is not SignatureStatus.withdrawn),
}


def parse_params(raw: dict) -> dict:
    """Check the parameters: an existing organisation, an audience, an existing pledge slug."""
    raw = check_keys(raw, PARAMETERS)
    organisation_id = integer_param(raw, "organisation", required=True)
    audience = audience_of(raw)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise ReportParameterError(gettext("There is no organisation %(id)s.", id=organisation_id))
    if audience == "public" and organisation.visibility is Visibility.hidden:
        raise ReportParameterError(gettext(HIDDEN_REFUSAL))
    params = {"organisation": organisation_id, "audience": audience}
    slug = (str(raw.get("pledge") or "")).strip()
    if slug:
        if db.session.scalar(select(Pledge.id).where(Pledge.slug == slug)) is None:
            raise ReportParameterError(gettext("There is no pledge %(slug)s.", slug=repr(slug)))
        params["pledge"] = slug
    if language := language_param(raw):
        params["language"] = language
    return params


def commitments_of(
    organisation: Organisation, audience: str, pledge_slug: str | None = None
) -> list[Commitment]:
    """The organisation's commitments the audience may see, by pledge then id, with what the
    report prints loaded up front."""
    query = (
        select(Commitment)
        .join(Commitment.signature)
        .join(Signature.pledge)
        .where(
            Signature.organisation_id == organisation.id,
            Signature.status.in_(SIGNATURE_STATES[audience]),
        )
        .options(*COMMITMENT_LOADS)
        .order_by(Pledge.title, Commitment.id)
    )
    if pledge_slug:
        query = query.where(Pledge.slug == pledge_slug)
    return list(db.session.scalars(query))


def updates_of(commitments: list[Commitment], audience: str) -> dict[int, list[ProgressUpdate]]:
    """The updates the audience may see per commitment id, oldest reporting window first."""
    updates = db.session.scalars(
        select(ProgressUpdate)
        .where(
            ProgressUpdate.commitment_id.in_([c.id for c in commitments] or [0]),
            ProgressUpdate.review_state.in_(UPDATE_STATES[audience]),
        )
        .options(selectinload(ProgressUpdate.window))
    )
    history: dict[int, list[ProgressUpdate]] = {c.id: [] for c in commitments}
    for update in updates:
        history[update.commitment_id].append(update)
    for rows in history.values():
        rows.sort(key=lambda u: (u.window.opens_at or u.window.created_at, u.window.id))
    return history


def load_organisation(params: dict) -> Organisation:
    """The report's organisation; refused when gone, or hidden in a public report."""
    organisation = db.session.get(Organisation, params["organisation"])
    if organisation is None:
        raise ReportParameterError(
            gettext("There is no organisation %(id)s.", id=params["organisation"])
        )
    if params["audience"] == "public" and organisation.visibility is Visibility.hidden:
        raise ReportParameterError(gettext(HIDDEN_REFUSAL))
    return organisation


def engagements_of(organisation: Organisation) -> list[EngagementRecord]:
    """The agency's engagement records of the organisation (internal reports only)."""
    return list(
        db.session.scalars(
            select(EngagementRecord)
            .where(EngagementRecord.organisation_id == organisation.id)
            .order_by(EngagementRecord.created_at, EngagementRecord.id)
        )
    )
