"""The vocabularies (their seeded terms, and how forms and operations read them) and, on an
empty database, the first pledge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from registry.extensions import db
from registry.i18n import N_
from registry.models import (
    KeyOutcome,
    Pledge,
    SubmissionWindow,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
    utcnow,
)

VOCABULARIES: dict[VocabularyKind, list[tuple[str, str]]] = {
    VocabularyKind.risk: [
        ("hate_speech", N_("Hate speech")),
        ("misinformation", N_("Misinformation")),
        ("disinformation", N_("Disinformation")),
        ("trafficking_smuggling", N_("Online trafficking and smuggling networks")),
        ("harassment_exploitation", N_("Online harassment and exploitation")),
        ("racism_xenophobia", N_("Racism and xenophobia")),
        ("scams_fraud", N_("Scams and fraud targeting displaced people")),
    ],
    VocabularyKind.action_area: [
        ("social_listening", N_("Social listening and monitoring")),
        ("content_moderation", N_("Content moderation and trust & safety escalation")),
        ("digital_literacy", N_("Digital literacy and awareness")),
        ("community_engagement", N_("Community engagement and refugee participation")),
        ("research", N_("Research and evidence")),
        ("policy_advocacy", N_("Policy and advocacy")),
        ("funding", N_("Funding and resource mobilisation")),
        ("technical_expertise", N_("Technical expertise and tools")),
        ("co_creation", N_("Co-creation and shared-value projects")),
        ("linguistic_expertise", N_("Linguistic and cultural expertise")),
        ("journalism_training", N_("Journalism and media training")),
        ("safe_spaces", N_("Safe online humanitarian spaces")),
    ],
    VocabularyKind.coordination_structure: [
        ("protection_cluster", N_("Protection Cluster")),
        ("community_engagement_wg", N_("Community Engagement working group")),
        ("refugee_coordination_sector", N_("Refugee coordination sector")),
        ("other", N_("Other")),
        ("none", N_("None")),
    ],
    VocabularyKind.target_population: [
        ("refugees", N_("Refugees")),
        ("asylum_seekers", N_("Asylum-seekers")),
        ("stateless", N_("Stateless people")),
        ("idps", N_("Internally displaced people")),
        ("returnees", N_("Returnees")),
        ("host_communities", N_("Host communities")),
    ],
}

DIGITAL_PROTECTION = {
    "slug": "digital-protection",
    "title": (
        "Digital Protection: Prevention of the Harmful Impact of Hate Speech, "
        "Misinformation and Disinformation"
    ),
    "forum": "GRF 2023",
    "summary": (
        "Online hate speech, misinformation and disinformation put forcibly displaced and "
        "stateless people at risk. This multistakeholder pledge, launched at the Global Refugee "
        "Forum 2023, brings together technology companies, governments, UN agencies, NGOs and "
        "civil society, above all refugee-led organisations, media, journalists and academia, "
        "each adding concrete commitments to prevent and mitigate that harm."
    ),
    "key_outcomes": [
        "Measurable prevention and mitigation actions against the harmful impact of hate "
        "speech, misinformation and disinformation",
        "Engagement of community and refugee-led organisations",
        "Engagement of humanitarian organisations",
    ],
}


def seed_vocabularies() -> int:
    """Insert missing vocabulary terms (never duplicates, never overwrites edits); returns count."""
    existing = {(t.kind, t.code) for t in db.session.scalars(select(VocabularyTerm))}
    added = 0
    for kind, terms in VOCABULARIES.items():
        for position, (code, label) in enumerate(terms):
            if (kind, code) not in existing:
                db.session.add(
                    VocabularyTerm(kind=kind, code=code, label_en=label, position=position)
                )
                added += 1
    db.session.flush()
    return added


def seed_default_pledge() -> Pledge | None:
    """On a registry with no pledge, create the Digital Protection pledge with an open window."""
    if db.session.scalar(select(func.count(Pledge.id))):
        return None
    spec = DIGITAL_PROTECTION
    pledge = Pledge(
        slug=spec["slug"], title=spec["title"], forum=spec["forum"], summary=spec["summary"]
    )
    pledge.key_outcomes = [
        KeyOutcome(position=i, title=title) for i, title in enumerate(spec["key_outcomes"])
    ]
    pledge.windows = [
        SubmissionWindow(
            kind=WindowKind.signature,
            label="Signatures",
            opens_at=utcnow() - timedelta(minutes=1),
        )
    ]
    db.session.add(pledge)
    db.session.flush()
    return pledge


def seed_all() -> Pledge | None:
    """Everything a fresh registry needs; safe to run on every start."""
    seed_vocabularies()
    return seed_default_pledge()


def vocabulary_terms() -> dict[str, list[VocabularyTerm]]:
    """Active vocabulary terms by kind name, in their order (the choices of forms and filters)."""
    terms = db.session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.is_active.is_(True))
        .order_by(VocabularyTerm.kind, VocabularyTerm.position)
    )
    grouped: dict[str, list[VocabularyTerm]] = {kind.name: [] for kind in VocabularyKind}
    for term in terms:
        grouped[term.kind.name].append(term)
    return grouped


def terms_with_ids(ids: list[int]) -> list[VocabularyTerm]:
    """The vocabulary terms with these ids (a form's ticked choices), unknown ids left out."""
    if not ids:
        return []
    return list(db.session.scalars(select(VocabularyTerm).where(VocabularyTerm.id.in_(ids))))
