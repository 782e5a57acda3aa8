"""`flask registry demo-data`: a realistic demo registry, or benchmark-sized bulk data.

Every organisation, platform and person here is invented (web sites and e-mail addresses use
example.org), so no real organisation is credited with commitments it never made. Both modes are
deterministic (seeded `random.Random`) and idempotent: records are keyed by `external_ref`
("demo-org-0001", "demo-c-000001", "scale-org-000001" …) and whatever exists is skipped.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import click
from sqlalchemy import insert, select

from registry import operations
from registry.audit import acting_as, record
from registry.extensions import db
from registry.geo import country_name, region_for
from registry.models import (
    Commitment,
    CommitmentCountry,
    CommitmentStatus,
    Contact,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    GeographicLevel,
    Organisation,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    User,
    Visibility,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
    utcnow,
)
from registry.models.pledges import (
    commitment_action_areas,
    commitment_risks,
    commitment_target_populations,
)
from registry.seed import DIGITAL_PROTECTION, seed_all

SEED = 2023
DEMO_PASSWORD = "demo pledge registry 2026"
COORDINATOR = {"email": "demo.coordinator@example.org", "name": "Lina Haddad"}
STAKEHOLDER = {"email": "demo.stakeholder@example.org", "name": "Amina Yusuf"}
#: GRF pledges to date, per unit of `--scale` (organisations; commitments and updates follow).
SCALE_UNIT_ORGANISATIONS = 1000
CHUNK_ORGANISATIONS = 500
CHUNK_ROWS = 5000

ST, V = StakeholderType, Visibility


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


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
    "High-Level Officials Meeting 2024 progress review", _utc(2024, 9, 16), _utc(2024, 11, 29)
)
MIDYEAR_2025 = WindowSpec("2025 mid-year progress review", _utc(2025, 4, 1), _utc(2025, 5, 31))
# Open while the demo is used: the form a stakeholder can try, and the "due" traffic light.
GRF_2025 = WindowSpec("GRF 2025 progress review", timedelta(days=-45), timedelta(days=45))
DEMO_WINDOWS = (HLOM_2024, GRF_2025)
# Scale mode reports ~2.7 updates per commitment (GRF ratio), so it needs a third cycle.
SCALE_WINDOWS = (HLOM_2024, MIDYEAR_2025, GRF_2025)


# --- Organisations of the small demo ---------------------------------------------------------

# (name, acronym, stakeholder type, country, refugee-led, visibility; None = the default rule,
# which anonymises refugee-led organisations)
ORGANISATIONS: list[tuple[str, str | None, StakeholderType, str, bool, Visibility | None]] = [
    ("Kakuma Youth Digital Voices", "KYDV", ST.refugee_led_organisation, "KEN", True, None),
    ("Rohingya Community Information Network", "RCIN", ST.refugee_led_organisation, "BGD", True,
     None),
    ("Voices of Syrian Women in Lebanon", "VSWL", ST.refugee_led_organisation, "LBN", True,
     V.public),
    ("Colectivo Venezolano de Verificación", "CVV", ST.refugee_led_organisation, "COL", True,
     V.public),
    ("Ukrainian Women's Council in Poland", "UWCP", ST.refugee_led_organisation, "POL", True,
     None),
    ("Sudanese Refugee Youth Network – Chad", "SRYN", ST.refugee_led_organisation, "TCD", True,
     V.hidden),
    ("Afghan Journalists in Exile Association", "AJEA", ST.media_outlet, "PAK", True, V.hidden),
    ("Dzaleka Community Radio", "DCR", ST.media_outlet, "MWI", True, V.public),
    ("Nakivale Refugee Innovation Hub", "NRIH", ST.refugee_led_organisation, "UGA", True, None),
    ("Dollo Ado Women's Digital Safety Circle", None, ST.refugee_led_organisation, "ETH", True,
     None),
    ("Mahama Peacebuilders Collective", "MPC", ST.refugee_led_organisation, "RWA", True, None),
    ("Rohingya Women's Welfare Society", "RWWS", ST.refugee_led_organisation, "MYS", True, None),
    ("Syrian Teachers' Network in Türkiye", "STNT", ST.refugee_led_organisation, "TUR", True,
     V.public),
    ("Sinjar Survivors Online Support", None, ST.national_ngo, "IRQ", True, V.hidden),
    ("Malian Refugee Youth Association of Niger", "AJRM", ST.refugee_led_organisation, "NER",
     True, None),
    ("Nicaraguan Exile Journalists Collective", "CPNE", ST.media_outlet, "CRI", True, None),
    ("Directorate of Refugee Affairs", "DRA", ST.state, "KEN", False, None),
    ("Federal Office for Migration and Digital Affairs", "FOMDA", ST.state, "DEU", False, None),
    ("Secretariat for Human Mobility and Digital Government", "SHMDG", ST.state, "ECU", False,
     None),
    ("National Institute for Refugee Support", "NIRS", ST.state, "MOZ", False, None),
    ("UN Information Integrity Hub – East Africa", "IIH-EA", ST.un_entity, "ETH", False, None),
    ("UN Digital Cooperation Office for Asia and the Pacific", "DCO-AP", ST.un_entity, "THA",
     False, None),
    ("UN Sahel Information Integrity Initiative", "SIII", ST.un_entity, "SEN", False, None),
    ("UN Human Rights Online Hate Monitoring Unit", "OHMU", ST.un_entity, "CHE", False, None),
    ("Intergovernmental Forum on Migration and Digital Rights", "IFMDR",
     ST.international_organisation, "CHE", False, None),
    ("Regional Commission on Refugee Protection in the Americas", "CRPA",
     ST.international_organisation, "CRI", False, None),
    ("Pan-African Migration Policy Centre", "PAMPC", ST.international_organisation, "ZAF", False,
     None),
    ("Digital Rights Without Borders", "DRWB", ST.international_ngo, "NLD", False, None),
    ("Protection Online International", "POI", ST.international_ngo, "GBR", False, None),
    ("Humanitarian Information Alliance", "HIA", ST.international_ngo, "CHE", False, None),
    ("Refugee Connect International", "RCI", ST.international_ngo, "USA", False, None),
    ("Children Online Protection Network", "COPN", ST.international_ngo, "BEL", False, None),
    ("Kenya Peace Messaging Network", "KPMN", ST.national_ngo, "KEN", False, None),
    ("Cox's Bazar Social Cohesion Forum", "CBSCF", ST.national_ngo, "BGD", False, None),
    ("Lebanese Centre for Social Cohesion", "LCSC", ST.national_ngo, "LBN", False, None),
    ("Fundación Frontera Digital", "FFD", ST.national_ngo, "COL", False, None),
    ("Warsaw Welcome Network", "WWN", ST.national_ngo, "POL", False, None),
    ("Nigerian Network against Online Hate", "NNOH", ST.national_ngo, "NGA", False, None),
    ("Jordan Information Integrity Initiative", "JIII", ST.national_ngo, "JOR", False, None),
    ("Cameroon Conflict Early Warning Network", "CCEWN", ST.national_ngo, "CMR", False, None),
    ("South African Coalition against Xenophobia", "SACAX", ST.national_ngo, "ZAF", False, None),
    ("Sudan Humanitarian Fact-Check", "SHFC", ST.national_ngo, "SDN", False, V.hidden),
    ("Interfaith Council for Refugee Welcome", "ICRW", ST.faith_based_organisation, "UGA", False,
     None),
    ("Al-Amal Faith Communities Network", None, ST.faith_based_organisation, "EGY", False, None),
    ("Pastoral Network for Migrants – Andean Region", "PNMA", ST.faith_based_organisation, "PER",
     False, None),
    ("Chatterly Messaging", None, ST.technology_company, "USA", False, None),
    ("Hudhud Social", None, ST.technology_company, "ARE", False, None),
    ("LinguaMod AI", None, ST.technology_company, "KEN", False, None),
    ("Safar Maps", None, ST.technology_company, "TUR", False, None),
    ("Pixelbridge Video", None, ST.technology_company, "IRL", False, None),
    ("Amani Trust & Safety Labs", "ATSL", ST.technology_company, "RWA", False, None),
    ("Meridian Telecom Group", None, ST.private_sector, "ZAF", False, None),
    ("Sahel Mobile Networks", "SMN", ST.private_sector, "BFA", False, None),
    ("Pacific Responsible Advertising Alliance", "PRAA", ST.private_sector, "AUS", False, None),
    ("Radio Dadaab FM", None, ST.media_outlet, "KEN", False, None),
    ("The Sahel Daily", None, ST.media_outlet, "MLI", False, None),
    ("El Puente Noticias", None, ST.media_outlet, "MEX", False, None),
    ("Dnipro Open Newsroom", "DON", ST.media_outlet, "UKR", False, None),
    ("Levant Fact Desk", None, ST.media_outlet, "JOR", False, None),
    ("Nile Current News", None, ST.media_outlet, "SSD", False, None),
    ("Media for Displacement Trust", "MDT", ST.media_development, "GBR", False, None),
    ("Pan-African Journalism Lab", "PAJL", ST.media_development, "SEN", False, None),
    ("Asia Pacific Newsroom Safety Network", "APNSN", ST.media_development, "PHL", False, None),
    ("Escuela Andina de Verificación", "EAV", ST.media_development, "PER", False, None),
    ("Great Lakes Institute for Digital Society", "GLIDS", ST.academia, "RWA", False, None),
    ("Global Observatory on Online Xenophobia", "GOOX", ST.academia, "DEU", False, None),
    ("Beirut Migration Data Lab", "BMDL", ST.academia, "LBN", False, None),
    ("Centro de Estudios de Movilidad Humana", "CEMH", ST.academia, "MEX", False, None),
    ("Open Horizons Foundation", None, ST.philanthropic_foundation, "USA", False, None),
    ("Baobab Digital Futures Fund", "BDFF", ST.philanthropic_foundation, "TZA", False, None),
    ("Nordlys Foundation for Democracy", None, ST.philanthropic_foundation, "NOR", False, None),
    ("Cúcuta Municipality – Migrant Integration Office", None, ST.local_authority, "COL", False,
     None),
    ("Gaziantep Municipality – Migration and Harmony Office", None, ST.local_authority, "TUR",
     False, None),
    ("Kampala City – Urban Refugees Desk", None, ST.local_authority, "UGA", False, None),
    ("Maroua Urban Commune – Social Cohesion Unit", None, ST.local_authority, "CMR", False, None),
    ("Coalition of Diaspora Content Creators", "CDCC", ST.other, "GBR", False, None),
    ("Lighthouse Volunteer Moderators Guild", None, ST.other, "CAN", False, None),
]  # fmt: skip
STAKEHOLDER_ORG_REF = "demo-org-0001"  # the first organisation above

DESCRIPTIONS = {
    ST.state: "Government body responsible for asylum and refugee affairs in {country}, including "
    "public information for displaced people.",
    ST.un_entity: "United Nations team supporting information integrity and the protection of "
    "displaced people from online harm in {region}.",
    ST.international_organisation: "Intergovernmental body convening states and partners on "
    "human mobility and digital rights.",
    ST.international_ngo: "International NGO working on protection, digital rights and "
    "humanitarian communication in more than twenty countries.",
    ST.national_ngo: "Civil-society organisation in {country} working on social cohesion, "
    "community information and protection from online harm.",
    ST.refugee_led_organisation: "Organisation founded and run by refugees in {country}, "
    "connecting their community with trusted information and services.",
    ST.faith_based_organisation: "Faith-based network welcoming refugees and countering hateful "
    "narratives through community and religious leaders in {country}.",
    ST.technology_company: "Technology company whose platform is used by displaced communities "
    "to communicate and find information.",
    ST.private_sector: "Company committed to responsible business conduct towards refugees and "
    "host communities in {region}.",
    ST.media_outlet: "Independent newsroom reporting on displacement and countering rumours in "
    "{country}.",
    ST.media_development: "Media development organisation training journalists and fact-checkers "
    "on ethical reporting about refugees and migrants.",
    ST.academia: "Research centre studying online hate, misinformation and their effect on "
    "displaced people.",
    ST.philanthropic_foundation: "Foundation funding digital rights and refugee-led initiatives.",
    ST.local_authority: "Local authority in {country} coordinating the inclusion of refugees and "
    "migrants in city services.",
    ST.other: "Network of volunteers and creators countering hate speech against refugees online.",
}

STATEMENTS = [
    "We commit to preventing and mitigating the harmful impact of hate speech, misinformation "
    "and disinformation on forcibly displaced and stateless people.",
    "Refugees must be safe online as well as offline. We sign this pledge to work with refugee-led "
    "organisations and humanitarian partners on concrete, measurable action.",
    "We join the Digital Protection pledge to share what we learn and to be held accountable for "
    "our commitments at every progress review.",
]

# Signature statuses cycled over the organisations: most are signatories, every status occurs.
S = SignatureStatus
STATUS_CYCLE = [
    S.accepted, S.accepted, S.accepted, S.submitted, S.accepted, S.accepted, S.changes_requested,
    S.accepted, S.accepted, S.draft, S.accepted, S.accepted, S.rejected, S.accepted, S.withdrawn,
]  # fmt: skip
COMMITMENTS_PER_STATUS = {
    S.accepted: (3, 5),
    S.submitted: (2, 3),
    S.changes_requested: (1, 2),
    S.draft: (1, 2),
    S.rejected: (1, 1),
    S.withdrawn: (1, 1),
}

# --- People ------------------------------------------------------------------------------------

PEOPLE = [
    "Grace Wanjiru", "Mohammed Al-Rashid", "Nour Haddad", "Dmytro Kovalenko", "Olena Shevchenko",
    "Camila Rojas", "Juan Carlos Pérez", "Rahim Uddin", "Nur Begum", "Fatuma Abdi",
    "Jean-Pierre Habimana", "Aissatou Diallo", "Moussa Traoré", "Chinedu Okeke",
    "Thandiwe Dlamini", "Ana Luísa Costa", "Farida Ahmadi", "Hamid Karimi", "Sofia Petrenko",
    "Ibrahim Mahamat", "Leila Mansour", "Tomasz Nowak", "Aylin Demir", "Kwame Mensah",
    "Marie Nkurunziza", "Samuel Deng", "Hodan Farah", "Zainab Bello", "Luis Fernando Mora",
    "Priya Nair", "Min Thu Aung", "Sarah Okello", "Daniel Mekonnen", "Yasmin Saleh",
    "Pedro Alves", "Mariam Coulibaly", "Esther Achieng", "Omar Khalil", "Rosa Gutiérrez",
    "Hannah Schmidt", "Bilal Hussaini", "Chloé Martin", "Tendai Moyo", "Amal Nasser",
]  # fmt: skip
ROLES = [
    "Executive Director", "Programme Manager", "Communications Officer", "Trust & Safety Lead",
    "Protection Officer", "Community Mobiliser", "Head of Partnerships", "Research Coordinator",
    "Editor-in-Chief", "Digital Safety Trainer",
]  # fmt: skip
DIAL_CODES = {
    "KEN": "254", "BGD": "880", "LBN": "961", "COL": "57", "POL": "48", "TCD": "235", "PAK": "92",
    "MWI": "265", "UGA": "256", "ETH": "251", "RWA": "250", "MYS": "60", "TUR": "90", "IRQ": "964",
    "NER": "227", "CRI": "506", "DEU": "49", "ECU": "593", "MOZ": "258", "THA": "66", "SEN": "221",
    "CHE": "41", "ZAF": "27", "NLD": "31", "GBR": "44", "USA": "1", "BEL": "32", "NGA": "234",
    "JOR": "962", "CMR": "237", "SDN": "249", "EGY": "20", "PER": "51", "ARE": "971", "IRL": "353",
    "BFA": "226", "AUS": "61", "MLI": "223", "MEX": "52", "UKR": "380", "SSD": "211", "PHL": "63",
    "TZA": "255", "NOR": "47", "CAN": "1",
}  # fmt: skip

# --- Languages and places ----------------------------------------------------------------------

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "ar": "Arabic",
    "sw": "Kiswahili", "so": "Somali", "am": "Amharic", "ti": "Tigrinya", "rw": "Kinyarwanda",
    "ln": "Lingala", "rhg": "Rohingya", "bn": "Bangla", "my": "Burmese", "ms": "Malay",
    "th": "Thai", "tl": "Filipino", "ps": "Pashto", "prs": "Dari", "uk": "Ukrainian",
    "ru": "Russian", "pl": "Polish", "tr": "Turkish", "de": "German", "kmr": "Kurmanji",
    "ha": "Hausa", "ff": "Fulfulde", "zu": "isiZulu", "ny": "Chichewa", "nus": "Nuer",
}  # fmt: skip
COUNTRY_LANGUAGES = {
    "KEN": ["sw", "so", "en"], "BGD": ["rhg", "bn"], "LBN": ["ar"], "COL": ["es"],
    "POL": ["uk", "pl"], "TCD": ["ar", "fr"], "PAK": ["ps", "prs"], "MWI": ["sw", "ny", "fr"],
    "UGA": ["en", "sw", "ln"], "ETH": ["so", "am", "ti"], "RWA": ["rw", "fr"], "MYS": ["rhg", "my"],
    "TUR": ["ar", "tr"], "IRQ": ["kmr", "ar"], "NER": ["ha", "fr"], "CRI": ["es"],
    "DEU": ["uk", "ar", "de"], "ECU": ["es"], "MOZ": ["pt"], "THA": ["my", "th"],
    "SEN": ["fr", "ff"], "ZAF": ["en", "zu", "pt"], "NGA": ["ha", "en"], "JOR": ["ar"],
    "CMR": ["fr", "ff"], "SDN": ["ar"], "EGY": ["ar"], "PER": ["es"], "BFA": ["fr", "ff"],
    "MLI": ["fr", "ff"], "MEX": ["es"], "UKR": ["uk", "ru"], "SSD": ["ar", "nus", "en"],
    "PHL": ["tl", "en"], "TZA": ["sw", "rw"], "SOM": ["so"], "BDI": ["rw", "fr"],
    "COD": ["fr", "ln"], "MDA": ["uk", "ru"], "YEM": ["ar"], "SYR": ["ar"], "AFG": ["ps", "prs"],
    "VEN": ["es"], "BRA": ["pt", "es"], "IDN": ["rhg", "en"], "MMR": ["my", "rhg"],
    "GRC": ["ar", "prs"], "LBY": ["ar"], "ZMB": ["en", "fr"], "AGO": ["pt", "fr"],
    "CAF": ["fr"], "GHA": ["en"], "PAN": ["es"], "CHL": ["es"],
}  # fmt: skip
# Where commitments are carried out: countries hosting displaced people (not HQ countries).
FOCUS_COUNTRIES = list(COUNTRY_LANGUAGES)


def _neighbours(country: str) -> list[str]:
    """The other focus countries in the same UNHCR region."""
    region = region_for(country)
    return [c for c in FOCUS_COUNTRIES if c != country and region_for(c) is region]


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
CLOSED_REASON = (
    "The company declined further engagement; revisit after its next transparency report."
)

# --- Engagement records ------------------------------------------------------------------------


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


# --- Helpers -----------------------------------------------------------------------------------


def _rng(key: str, seed: int = SEED) -> random.Random:
    """A generator of its own per record, so a record's data never depends on what exists."""
    return random.Random(f"{seed}:{key}")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _domain(name: str, acronym: str | None) -> str:
    return f"{_slug(acronym or name)[:30]}.example.org"


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between `start` and `end`, to the minute."""
    span = max(int((end - start).total_seconds() // 60), 1)
    return start + timedelta(minutes=rng.randrange(span))


def _place(level: GeographicLevel, countries: list[str], home: str) -> str:
    if level is GeographicLevel.global_:
        return "several regions"
    if level is GeographicLevel.regional:
        region = region_for(countries[0]) if countries else region_for(home)
        return region.value if region else "the region"
    return country_name(countries[0]) or countries[0]


def _language(countries: list[str], home: str) -> list[str]:
    for code in [*countries, home]:
        if code in COUNTRY_LANGUAGES:
            return list(COUNTRY_LANGUAGES[code])
    return ["en", "fr", "ar"]


def _fill(text: str, **values: str) -> str:
    return text.format(**values)


def _percent_for(rng: random.Random, status: CommitmentStatus, cycle: int) -> int:
    if status is CommitmentStatus.planning:
        return rng.randint(0, 10)
    if status is CommitmentStatus.fulfilled:
        return 100
    if status is CommitmentStatus.discontinued:
        return rng.randint(5, 60)
    low = 15 + 25 * cycle
    return rng.randint(low, min(low + 45, 95))


def _reported_status(rng: random.Random, cycle: int) -> CommitmentStatus:
    """What an update says about its commitment; later cycles are further along."""
    weights = [[25, 70, 3, 2], [8, 62, 25, 5], [3, 52, 40, 5]][min(cycle, 2)]
    return rng.choices(list(CommitmentStatus), weights)[0]


OPEN_WINDOW_STATES = ([ReviewState.draft, ReviewState.submitted, ReviewState.verified,
                       ReviewState.returned], [20, 35, 30, 15])  # fmt: skip
CLOSED_WINDOW_STATES = ([ReviewState.draft, ReviewState.submitted, ReviewState.verified,
                         ReviewState.returned], [4, 16, 70, 10])  # fmt: skip


def _ensure_windows(pledge: Pledge, specs, today: datetime) -> list[SubmissionWindow]:
    """The pledge's progress windows with these labels, created when missing."""
    existing = {
        w.label: w
        for w in db.session.scalars(
            select(SubmissionWindow).where(
                SubmissionWindow.pledge_id == pledge.id,
                SubmissionWindow.kind == WindowKind.progress,
            )
        )
    }
    windows = []
    for spec in specs:
        window = existing.get(spec.label)
        if window is None:
            opens_at, closes_at = spec.bounds(today)
            window = SubmissionWindow(
                pledge=pledge,
                kind=WindowKind.progress,
                label=spec.label,
                opens_at=opens_at,
                closes_at=closes_at,
            )
            db.session.add(window)
        windows.append(window)
    db.session.flush()
    return windows


def _demo_pledge() -> Pledge:
    """The seeded Digital Protection pledge (created on an empty registry)."""
    seed_all()
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == DIGITAL_PROTECTION["slug"]))
    if pledge is None:
        raise click.ClickException(
            f"the pledge {DIGITAL_PROTECTION['slug']!r} is missing; demo data needs it"
        )
    return pledge


def _terms() -> dict[VocabularyKind, dict[str, VocabularyTerm]]:
    terms: dict[VocabularyKind, dict[str, VocabularyTerm]] = {kind: {} for kind in VocabularyKind}
    for term in db.session.scalars(select(VocabularyTerm)):
        terms[term.kind][term.code] = term
    return terms


# --- The small, realistic demo (through the ORM, audited) -------------------------------------


@dataclass
class DemoLoader:
    """Loads the demo registry record by record, skipping what already exists."""

    now: datetime
    created: Counter = field(default_factory=Counter)

    def run(self) -> Counter:
        """Create everything missing; returns counts of what was created."""
        self.today = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.pledge = _demo_pledge()
        self.terms = _terms()
        known = {w.id for w in self.pledge.windows}
        self.windows = _ensure_windows(self.pledge, DEMO_WINDOWS, self.today)
        self.created["progress windows"] += len({w.id for w in self.windows} - known)
        self.outcomes = list(self.pledge.key_outcomes)
        self.organisations = self._organisations()
        self.coordinator = self._user(Role.coordinator, COORDINATOR, None)
        self.stakeholder = self._user(
            Role.stakeholder, STAKEHOLDER, self.organisations[STAKEHOLDER_ORG_REF]
        )
        self._signatures_and_commitments()
        self._engagements()
        return self.created

    # Organisations and contacts -------------------------------------------------------------

    def _organisations(self) -> dict[str, Organisation]:
        existing = {
            o.external_ref: o
            for o in db.session.scalars(
                select(Organisation).where(Organisation.external_ref.like("demo-org-%"))
            )
        }
        result = {}
        for n, (name, acronym, kind, country, refugee_led, visibility) in enumerate(
            ORGANISATIONS, start=1
        ):
            ref = f"demo-org-{n:04d}"
            org = existing.get(ref)
            if org is None:
                region = region_for(country)
                domain = _domain(name, acronym)
                org = operations.create_organisation(
                    name=name,
                    acronym=acronym,
                    stakeholder_type=kind,
                    country=country,
                    visibility=visibility,
                    is_refugee_led=refugee_led,
                    website=f"https://www.{domain}",
                    description=_fill(
                        DESCRIPTIONS[kind],
                        country=country_name(country) or country,
                        region=region.value if region else "the region",
                    ),
                    external_ref=ref,
                )
                org.contacts = self._contacts(ref, country, domain)
                self.created["organisations"] += 1
                self.created["contacts"] += len(org.contacts)
            result[ref] = org
        db.session.flush()
        return result

    def _contacts(self, ref: str, country: str, domain: str) -> list[Contact]:
        rng = _rng(ref + ":contacts")
        contacts = []
        for name, role in zip(
            rng.sample(PEOPLE, rng.randint(1, 2)), rng.sample(ROLES, 2), strict=False
        ):
            dial = DIAL_CODES.get(country)
            contacts.append(
                Contact(
                    name=name,
                    role=role,
                    email=f"{_slug(name).replace('-', '.')}@{domain}",
                    phone=f"+{dial} {rng.randint(200, 799)} {rng.randint(100000, 999999)}"
                    if dial and rng.random() < 0.8
                    else None,
                )
            )
        return contacts

    def _user(self, role: Role, spec: dict, organisation: Organisation | None) -> User:
        user = operations.find_user_by_email(spec["email"])
        if user is None:
            user = operations.create_user(
                spec["email"], spec["name"], DEMO_PASSWORD, role, organisation
            )
            self.created["users"] += 1
        return user

    # Signatures, commitments, progress --------------------------------------------------------

    def _signatures_and_commitments(self) -> None:
        signatures = {
            s.organisation_id: s
            for s in db.session.scalars(
                select(Signature).where(Signature.pledge_id == self.pledge.id)
            )
        }
        commitment_refs = set(
            db.session.scalars(
                select(Commitment.external_ref).where(Commitment.external_ref.like("demo-c-%"))
            )
        )
        number = 0
        for n, (ref, org) in enumerate(self.organisations.items()):
            status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
            signature = signatures.get(org.id)
            if signature is None:
                signature = self._signature(org, status, _rng(ref + ":signature"))
            rng = _rng(ref + ":commitments")
            themes = THEMES_BY_TYPE[org.stakeholder_type]
            for theme in rng.sample(themes, rng.randint(*COMMITMENTS_PER_STATUS[status])):
                number += 1
                c_ref = f"demo-c-{number:06d}"
                if c_ref not in commitment_refs:
                    self._commitment(signature, org, THEMES[theme], c_ref)
        db.session.flush()

    def _signature(self, org: Organisation, status: SignatureStatus, rng) -> Signature:
        contact = org.contacts[0] if org.contacts else None
        signature = Signature(
            pledge=self.pledge,
            organisation=org,
            signed_by_name=contact.name if contact else None,
            signed_by_title=contact.role if contact else None,
            statement=rng.choice(STATEMENTS),
        )
        db.session.add(signature)
        by = self.stakeholder if org is self.stakeholder.organisation else None
        submitted_at = _between(rng, _utc(2023, 12, 13), _utc(2025, 6, 30))
        decided_at = submitted_at + timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 8))
        if status is not SignatureStatus.draft:
            signature.submit(by, submitted_at)
        if status is SignatureStatus.accepted:
            signature.accept(self.coordinator, decided_at)
        elif status is SignatureStatus.rejected:
            signature.reject(
                self.coordinator,
                decided_at,
                "The commitments described are about connectivity rather than protection from "
                "online harm; the Connectivity for Refugees pledge is a better fit.",
            )
        elif status is SignatureStatus.changes_requested:
            signature.request_changes(
                self.coordinator,
                decided_at,
                "Please add at least one measurable indicator with a baseline and a target.",
            )
        elif status is SignatureStatus.withdrawn:
            signature.withdraw()
        self.created["signatures"] += 1
        return signature

    def _commitment(self, signature, org, theme: Theme, ref: str) -> None:
        rng = _rng(ref)
        countries, level = self._reach(rng, org)
        languages = _language(countries, org.country)
        values = {
            "place": _place(level, countries, org.country),
            "language": LANGUAGE_NAMES[languages[0]],
        }
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 540))
        others = ["asylum_seekers", "host_communities", "stateless", "returnees"]
        populations = ["refugees", *rng.sample(others, rng.randint(0, 2))]
        if countries and countries[0] in IDP_COUNTRIES:
            populations.append("idps")
        areas = list(theme.action_areas[: rng.randint(1, len(theme.action_areas))])
        risks = rng.sample(theme.risks, rng.randint(1, len(theme.risks)))
        commitment = Commitment(
            signature=signature,
            title=_fill(theme.title, **values),
            description=_fill(theme.description, **values),
            key_outcome=self.outcomes[theme.outcome] if self.outcomes else None,
            geographic_level=level,
            languages=languages,
            start_date=start,
            target_date=start + timedelta(days=rng.choice([365, 540, 730, 1095])),
            indicator_text=theme.indicator,
            indicator_unit=theme.unit,
            indicator_baseline=float(rng.randint(*theme.baseline)),
            indicator_target=float(rng.randint(*theme.target)),
            action_areas=[self.terms[VocabularyKind.action_area][c] for c in areas],
            risks=[self.terms[VocabularyKind.risk][c] for c in risks],
            target_populations=[
                self.terms[VocabularyKind.target_population][c] for c in dict.fromkeys(populations)
            ],
            external_ref=ref,
        )
        commitment.country_links = [CommitmentCountry(country=c) for c in countries]
        if rng.random() < 0.15:
            partner = self.organisations[rng.choice(list(self.organisations))]
            if partner is not signature.organisation:
                commitment.co_implementers = [partner]
        db.session.add(commitment)
        self.created["commitments"] += 1
        if signature.status is SignatureStatus.accepted:
            self._progress(commitment, theme, values, rng)

    def _reach(self, rng, org) -> tuple[list[str], GeographicLevel]:
        weights = [3, 3, 3, 1] if org.stakeholder_type in GLOBAL_TYPES else [0, 1, 5, 4]
        level = rng.choices(
            [GeographicLevel.global_, GeographicLevel.regional, GeographicLevel.national,
             GeographicLevel.local], weights,
        )[0]  # fmt: skip
        home = org.country if org.country in FOCUS_COUNTRIES else rng.choice(FOCUS_COUNTRIES)
        if level is GeographicLevel.global_:
            return [], level
        if level is GeographicLevel.regional:
            same = _neighbours(home)
            return [home, *rng.sample(same, min(len(same), rng.randint(1, 3)))], level
        return [home], level

    def _progress(self, commitment: Commitment, theme: Theme, values, rng) -> None:
        """Updates in the windows this commitment reported in; the verified ones set its status."""
        org = commitment.signature.organisation
        domain = _domain(org.name, org.acronym)
        by = self.stakeholder if org is self.stakeholder.organisation else None
        for cycle, window in enumerate(self.windows):
            # An admin may have cleared a bound of an existing window: assume a 60-day cycle.
            closes_at = window.closes_at or self.now
            opens_at = window.opens_at or closes_at - timedelta(days=60)
            is_open = window.is_open(self.now)
            if rng.random() > (0.6 if is_open else 0.75) or commitment.start_date > (
                closes_at.date()
            ):
                continue
            states, weights = OPEN_WINDOW_STATES if is_open else CLOSED_WINDOW_STATES
            state = rng.choices(states, weights)[0]
            reported = _reported_status(rng, cycle)
            percent = None if rng.random() < 0.12 else _percent_for(rng, reported, cycle)
            baseline, target = commitment.indicator_baseline, commitment.indicator_target
            actual = (
                None if percent is None else round(baseline + (target - baseline) * percent / 100)
            )
            summary = (
                f"{actual:,.0f} {commitment.indicator_unit} against a target of {target:,.0f}. "
                if actual is not None
                else ""
            )
            update = ProgressUpdate(
                commitment=commitment,
                window=window,
                status=reported,
                progress_percent=percent,
                actual_value=actual,
                achievements=summary + _fill(theme.achievement, **values),
                challenges=rng.choice(CHALLENGES),
                next_steps=rng.choice(NEXT_STEPS),
                evidence_links=[
                    f"https://www.{domain}/reports/{commitment.external_ref}-{cycle + 1}"
                ][: rng.randint(0, 1)],
            )
            db.session.add(update)
            self.created["progress updates"] += 1
            end = min(closes_at, self.now)
            submitted_at = _between(rng, opens_at, end)
            if state is ReviewState.draft:
                continue
            update.submit(by, submitted_at)
            reviewed_at = min(submitted_at + timedelta(days=rng.randint(1, 14)), end)
            if state is ReviewState.verified:
                update.verify(self.coordinator, reviewed_at)
                self._apply_verified(commitment, update)
            elif state is ReviewState.returned:
                update.return_(self.coordinator, reviewed_at, rng.choice(RETURN_COMMENTS))

    @staticmethod
    def _apply_verified(commitment: Commitment, update: ProgressUpdate) -> None:
        """The commitment's status and progress follow its latest verified update."""
        steps = [update.status]
        if (commitment.status, update.status) == (
            CommitmentStatus.planning,
            CommitmentStatus.fulfilled,
        ):
            steps = [CommitmentStatus.in_progress, CommitmentStatus.fulfilled]
        if update.status is not commitment.status and (
            (commitment.status, steps[0]) not in Commitment.TRANSITIONS
        ):
            return  # e.g. a later report of "in progress" on a fulfilled commitment
        for step in steps:
            commitment.set_status(step)
        commitment.progress_percent = update.progress_percent

    # Engagement records -----------------------------------------------------------------------

    def _engagements(self) -> None:
        by_name = {o.name: o for o in self.organisations.values()}
        existing = {
            (r.organisation_id, r.kind, r.title)
            for r in db.session.scalars(select(EngagementRecord))
        }
        structures = self.terms[VocabularyKind.coordination_structure]
        for spec in ENGAGEMENTS:
            org = by_name[spec.organisation]
            if (org.id, spec.kind, spec.title) in existing:
                continue
            rng = _rng(f"engagement:{spec.title}")
            record_ = EngagementRecord(
                organisation=org,
                kind=spec.kind,
                title=spec.title,
                geographic_level=spec.level,
                countries=list(spec.countries),
                coordination_structure=structures.get(spec.structure),
                focal_point=self.coordinator,
                purpose_areas=[
                    self.terms[VocabularyKind.action_area][c] for c in spec.purpose_areas
                ],
                start_date=spec.start,
                internal_notes=spec.notes,
                stage_changed_at=_utc(spec.start.year, spec.start.month, spec.start.day),
            )
            db.session.add(record_)
            self.created["engagement records"] += 1
            if spec.kind is EngagementKind.partnership:
                self._hrdd(record_, spec.start, rng)
            moment = record_.stage_changed_at
            for stage in spec.path:
                moment = min(moment + timedelta(days=rng.randint(20, 120)), self.now)
                record_.move_to(stage, moment)
                if stage in (EngagementStage.completed, EngagementStage.ended,
                             EngagementStage.closed):  # fmt: skip
                    record_.end_date = moment.date()
            if spec.convert:
                moment = min(moment + timedelta(days=rng.randint(20, 90)), self.now)
                partnership = record_.convert(self.coordinator, moment)
                partnership.internal_notes = "Converted after the platform's commitments were met."
                self._hrdd(partnership, moment.date(), rng)
                partnership.move_to(
                    EngagementStage.active, min(moment + timedelta(days=14), self.now)
                )
                db.session.add(partnership)
                self.created["engagement records"] += 1
        db.session.flush()

    def _hrdd(self, record_: EngagementRecord, start: date, rng) -> None:
        record_.hrdd_checked_on = start - timedelta(days=rng.randint(5, 40))
        record_.hrdd_checked_by_id = self.coordinator.id
        record_.hrdd_outcome = rng.choice(
            [
                "No adverse findings.",
                "No adverse findings; data-sharing agreement required before any personal data "
                "is exchanged.",
                "Low risk; review again at renewal.",
            ]
        )


# --- Scale mode: bulk inserts for benchmarks -------------------------------------------------

SCALE_TYPES = list(StakeholderType)
SCALE_TYPE_WEIGHTS = [4, 3, 2, 10, 25, 12, 4, 6, 5, 8, 4, 8, 3, 4, 2]
COMMUNITIES = [
    "Somali", "Syrian", "Rohingya", "Afghan", "South Sudanese", "Congolese", "Venezuelan",
    "Ukrainian", "Sudanese", "Burundian", "Eritrean", "Malian", "Nicaraguan", "Central African",
]  # fmt: skip
STEMS = [
    "Digital Safety", "Information Integrity", "Peace Messaging", "Community Voices",
    "Safe Connections", "Media Literacy", "Social Cohesion", "Refugee Voices", "Digital Rights",
    "Trusted Information", "Online Protection", "Inclusion",
]  # fmt: skip
FORMS = ["Network", "Initiative", "Forum", "Association", "Collective", "Alliance", "Centre"]
BRAND_HEADS = ["Zen", "Tali", "Oro", "Sana", "Pixa", "Veri", "Niko", "Ama", "Lumo", "Kora"]
BRAND_TAILS = ["ly", "gram", "bridge", "cast", "link", "hub", "net", "wave", "mesh", "spark"]
PRODUCTS = ["Messaging", "Social", "Video", "Search", "Cloud", "AI", "Maps", "Marketplace"]


def _scale_org_name(rng: random.Random, kind: StakeholderType, country: str) -> str:
    place = country_name(country) or country
    stem, form = rng.choice(STEMS), rng.choice(FORMS)
    brand = rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS)
    names = {
        ST.state: f"National Commission for Refugees – {place}",
        ST.un_entity: f"UN {stem} Programme – {place}",
        ST.international_organisation: f"Intergovernmental Council on {stem}",
        ST.international_ngo: f"{stem} {rng.choice(['International', 'Without Borders'])}",
        ST.national_ngo: f"{place} {stem} {form}",
        ST.refugee_led_organisation: f"{rng.choice(COMMUNITIES)} Refugee {stem} {form}",
        ST.faith_based_organisation: f"Interfaith {rng.choice(['Welcome', 'Hope'])} Council – "
        f"{place}",
        ST.technology_company: f"{brand} {rng.choice(PRODUCTS)}",
        ST.private_sector: f"{brand} {rng.choice(['Telecom', 'Mobile', 'Bank', 'Media Group'])}",
        ST.media_outlet: f"{place} {rng.choice(['Radio FM', 'Daily', 'Observer', 'Voice'])}",
        ST.media_development: f"{stem} {rng.choice(['Media Lab', 'Journalism Trust'])}",
        ST.academia: f"Institute for {stem} Research – {place}",
        ST.philanthropic_foundation: f"{brand} Foundation for {stem}",
        ST.local_authority: f"Municipal Council of {place} – Inclusion Office",
        ST.other: f"{stem} Volunteers Guild",
    }
    return names[kind]


def _commitments_for(index: int) -> tuple[int, int]:
    """(first global commitment index, count) of organisation `index`: 37 per 10 organisations."""
    r = index % 10
    offset = 4 * r if r <= 7 else 28 + 3 * (r - 7)
    return (index // 10) * 37 + offset, 4 if r < 7 else 3


def _updates_for(commitment_index: int) -> int:
    """Progress updates of a commitment: 100 per 37 commitments (10,000 per 3,700)."""
    return 2 if commitment_index % 37 < 11 else 3


def _scale_signature_status(index: int) -> SignatureStatus:
    if index % 50 == 24:
        return SignatureStatus.submitted
    if index % 50 == 49:
        return SignatureStatus.changes_requested
    return SignatureStatus.accepted


@dataclass
class ScaleLoader:
    """Bulk-loads `organisations` benchmark organisations (Core inserts, no per-row audit)."""

    organisations: int
    now: datetime
    seed: int = SEED
    created: Counter = field(default_factory=Counter)

    def run(self) -> Counter:
        """Create the missing scale organisations and everything under them, chunk by chunk."""
        pledge = _demo_pledge()
        today = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        known = {w.id for w in pledge.windows}
        windows = _ensure_windows(pledge, SCALE_WINDOWS, today)
        self.created["progress windows"] += len({w.id for w in windows} - known)
        self.pledge_id = pledge.id
        self.windows = [(w.id, w.opens_at, w.closes_at, w.is_open(self.now)) for w in windows]
        self.outcome_ids = [o.id for o in pledge.key_outcomes]
        self.neighbours = {c: _neighbours(c) for c in FOCUS_COUNTRIES}
        self.term_ids = {
            kind: {code: term.id for code, term in terms.items()}
            for kind, terms in _terms().items()
        }
        db.session.commit()
        existing = set(
            db.session.scalars(
                select(Organisation.external_ref).where(
                    Organisation.external_ref.like("scale-org-%")
                )
            )
        )
        todo = [i for i in range(self.organisations) if self._org_ref(i) not in existing]
        for start in range(0, len(todo), CHUNK_ORGANISATIONS):
            self._chunk(todo[start : start + CHUNK_ORGANISATIONS])
            db.session.commit()
        return self.created

    @staticmethod
    def _org_ref(index: int) -> str:
        return f"scale-org-{index + 1:06d}"

    @staticmethod
    def _commitment_ref(index: int) -> str:
        return f"scale-c-{index + 1:07d}"

    def _insert(self, table, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK_ROWS):
            db.session.execute(insert(table), rows[start : start + CHUNK_ROWS])
        self.created[table.name] += len(rows)

    def _ids(self, column, key_column, keys) -> dict:
        return dict(
            db.session.execute(select(key_column, column).where(key_column.in_(keys))).all()
        )

    def _chunk(self, indexes: list[int]) -> None:
        """Organisations `indexes` with their contact, signature, commitments and updates."""
        rngs = {i: random.Random(self.seed * 1_000_003 + i) for i in indexes}
        organisations = self._insert_organisations(indexes, rngs)
        signature_ids = self._insert_signatures(indexes, rngs, organisations)
        self._insert_commitments(indexes, rngs, organisations, signature_ids)

    def _insert_organisations(self, indexes, rngs) -> dict[int, tuple[int, StakeholderType, str]]:
        """Insert the organisations; returns index -> (id, stakeholder type, country)."""
        rows, plans = [], {}
        for i in indexes:
            rng = rngs[i]
            kind = rng.choices(SCALE_TYPES, SCALE_TYPE_WEIGHTS)[0]
            country = rng.choice(FOCUS_COUNTRIES)
            refugee_led = kind is ST.refugee_led_organisation or (
                kind in (ST.media_outlet, ST.national_ngo, ST.other) and rng.random() < 0.15
            )
            visibility = "anonymised" if refugee_led else "public"
            if rng.random() < 0.05:
                visibility = "hidden"
            region = region_for(country)
            name = _scale_org_name(rng, kind, country)
            rows.append(
                {
                    "name": name,
                    "acronym": None,
                    "stakeholder_type": kind.name,
                    "country": country,
                    "region": region.name if region else None,
                    "is_region_overridden": False,
                    "website": f"https://www.{_slug(name)[:40]}-{i + 1}.example.org",
                    "description": _fill(
                        DESCRIPTIONS[kind],
                        country=country_name(country) or country,
                        region=region.value if region else "the region",
                    ),
                    "is_refugee_led": refugee_led,
                    "visibility": visibility,
                    "external_ref": self._org_ref(i),
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            plans[i] = (kind, country)
        self._insert(Organisation.__table__, rows)
        ids = self._ids(
            Organisation.id, Organisation.external_ref, [self._org_ref(i) for i in indexes]
        )
        return {i: (ids[self._org_ref(i)], *plans[i]) for i in indexes}

    def _insert_signatures(self, indexes, rngs, organisations) -> dict[int, int]:
        """Insert one contact and one signature per organisation; returns index -> signature id."""
        contacts, signatures = [], []
        for i in indexes:
            rng, org_id = rngs[i], organisations[i][0]
            person, role = rng.choice(PEOPLE), rng.choice(ROLES)
            contacts.append(
                {
                    "organisation_id": org_id,
                    "name": person,
                    "role": role,
                    "email": f"{_slug(person).replace('-', '.')}@org{i + 1}.example.org",
                    "phone": None,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            status = _scale_signature_status(i)
            submitted_at = _between(rng, _utc(2023, 12, 13), _utc(2025, 6, 30))
            decided_at = submitted_at + timedelta(days=rng.randint(3, 30))
            signatures.append(
                {
                    "pledge_id": self.pledge_id,
                    "organisation_id": org_id,
                    "signed_by_name": person,
                    "signed_by_title": role,
                    "statement": rng.choice(STATEMENTS),
                    "status": status.name,
                    "review_comment": "Please add a measurable indicator."
                    if status is SignatureStatus.changes_requested
                    else None,
                    "submitted_at": submitted_at,
                    "submitted_by_id": None,
                    "decided_at": None if status is SignatureStatus.submitted else decided_at,
                    "decided_by_id": None,
                    "version": 1,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        self._insert(Contact.__table__, contacts)
        self._insert(Signature.__table__, signatures)
        ids = self._ids(
            Signature.id, Signature.organisation_id, [organisations[i][0] for i in indexes]
        )
        return {i: ids[organisations[i][0]] for i in indexes}

    def _insert_commitments(self, indexes, rngs, organisations, signature_ids) -> None:
        """Insert the commitments, their vocabulary and country links and progress updates."""
        rows, pending = [], []
        for i in indexes:
            rng = rngs[i]
            _, kind, country = organisations[i]
            accepted = _scale_signature_status(i) is SignatureStatus.accepted
            first, count = _commitments_for(i)
            themes = rng.sample(THEMES_BY_TYPE[kind], count)
            for k, theme in zip(range(first, first + count), themes, strict=True):
                row, links, updates = self._commitment(rng, k, THEMES[theme], country, accepted)
                row["signature_id"] = signature_ids[i]
                rows.append(row)
                pending.append((row["external_ref"], links, updates))
        self._insert(Commitment.__table__, rows)
        ids = self._ids(Commitment.id, Commitment.external_ref, [ref for ref, _, _ in pending])

        tables = {
            "action": commitment_action_areas,
            "risk": commitment_risks,
            "population": commitment_target_populations,
            "country": CommitmentCountry.__table__,
        }
        link_rows: dict[str, list[dict]] = {key: [] for key in tables}
        update_rows = []
        for ref, links, updates in pending:
            commitment_id = ids[ref]
            for key, values in links.items():
                column = "country" if key == "country" else "term_id"
                link_rows[key].extend({"commitment_id": commitment_id, column: v} for v in values)
            for update in updates:
                update["commitment_id"] = commitment_id
                update_rows.append(update)
        for key, table in tables.items():
            self._insert(table, link_rows[key])
        self._insert(ProgressUpdate.__table__, update_rows)

    def _commitment(self, rng, k: int, theme: Theme, country: str, accepted: bool):
        """One commitment row, its association values and its progress update rows."""
        level = rng.choice(list(GeographicLevel))
        home = country if country in FOCUS_COUNTRIES else rng.choice(FOCUS_COUNTRIES)
        countries = [] if level is GeographicLevel.global_ else [home]
        if level is GeographicLevel.regional:
            countries += rng.sample(self.neighbours[home], 2)
        languages = _language(countries, country)
        values = {
            "place": _place(level, countries, country),
            "language": LANGUAGE_NAMES[languages[0]],
        }
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 540))
        baseline = float(rng.randint(*theme.baseline))
        target = float(rng.randint(*theme.target))
        row = {
            "title": _fill(theme.title, **values),
            "description": _fill(theme.description, **values),
            "key_outcome_id": self.outcome_ids[theme.outcome] if self.outcome_ids else None,
            "geographic_level": level.name,
            "languages": languages,
            "start_date": start,
            "target_date": start + timedelta(days=rng.choice([365, 730, 1095])),
            "indicator_text": theme.indicator,
            "indicator_unit": theme.unit,
            "indicator_baseline": baseline,
            "indicator_target": target,
            "status": CommitmentStatus.planning.name,
            "progress_percent": None,
            "external_ref": self._commitment_ref(k),
            "version": 1,
            "created_at": self.now,
            "updated_at": self.now,
        }
        term_ids = self.term_ids
        populations = ["refugees", rng.choice(["asylum_seekers", "host_communities", "idps"])]
        links = {
            "action": [term_ids[VocabularyKind.action_area][c] for c in theme.action_areas],
            "risk": [term_ids[VocabularyKind.risk][c] for c in theme.risks[:2]],
            "population": [term_ids[VocabularyKind.target_population][c] for c in populations],
            "country": countries,
        }
        updates = []
        if accepted:
            count = _updates_for(k)
            chosen = sorted(rng.sample(range(len(self.windows)), min(count, len(self.windows))))
            for cycle in chosen:
                window_id, opens_at, closes_at, is_open = self.windows[cycle]
                states, weights = OPEN_WINDOW_STATES if is_open else CLOSED_WINDOW_STATES
                state = rng.choices(states, weights)[0]
                reported = _reported_status(rng, cycle)
                percent = None if rng.random() < 0.1 else _percent_for(rng, reported, cycle)
                end = min(closes_at, self.now) if closes_at else self.now
                submitted_at = _between(rng, opens_at, end) if opens_at else end
                reviewed = state in (ReviewState.verified, ReviewState.returned)
                updates.append(
                    {
                        "window_id": window_id,
                        "status": reported.name,
                        "progress_percent": percent,
                        "actual_value": None
                        if percent is None
                        else round(baseline + (target - baseline) * percent / 100),
                        "achievements": _fill(theme.achievement, **values),
                        "challenges": rng.choice(CHALLENGES),
                        "next_steps": rng.choice(NEXT_STEPS),
                        "evidence_links": [],
                        "submitted_by_id": None,
                        "submitted_at": None if state is ReviewState.draft else submitted_at,
                        "review_state": state.name,
                        "review_comment": rng.choice(RETURN_COMMENTS)
                        if state is ReviewState.returned
                        else None,
                        "reviewed_by_id": None,
                        "reviewed_at": min(submitted_at + timedelta(days=3), end)
                        if reviewed
                        else None,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                if state is ReviewState.verified and reported is not CommitmentStatus.planning:
                    row["status"], row["progress_percent"] = reported.name, percent
        return row, links, updates


# --- The command -------------------------------------------------------------------------------


def _parse_scale(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        scale = int(value)
    except ValueError:
        scale = 0
    if scale < 1:
        raise click.ClickException(f"--scale must be a whole number of 1 or more, not {value!r}")
    return scale


def _summary(created: Counter, labels: list[tuple[str, str]]) -> str:
    """'3 organisations, 1 progress window, …' for the counts that are not zero."""
    parts = [
        f"{created[key]:,} {label if created[key] != 1 else label.removesuffix('s')}"
        for key, label in labels
        if created[key]
    ]
    return ", ".join(parts)


@click.command("demo-data")
@click.option(
    "--scale",
    metavar="N",
    default=None,
    help="Instead of the demo, bulk-load N times the size of all GRF pledges to date "
    "(N x ~1,000 organisations, 3,700 commitments, 10,000 progress updates) for benchmarks. "
    "Uses bulk inserts: no per-row audit events, only one summary event.",
)
@click.option("--fraction", type=float, default=1.0, hidden=True, help="Load only this share.")
def demo_data(scale: str | None, fraction: float) -> None:
    """Load a realistic demo registry, with a coordinator and a stakeholder login.

    Safe to run again: what exists is skipped, nothing is duplicated.
    """
    n = _parse_scale(scale)
    if not 0 < fraction <= 1:
        raise click.ClickException("--fraction must be more than 0 and at most 1")
    started = time.perf_counter()
    with acting_as(label="demo-data"):
        if n is None:
            created = DemoLoader(now=utcnow()).run()
            db.session.commit()
        else:
            organisations = max(1, round(SCALE_UNIT_ORGANISATIONS * n * fraction))
            created = ScaleLoader(organisations=organisations, now=utcnow()).run()
            if created["organisations"]:
                record(db.session, "demo_data.scale", "Organisation", {"scale": n, **created})
            db.session.commit()
    elapsed = time.perf_counter() - started
    if n is None:
        _report_demo(created, elapsed)
    else:
        _report_scale(created, n, elapsed)


def _report_demo(created: Counter, elapsed: float) -> None:
    summary = _summary(
        created,
        [
            ("organisations", "organisations"),
            ("contacts", "contacts"),
            ("users", "users"),
            ("signatures", "signatures"),
            ("commitments", "commitments"),
            ("progress windows", "progress windows"),
            ("progress updates", "progress updates"),
            ("engagement records", "engagement records"),
        ],
    )
    if summary:
        click.echo(f"Demo data: created {summary} in {elapsed:.1f} s.")
    else:
        click.echo(f"Demo data already loaded: nothing new was added ({elapsed:.1f} s).")
    org = ORGANISATIONS[0][0]  # STAKEHOLDER_ORG_REF
    click.echo(f"Log in with the password {DEMO_PASSWORD!r} as:")
    click.echo(f"  coordinator  {COORDINATOR['email']}")
    click.echo(f"  stakeholder  {STAKEHOLDER['email']}  ({org})")


def _report_scale(created: Counter, scale: int, elapsed: float) -> None:
    summary = _summary(
        created,
        [
            ("organisations", "organisations"),
            ("contacts", "contacts"),
            ("signatures", "signatures"),
            ("commitments", "commitments"),
            ("progress_updates", "progress updates"),
            ("commitment_action_areas", "action-area links"),
            ("commitment_risks", "risk links"),
            ("commitment_target_populations", "target-population links"),
            ("commitment_countries", "country links"),
            ("progress windows", "progress windows"),
        ],
    )
    if created["organisations"]:
        click.echo(f"Scale {scale}: created {summary} in {elapsed:.1f} s (bulk, not audited).")
    else:
        click.echo(f"Scale {scale} data already loaded: nothing new was added ({elapsed:.1f} s).")
