"""Text data of the demo: organisations, people, languages and the logins it prints."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from registry.models import SignatureStatus, StakeholderType, Visibility

SEED = 2023
COORDINATOR = {"email": "demo.coordinator@example.org", "name": "Lina Haddad"}
STAKEHOLDER = {"email": "demo.stakeholder@example.org", "name": "Amina Yusuf"}

ST, V = StakeholderType, Visibility


def new_demo_password() -> str:
    """A password for the demo logins, new on every install and printed once: a password
    published with the code would open every registry that ever loaded the demo."""
    return "demo-" + secrets.token_urlsafe(12)


def utc(*parts: int) -> datetime:
    """A UTC datetime from year, month, day, …"""
    return datetime(*parts, tzinfo=UTC)


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


# --- Name parts of the scale organisations ---------------------------------------------------

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
