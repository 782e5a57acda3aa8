"""Text data of the engagement records of the small demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.models import EngagementKind, EngagementStage, GeographicLevel


@dataclass(frozen=True)
class EngagementSpec:
    """One engagement record of the demo; `path` lists the stages it moves through."""

    organisation: str
    kind: EngagementKind
    title: str
    path: tuple[EngagementStage, ...]
    level: GeographicLevel
    countries: tuple[str, ...]
    purpose_areas: tuple[str, ...]
    structure: str
    notes: str
    start: date
    convert: bool = False


CLOSED_REASON = (
    "The company declined further engagement; revisit after its next transparency report."
)
E, K, L = EngagementStage, EngagementKind, GeographicLevel
ENGAGEMENTS = [
    EngagementSpec(
        "Chatterly Messaging", K.advocacy_target,
        "Somali and Arabic moderation coverage in East Africa", (E.engaged, E.committed),
        L.regional, ("KEN", "SOM", "ETH"), ("content_moderation", "linguistic_expertise"),
        "protection_cluster",
        "Forwarded groups spread fake resettlement offers; asked for Somali-speaking reviewers.",
        date(2024, 2, 12), convert=True,
    ),
    EngagementSpec(
        "Safar Maps", K.advocacy_target,
        "Unsafe crossing routes advertised by smugglers", (E.engaged, E.committed),
        L.national, ("TUR",), ("content_moderation", "safe_spaces"), "refugee_coordination_sector",
        "Smuggling networks tagged routes as 'safe passages'; company agreed to a review.",
        date(2024, 4, 3), convert=True,
    ),
    EngagementSpec(
        "Hudhud Social", K.advocacy_target, "Anti-refugee hashtags during the election period",
        (E.engaged,), L.regional, ("LBN", "JOR"), ("content_moderation", "policy_advocacy"),
        "community_engagement_wg",
        "Spike of dehumanising hashtags; awaiting a meeting with the regional policy lead.",
        date(2025, 1, 20),
    ),
    EngagementSpec(
        "Pixelbridge Video", K.advocacy_target, "Dari and Pashto hate speech classifiers",
        (E.engaged, E.committed), L.global_, (), ("linguistic_expertise", "technical_expertise"),
        "other", "Committed to evaluate classifiers with Afghan community reviewers.",
        date(2024, 9, 9),
    ),
    EngagementSpec(
        "Meridian Telecom Group", K.advocacy_target,
        "SMS scams targeting cash-assistance recipients",
        (E.engaged, E.closed), L.national, ("ZAF",), ("policy_advocacy",), "none", CLOSED_REASON,
        date(2024, 3, 1),
    ),
    EngagementSpec(
        "Sahel Mobile Networks", K.advocacy_target, "Mobile money fraud in border areas",
        (), L.national, ("BFA",), ("digital_literacy", "funding"), "protection_cluster",
        "Identified from help-desk complaints; first contact planned.", date(2025, 10, 6),
    ),
    EngagementSpec(
        "El Puente Noticias", K.advocacy_target, "Xenophobic framing in crime reporting",
        (E.engaged,), L.national, ("MEX",), ("journalism_training",), "refugee_coordination_sector",
        "Editor open to a style guide; follow up after the editorial board meets.",
        date(2025, 5, 14),
    ),
    EngagementSpec(
        "LinguaMod AI", K.partnership, "Hate speech lexicons in Kiswahili and Somali",
        (E.active,), L.national, ("KEN",), ("linguistic_expertise", "technical_expertise"),
        "protection_cluster", "Data-sharing agreement signed; community reviewers paid per batch.",
        date(2024, 6, 1),
    ),
    EngagementSpec(
        "Kenya Peace Messaging Network", K.partnership, "Social listening in Kakuma and Dadaab",
        (E.active,), L.local, ("KEN",), ("social_listening", "community_engagement"),
        "community_engagement_wg", "Weekly rumour log shared with the protection team.",
        date(2024, 1, 15),
    ),
    EngagementSpec(
        "Fundación Frontera Digital", K.partnership, "Rumour tracking along the Colombian border",
        (E.active, E.completed), L.local, ("COL",), ("social_listening", "digital_literacy"),
        "refugee_coordination_sector", "Project closed; final report received.",
        date(2023, 11, 1),
    ),
    EngagementSpec(
        "Rohingya Community Information Network", K.partnership,
        "Community feedback and rumour response in the camps", (E.active,), L.local, ("BGD",),
        ("community_engagement", "linguistic_expertise"), "protection_cluster",
        "Volunteers need digital security training; keep names out of shared reports.",
        date(2024, 3, 10),
    ),
    EngagementSpec(
        "Media for Displacement Trust", K.partnership, "Newsroom training in the Sahel",
        (), L.regional, ("MLI", "NER", "BFA"), ("journalism_training",), "other",
        "Proposal under review by the regional bureau.", date(2025, 11, 3),
    ),
    EngagementSpec(
        "Levant Fact Desk", K.partnership, "Fact-checking partnership for Syrian returnees",
        (E.active, E.ended), L.regional, ("JOR", "LBN"), ("journalism_training", "research"),
        "community_engagement_wg", "Ended early when the outlet lost its core funding.",
        date(2024, 2, 1),
    ),
    EngagementSpec(
        "Pan-African Journalism Lab", K.partnership, "Fact-checkers network for West Africa",
        (E.active,), L.regional, ("SEN", "NGA", "CMR"), ("journalism_training", "research"),
        "other", "Co-funded with two donors; quarterly steering calls.", date(2024, 7, 1),
    ),
    EngagementSpec(
        "Great Lakes Institute for Digital Society", K.partnership,
        "Evidence review of online hate in the Great Lakes", (), L.regional, ("RWA", "BDI", "UGA"),
        ("research",), "none", "Awaiting human-rights due diligence before signing.",
        date(2025, 9, 22),
    ),
    EngagementSpec(
        "Dnipro Open Newsroom", K.partnership, "Countering disinformation about IDPs",
        (E.ended,), L.national, ("UKR",), ("journalism_training",), "protection_cluster",
        "Not pursued: overlapping project funded by another agency.", date(2024, 5, 5),
    ),
]  # fmt: skip
