"""A crafted dataset an outsider would probe with: protected organisations named in Latin (with
diacritics), Arabic and Cyrillic, short acronyms, websites, contacts and signers; public
partners whose text names them in every spelling (upper case, diacritics dropped or added,
joined up, inside URLs and e-mail addresses); hidden organisations with verified updates; and
`leaks(text, organisation)`, the check every public output must pass.

`leaks` normalises on its own (NFKC, casefold, diacritics removed), independently of the code
under test, and finds long identifiers on the letters alone and short ones as whole words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from registry.audit import acting_as
from registry.models import (
    Commitment,
    CommitmentStatus,
    Contact,
    GeographicLevel,
    Organisation,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    StakeholderType,
    SubmissionWindow,
    Visibility,
    VocabularyTerm,
    WindowKind,
    utcnow,
)
from tests.conftest import PASSWORD

ST, V = StakeholderType, Visibility

#: The protected organisations: (key, name, acronym, type, country, visibility, website,
#: other names, contact name, signer name, e-mail domain)
PROTECTED = [
    (
        "sauti",
        "Sauti ya Wakimbizi",
        "SYW",
        ST.refugee_led_organisation,
        "KEN",
        V.anonymised,
        "https://www.sauti-wakimbizi.example.org",
        ["Voix des Réfugiés de Kakuma"],
        "Amani Odhiambo",
        "Halima Abdi",
        "sauti-wakimbizi.example.org",
    ),
    (
        "amal",
        "جمعية الأمل للاجئين",
        "أمل",
        ST.refugee_led_organisation,
        "JOR",
        V.anonymised,
        "https://amal-refugees.example.org",
        ["Al-Amal Refugee Society"],
        "Yusuf Haddad",
        "ليلى حداد",
        "amal-refugees.example.org",
    ),
    (
        "golos",
        "Голос Беженцев Харьков",
        "ГБХ",
        ST.refugee_led_organisation,
        "POL",
        V.anonymised,
        "https://golos-bezhentsev.example.org",
        ["Refugee Voice Kharkiv"],
        "Олена Коваленко",
        "Ірина Шевченко",
        "golos-bezhentsev.example.org",
    ),
    (
        "cagri",
        "Çağrı Dayanışma Ağı",
        "ÇDA",
        ST.national_ngo,
        "TUR",
        V.hidden,
        "https://cagri-dayanisma.example.org",
        ["Cagri Solidarity Network"],
        "Mehmet Yılmaz",
        "Zeynep Kaya",
        "cagri-dayanisma.example.org",
    ),
    (
        "rvn",
        "Rohingya Voices Network",
        "RVN",
        ST.refugee_led_organisation,
        "BGD",
        V.hidden,
        "https://rvn.example.org",
        ["রোহিঙ্গা কণ্ঠ নেটওয়ার্ক"],
        "Nur Begum",
        "Mohammed Rafiq",
        "rvn.example.org",
    ),
]

#: What public partners write about the protected ones: every spelling an outsider might try.
PARTNER_TEXT = (
    "With SAUTI-YA-WAKIMBIZI (#SautiYaWakimbizi, s.y.w.) and voix des refugies de kakuma; "
    "ask amani.odhiambo@sauti-wakimbizi.example.org or see "
    "https://www.sauti-wakimbizi.example.org/reports/2025. Also جمعيّة الأمَل للاجئين (أمل) "
    "and Al-Amal Refugee Society, Yusuf Haddad; голос беженцев харьков (ГБХ, Refugee Voice "
    "Kharkiv), Олена Коваленко; Cagri Dayanisma Agi and ÇDA via cagri-dayanisma.example.org; "
    "the Rohingya Voices Network (RVN), rvn.example.org, Nur Begum and Mohammed Rafiq."
)


@dataclass
class Crafted:
    """The dataset: organisations by key, records, and the people who log in."""

    pledge: object
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    signatures: dict = field(default_factory=dict)
    commitments: dict = field(default_factory=dict)
    updates: dict = field(default_factory=dict)
    window: object = None
    closed: object = None

    def protected(self) -> list[Organisation]:
        return [self.orgs[key] for key, *_rest in PROTECTED]


def _commitment(signature, title, text, outcome, terms, partners=(), countries=("KEN",)):
    commitment = Commitment(
        signature=signature,
        title=title,
        description=text,
        key_outcome=outcome,
        status=CommitmentStatus.in_progress,
        geographic_level=GeographicLevel.national,
        languages=["Swahili"],
        indicator_text=f"Sessions run by {title}",
        indicator_unit="sessions",
        indicator_baseline=0,
        indicator_target=10,
        action_areas=terms[:1],
        risks=terms[1:2],
        co_implementers=list(partners),
    )
    commitment.countries = list(countries)
    return commitment


def _update(commitment, window, text, links=(), state=ReviewState.verified):
    return ProgressUpdate(
        commitment=commitment,
        window=window,
        status=CommitmentStatus.in_progress,
        progress_percent=50,
        achievements=text,
        challenges=f"Challenges: {text}",
        next_steps=f"Next: {text}",
        evidence_links=list(links),
        review_state=state,
        reviewed_at=utcnow() if state is ReviewState.verified else None,
        submitted_at=utcnow(),
    )


def build(db, pledge, make_user) -> Crafted:
    """Load the crafted dataset (every signature accepted, one progress window open)."""
    now = utcnow()
    data = Crafted(pledge=pledge)
    outcome = pledge.key_outcomes[0]
    terms = list(db.session.query(VocabularyTerm).order_by(VocabularyTerm.id).limit(2))
    with acting_as(label="test-setup"):
        for spec in PROTECTED:
            key, name, acronym, kind, country, visibility, website, other, contact = spec[:9]
            domain = spec[10]
            org = Organisation(
                name=name,
                acronym=acronym,
                stakeholder_type=kind,
                country=country,
                visibility=visibility,
                website=website,
                other_names=other,
                is_refugee_led=kind is ST.refugee_led_organisation,
                description=f"{name} ({acronym}) works with refugees. Contact {contact}.",
            )
            org.contacts = [Contact(name=contact, email=f"contact@{domain}", role="Director")]
            db.session.add(org)
            data.orgs[key] = org
        data.orgs["open"] = Organisation(
            name="Open Platforms Inc",
            acronym="OPI",
            stakeholder_type=ST.technology_company,
            country="USA",
            website="https://open-platforms.example.com",
            description=f"Our partners: {PARTNER_TEXT}",
        )
        data.orgs["peace"] = Organisation(
            name="Kenya Peace Network",
            stakeholder_type=ST.national_ngo,
            country="KEN",
            description="Peace messaging in Kenya.",
        )
        db.session.add_all([data.orgs["open"], data.orgs["peace"]])
        data.window = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2026 review",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=20),
        )
        data.closed = SubmissionWindow(
            pledge=pledge,
            kind=WindowKind.progress,
            label="2025 review",
            opens_at=now - timedelta(days=300),
            closes_at=now - timedelta(days=200),
        )
        db.session.add_all([data.window, data.closed])
        for key, org in data.orgs.items():
            signer = next((p[9] for p in PROTECTED if p[0] == key), "Pat Public")
            signature = Signature(
                pledge=pledge,
                organisation=org,
                status=SignatureStatus.accepted,
                signed_by_name=signer,
                signed_by_title="Director",
                statement=f"{org.name} ({org.acronym or ''}) signs. "
                + (PARTNER_TEXT if key == "open" else f"Signed by {signer}."),
                decided_at=now,
            )
            data.signatures[key] = signature
            own = f"{org.name} rumour desk — {org.acronym or org.name} at {org.website or ''}"
            partners = [data.orgs["sauti"], data.orgs["cagri"]] if key == "open" else []
            text = PARTNER_TEXT if key == "open" else own
            commitment = _commitment(signature, own[:300], text, outcome, terms, partners)
            data.commitments[key] = commitment
            links = [f"{org.website}/evidence.pdf"] if org.website else []
            if key == "open":
                links += [
                    "https://golos-bezhentsev.example.org/report.pdf",
                    "https://open-platforms.example.com/ok.pdf",
                ]
            data.updates[key] = _update(commitment, data.window, text, links)
        db.session.add_all(list(data.signatures.values()))
        db.session.commit()
    for key, *_rest in PROTECTED + [("open",), ("peace",)]:
        domain = next((p[10] for p in PROTECTED if p[0] == key), "open-platforms.example.com")
        data.users[key] = make_user(
            organisation=data.orgs[key], email=f"{key}.user@{domain}", name=f"{key} reporter"
        )
    with acting_as(label="test-setup"):
        for key, update in data.updates.items():
            update.submitted_by_id = data.users[key].id
        db.session.commit()
    return data


# -- the check ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch) and ch != "\u0640")


def _letters(text: str) -> str:
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def identifiers(org: Organisation) -> list[str]:
    """Everything that names a protected organisation of the dataset."""
    spec = next(p for p in PROTECTED if p[1] == org.name)
    _key, name, acronym, _k, _c, _v, website, other, contact, signer, domain = spec
    return [name, acronym, *other, contact, signer, domain, website.split("//")[1]]


def leaks(text: str, org: Organisation) -> list[str]:
    """The identifiers of `org` found in `text` (long ones on the letters alone, short ones as
    whole words; Arabic also read backwards, as PDF text extraction may give it)."""
    if not text:
        return []
    found = []
    folded, letters = _fold(text), _letters(text)
    for identifier in identifiers(org):
        key = _letters(identifier)
        candidates = {key, key[::-1]}
        if len(key) >= 6:
            hit = any(c in letters for c in candidates)
        else:
            hit = any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", folded) for c in candidates)
        if hit:
            found.append(identifier)
    return found


def assert_no_leak(text: str, data: Crafted, where: str, except_for=None) -> None:
    """No protected organisation of the dataset (but `except_for`) is named in `text`."""
    for org in data.protected():
        if org is except_for:
            continue
        assert leaks(text, org) == [], f"{where} names {org.name!r}"


def login_password() -> str:
    return PASSWORD
