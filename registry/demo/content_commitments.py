"""Text data of commitments: progress windows, themes and what progress updates say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from registry.demo.content import ST, utc
from registry.models import ReviewState

# --- Reporting windows -------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowSpec:
    """A progress window; a `timedelta` bound is relative to the day the data is loaded."""

    label: str
    opens_at: datetime | timedelta
    closes_at: datetime | timedelta

    def bounds(self, today: datetime) -> tuple[datetime, datetime]:
        """(opens_at, closes_at) as datetimes."""
        opens_at, closes_at = (
            b if isinstance(b, datetime) else today + b for b in (self.opens_at, self.closes_at)
        )
        return opens_at, closes_at


HLOM_2024 = WindowSpec(
    "High-Level Officials Meeting 2024 progress review", utc(2024, 9, 16), utc(2024, 11, 29)
)
MIDYEAR_2025 = WindowSpec("2025 mid-year progress review", utc(2025, 4, 1), utc(2025, 5, 31))
# Open while the demo is used: the form a stakeholder can try, and the "due" traffic light.
GRF_2025 = WindowSpec("GRF 2025 progress review", timedelta(days=-45), timedelta(days=45))
DEMO_WINDOWS = (HLOM_2024, GRF_2025)
# Scale mode reports ~2.7 updates per commitment (GRF ratio), so it needs a third cycle.
SCALE_WINDOWS = (HLOM_2024, MIDYEAR_2025, GRF_2025)


# --- Commitment themes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A kind of commitment: texts, indicator, vocabulary codes and the key outcome it serves."""

    title: str
    description: str
    indicator: str
    unit: str
    baseline: tuple[int, int]
    target: tuple[int, int]
    action_areas: tuple[str, ...]
    risks: tuple[str, ...]
    outcome: int
    achievement: str


THEMES = {
    "listening": Theme(
        "Social listening on hate speech and rumours in {place}",
        "Monitor public social media, messaging-app channels and community feedback in {place} "
        "for hate speech, rumours and misinformation in {language}, and share fortnightly trend "
        "briefs with protection partners.",
        "Trend briefs on rumours and hate speech shared with protection partners",
        "briefs", (0, 0), (12, 52), ("social_listening", "research"),
        ("hate_speech", "misinformation", "racism_xenophobia"), 0,
        "Trend briefs fed into the protection working group's monthly risk analysis.",
    ),
    "escalation": Theme(
        "Escalation channel for harmful content targeting refugees in {place}",
        "Set up a trusted-flagger escalation channel between humanitarian partners and our "
        "trust & safety team, with agreed response times for content that puts displaced "
        "people at risk.",
        "Median time to action on escalated reports",
        "hours", (72, 120), (12, 24), ("content_moderation", "technical_expertise"),
        ("hate_speech", "harassment_exploitation", "trafficking_smuggling"), 0,
        "Escalated posts inciting violence against refugees were removed within a day.",
    ),
    "literacy": Theme(
        "Digital literacy sessions for displaced youth in {place}",
        "Run peer-led sessions in {language} on spotting scams, fake job offers and smuggling "
        "adverts, and on reporting harmful content.",
        "Refugees and host community members completing digital literacy sessions",
        "people", (0, 0), (500, 5000), ("digital_literacy", "community_engagement"),
        ("scams_fraud", "trafficking_smuggling", "misinformation"), 0,
        "Participants reported fake resettlement offers they had seen to the help desk.",
    ),
    "committees": Theme(
        "Refugee-led information committees in {place}",
        "Support refugee-led committees that verify and relay trusted information through "
        "community messaging groups and radio in {language}.",
        "Active refugee-led information committees",
        "committees", (0, 3), (10, 40), ("community_engagement", "safe_spaces"),
        ("misinformation", "disinformation"), 1,
        "Committees corrected a rumour about registration fees within hours.",
    ),
    "research": Theme(
        "Study of online xenophobia against displaced people in {place}",
        "Map narratives, actors and platforms driving online xenophobia against refugees in "
        "{place} and publish findings with recommendations for platforms and authorities.",
        "Research outputs published",
        "publications", (0, 0), (2, 5), ("research", "policy_advocacy"),
        ("racism_xenophobia", "hate_speech", "disinformation"), 0,
        "A first report was presented to the protection sector and two platforms.",
    ),
    "policy": Theme(
        "Policy dialogue on protecting refugees from online hate in {place}",
        "Convene authorities, platforms and refugee-led organisations to agree on measures "
        "against online hate speech and disinformation targeting displaced people.",
        "Policy recommendations adopted by authorities or platforms",
        "recommendations", (0, 0), (3, 10), ("policy_advocacy",),
        ("hate_speech", "disinformation", "racism_xenophobia"), 2,
        "Two recommendations were taken up in the national action plan on hate speech.",
    ),
    "grants": Theme(
        "Small grants for refugee-led digital protection initiatives",
        "A flexible grant window for refugee-led organisations working on safe online spaces, "
        "fact-checking and digital literacy in their own languages.",
        "Funds granted to refugee-led organisations",
        "USD", (0, 0), (50_000, 500_000), ("funding", "community_engagement"),
        ("misinformation", "hate_speech"), 1,
        "Grants went to refugee-led groups, half of them led by women.",
    ),
    "toolkit": Theme(
        "Open-source rumour tracking toolkit for humanitarian teams",
        "Maintain and translate an open-source toolkit for logging, verifying and answering "
        "rumours, with training for humanitarian communication teams.",
        "Humanitarian teams using the toolkit",
        "teams", (0, 5), (20, 80), ("technical_expertise", "social_listening"),
        ("misinformation", "disinformation"), 2,
        "New country teams adopted the toolkit after the regional training.",
    ),
    "codesign": Theme(
        "Safety features co-designed with refugee communities",
        "Co-design reporting flows and safety prompts with refugee advisory groups so that "
        "displaced users can report hate and scams in {language}.",
        "Product changes co-designed with refugee advisory groups",
        "features", (0, 0), (2, 6), ("co_creation", "community_engagement"),
        ("harassment_exploitation", "scams_fraud"), 1,
        "A reporting flow in {language} was launched after testing with refugee users.",
    ),
    "moderation": Theme(
        "Content moderation capacity in {language}",
        "Recruit and train content reviewers and build a lexicon of slurs and coded hate terms "
        "in {language}, reviewed by native speakers from the displaced community.",
        "Lexicon terms reviewed by native speakers",
        "terms", (0, 100), (800, 3000), ("linguistic_expertise", "content_moderation"),
        ("hate_speech", "racism_xenophobia"), 0,
        "The lexicon now covers coded slurs used against refugees in {language}.",
    ),
    "journalists": Theme(
        "Training journalists on ethical reporting about refugees in {place}",
        "Train editors and reporters on conflict-sensitive, accurate reporting on displacement, "
        "and on verifying viral claims about refugees.",
        "Journalists trained",
        "journalists", (0, 0), (40, 300), ("journalism_training", "digital_literacy"),
        ("misinformation", "racism_xenophobia"), 0,
        "Trained newsrooms adopted a style guide on reporting about refugees.",
    ),
    "channel": Theme(
        "Verified humanitarian information channel in {language}",
        "Run a verified help channel with moderated comments where refugees ask questions and "
        "receive answers from service providers in {language}.",
        "Monthly users of the verified channel",
        "users", (0, 2000), (10_000, 200_000), ("safe_spaces", "community_engagement"),
        ("misinformation", "scams_fraud"), 2,
        "The channel answered questions on registration and cash assistance every day.",
    ),
    "smuggling": Theme(
        "Monitoring of smuggling and trafficking adverts online in {place}",
        "Identify online adverts by smuggling and trafficking networks targeting displaced "
        "people and report them to platforms and the authorities.",
        "Smuggling or trafficking adverts reported to platforms and authorities",
        "reports", (0, 0), (200, 2000), ("social_listening", "content_moderation"),
        ("trafficking_smuggling", "scams_fraud"), 0,
        "Most reported adverts were taken down by the platforms concerned.",
    ),
    "scams": Theme(
        "Scam alerts for displaced people in {place}",
        "Publish alerts on scams and fraud targeting refugees (fake resettlement offers, paid "
        "registration, job fraud) in {language} through trusted community channels.",
        "Scam alerts published",
        "alerts", (0, 0), (20, 100), ("digital_literacy", "safe_spaces"),
        ("scams_fraud", "misinformation"), 0,
        "Community members shared the alerts widely in messaging groups.",
    ),
    "advisory": Theme(
        "Refugee advisory board on trust & safety policy",
        "Hold regular consultations between refugee representatives and our policy team on "
        "how our rules on hate speech and harassment protect displaced users.",
        "Advisory board meetings held",
        "meetings", (0, 0), (4, 12), ("community_engagement", "policy_advocacy"),
        ("hate_speech", "harassment_exploitation"), 1,
        "Board members reviewed the updated hateful conduct policy before launch.",
    ),
    "factcheck": Theme(
        "Fact-checking desk on displacement rumours in {place}",
        "Run a fact-checking desk that verifies viral claims about refugees and migrants and "
        "publishes corrections in {language}.",
        "Fact-checks published",
        "fact-checks", (0, 20), (100, 400), ("journalism_training", "social_listening"),
        ("misinformation", "disinformation", "racism_xenophobia"), 0,
        "Fact-checks on viral claims about refugees reached a wide audience.",
    ),
}  # fmt: skip

# Themes each kind of organisation picks from, without repeating one within a signature.
THEMES_BY_TYPE = {
    ST.state: ["policy", "scams", "literacy", "committees", "research"],
    ST.un_entity: ["policy", "listening", "toolkit", "grants", "research"],
    ST.international_organisation: ["policy", "research", "grants", "toolkit", "smuggling"],
    ST.international_ngo: ["listening", "literacy", "toolkit", "grants", "smuggling"],
    ST.national_ngo: ["listening", "literacy", "committees", "smuggling", "scams"],
    ST.refugee_led_organisation: ["committees", "literacy", "listening", "scams", "channel"],
    ST.faith_based_organisation: ["committees", "literacy", "policy", "scams", "listening"],
    ST.technology_company: ["escalation", "codesign", "moderation", "channel", "advisory"],
    ST.private_sector: ["scams", "literacy", "grants", "codesign", "research"],
    ST.media_outlet: ["factcheck", "journalists", "channel", "listening", "scams"],
    ST.media_development: ["journalists", "factcheck", "research", "toolkit", "grants"],
    ST.academia: ["research", "listening", "toolkit", "policy", "moderation"],
    ST.philanthropic_foundation: ["grants", "research", "policy", "toolkit", "literacy"],
    ST.local_authority: ["committees", "literacy", "policy", "scams", "listening"],
    ST.other: ["moderation", "literacy", "committees", "factcheck", "channel"],
}
GLOBAL_TYPES = {
    ST.un_entity,
    ST.international_organisation,
    ST.international_ngo,
    ST.technology_company,
    ST.philanthropic_foundation,
    ST.media_development,
    ST.academia,
}
# Countries with large internally displaced populations: their commitments also reach IDPs.
IDP_COUNTRIES = {"IRQ", "UKR", "SDN", "COL", "SSD", "SOM", "SYR", "YEM", "COD", "ETH"}

CHALLENGES = [
    "Moderation in the languages spoken by the community remains slow.",
    "Funding cuts reduced the number of community volunteers.",
    "Internet shutdowns interrupted activities for several weeks.",
    "Platforms were slow to respond to escalations outside their main markets.",
    "Volunteers faced online harassment and needed psychosocial support.",
    "Data on the reach of corrections is hard to collect.",
]
NEXT_STEPS = [
    "Extend the work to two more districts and train new volunteers.",
    "Publish the next trend brief and present it to the protection working group.",
    "Agree a data-sharing protocol with the platform's trust & safety team.",
    "Translate the materials into the remaining community languages.",
    "Evaluate the results with refugee-led partners before scaling up.",
]
RETURN_COMMENTS = [
    "Please add the evidence link for the figures reported.",
    "The indicator value is lower than in the previous report; please explain the change.",
    "Please report results for refugees and host communities separately.",
    "The achievements describe activities only; please add the results achieved.",
]

OPEN_WINDOW_STATES = ([ReviewState.draft, ReviewState.submitted, ReviewState.verified,
                       ReviewState.returned], [20, 35, 30, 15])  # fmt: skip
CLOSED_WINDOW_STATES = ([ReviewState.draft, ReviewState.submitted, ReviewState.verified,
                         ReviewState.returned], [4, 16, 70, 10])  # fmt: skip
