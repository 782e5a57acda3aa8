"""Signatory report: one organisation's commitments, their progress history and next steps.

A public report names an anonymised organisation only by its description and shows only
accepted signatures and verified updates; contacts, internal notes, review comments and
engagement records appear in internal reports only (DESIGN §4).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.geo import country_name
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
    base_context,
    check_keys,
    integer_param,
    organisation_label,
)

KIND = "signatory"
INTERNAL_ONLY = False
PARAMETERS = frozenset({"organisation", "audience", "pledge"})
HIDDEN_REFUSAL = "This organisation is hidden: only an internal report can be made."

#: The updates each audience sees: the public only what a coordinator verified.
UPDATE_STATES = {
    "public": (ReviewState.verified,),
    "internal": (ReviewState.submitted, ReviewState.verified, ReviewState.returned),
}
#: The signatures each audience sees: only accepted ones make a public signatory.
SIGNATURE_STATES = {
    "public": (SignatureStatus.accepted,),
    "internal": tuple(s for s in SignatureStatus if s is not SignatureStatus.withdrawn),
}


def parse_params(raw: dict) -> dict:
    """Check the parameters: an existing organisation, an audience, an existing pledge slug."""
    raw = check_keys(raw, PARAMETERS)
    organisation_id = integer_param(raw, "organisation", required=True)
    audience = audience_of(raw)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise ReportParameterError(f"There is no organisation {organisation_id}.")
    if audience == "public" and organisation.visibility is Visibility.hidden:
        raise ReportParameterError(HIDDEN_REFUSAL)
    params = {"organisation": organisation_id, "audience": audience}
    slug = (str(raw.get("pledge") or "")).strip()
    if slug:
        if db.session.scalar(select(Pledge.id).where(Pledge.slug == slug)) is None:
            raise ReportParameterError(f"There is no pledge {slug!r}.")
        params["pledge"] = slug
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
        .options(
            selectinload(Commitment.signature).selectinload(Signature.pledge),
            selectinload(Commitment.key_outcome),
            selectinload(Commitment.action_areas),
            selectinload(Commitment.risks),
            selectinload(Commitment.target_populations),
            selectinload(Commitment.co_implementers),
            selectinload(Commitment.country_links),
        )
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


def engagements_of(organisation: Organisation) -> list[EngagementRecord]:
    """The agency's engagement records of the organisation (internal reports only)."""
    return list(
        db.session.scalars(
            select(EngagementRecord)
            .where(EngagementRecord.organisation_id == organisation.id)
            .order_by(EngagementRecord.created_at, EngagementRecord.id)
        )
    )


def _partner_names(commitment: Commitment, audience: str) -> list[str]:
    """Co-implementers as the audience may see them (hidden ones are left out in public)."""
    names = (organisation_label(o, audience) for o in commitment.co_implementers)
    return [name for name in names if name]


def _country_of(organisation: Organisation, audience: str) -> str | None:
    """The organisation's country, except in public reports of an anonymised one (its
    description names only the region: a country could identify it)."""
    if not organisation.country:
        return None
    if audience == "public" and organisation.visibility is not Visibility.public:
        return None
    return country_name(organisation.country) or organisation.country


def _commitment_entry(commitment: Commitment, updates: list[ProgressUpdate], audience: str):
    latest_next = next((u.next_steps for u in reversed(updates) if u.next_steps), None)
    return {
        "commitment": commitment,
        "pledge": commitment.signature.pledge,
        "signature_status": commitment.signature.status,
        "countries": [country_name(code) or code for code in commitment.countries],
        "partners": _partner_names(commitment, audience),
        "updates": updates,
        "next_steps": latest_next,
    }


def gather(params: dict) -> dict:
    """The organisation, its commitments with progress history, next steps (and, internally,
    its engagement records)."""
    audience = params["audience"]
    organisation = db.session.get(Organisation, params["organisation"])
    if organisation is None:
        raise ReportParameterError(f"There is no organisation {params['organisation']}.")
    if audience == "public" and organisation.visibility is Visibility.hidden:
        raise ReportParameterError(HIDDEN_REFUSAL)
    commitments = commitments_of(organisation, audience, params.get("pledge"))
    history = updates_of(commitments, audience)
    entries = [_commitment_entry(c, history[c.id], audience) for c in commitments]
    return {
        "organisation": organisation,
        "organisation_label": organisation_label(organisation, audience),
        "region": organisation.region.label if organisation.region else None,
        "country": _country_of(organisation, audience),
        "entries": entries,
        "next_steps": [e for e in entries if e["next_steps"]],
        "engagements": engagements_of(organisation) if audience == "internal" else [],
    }


def title(params: dict, data: dict) -> str:
    """ "Signatory report: <organisation as the audience may see it>"."""
    return gettext("Signatory report: %(organisation)s", organisation=data["organisation_label"])


def render_html(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> str:
    """The report's HTML, ready for `render_pdf`."""
    report_title = title(params, data)
    context = base_context(
        title=report_title,
        subject=gettext("Commitments, progress history and next steps of one signatory"),
        audience=params["audience"],
        generated_at=generated_at,
        fingerprint=fingerprint,
        keywords="Global Refugee Forum, pledge, signatory, commitments, progress",
    )
    return render_template("reports/pdf/signatory.html", **context, params=params, **data)
