"""Accepted signatures with published commitments, and the commitment form's fields as a
browser posts them: what the amendment and joint-commitment tests start from."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from registry.audit import acting_as
from registry.models import (
    Commitment,
    GeographicLevel,
    Signature,
    SignatureStatus,
    VocabularyKind,
    VocabularyTerm,
    utcnow,
)

SLUG = "digital-protection"
AMEND = f"/pledges/{SLUG}/amend"


def terms(db, kind, *codes) -> list[VocabularyTerm]:
    return list(
        db.session.scalars(
            select(VocabularyTerm).where(
                VocabularyTerm.kind == kind, VocabularyTerm.code.in_(codes)
            )
        )
    )


def publish(db, pledge, organisation, title="Rumour desk in Kakuma", partners=(), **fields):
    """An accepted signature of `organisation` with one published commitment."""
    areas = terms(db, VocabularyKind.action_area, "social_listening")
    risks = terms(db, VocabularyKind.risk, "misinformation")
    with acting_as(label="test-setup"), db.session.no_autoflush:
        signature = Signature(
            pledge=pledge,
            organisation=organisation,
            status=SignatureStatus.accepted,
            signed_by_name="Amina Yusuf",
            signed_by_title="Director",
            decided_at=utcnow(),
        )
        db.session.add(signature)
        outcome = pledge.key_outcomes[0]
        commitment = Commitment(
            signature=signature,
            title=title,
            description="Weekly rumour tracking with community volunteers.",
            key_outcome=outcome,
            geographic_level=GeographicLevel.national,
            languages=["Swahili"],
            target_date=date(2027, 6, 30),
            indicator_text="Rumours answered",
            indicator_unit="rumours",
            indicator_baseline=0,
            indicator_target=200,
            action_areas=areas,
            risks=risks,
            co_implementers=list(partners),
            **fields,
        )
        commitment.countries = ["KEN"]
        db.session.add(commitment)
    with acting_as(label="test-setup"):
        db.session.commit()
    return signature, commitment


def form_of(commitment: Commitment, **changes) -> dict:
    """The commitment form as a browser posts it, filled from `commitment`, with `changes`."""
    data = {
        "title": commitment.title,
        "description": commitment.description,
        "key_outcome": str(commitment.key_outcome_id),
        "action_areas": [str(t.id) for t in commitment.action_areas],
        "risks": [str(t.id) for t in commitment.risks],
        "target_populations": [str(t.id) for t in commitment.target_populations],
        "geographic_level": commitment.geographic_level.name,
        "countries": list(commitment.countries),
        "languages": ", ".join(commitment.languages or []),
        "start_date": commitment.start_date.isoformat() if commitment.start_date else "",
        "target_date": commitment.target_date.isoformat() if commitment.target_date else "",
        "indicator_text": commitment.indicator_text or "",
        "indicator_unit": commitment.indicator_unit or "",
        "indicator_baseline": str(commitment.indicator_baseline or 0),
        "indicator_target": str(commitment.indicator_target or 0),
        "co_implementers": [str(o.id) for o in commitment.co_implementers],
        "matches": ", ".join(str(c.id) for c in commitment.matches),
    }
    return data | changes


def hidden(page: str, name: str) -> str:
    """The value of the hidden input `name` in `page`."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, f"no hidden {name}"
    return match.group(1)
