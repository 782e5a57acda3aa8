"""Redaction of protected organisations' identifiers in free text: every script, diacritics and
case, whole words for short names and acronyms, joined-up spellings, inside URLs; and the Unicode
folding both the redaction and the duplicate check compare with."""

from __future__ import annotations

import pytest

from registry.disclosure.redaction import Identifier, Redactor
from registry.text import email_domain, fold, normalise_name, site_key, website_domain

IDS = [
    Identifier(1, "name", "Sauti ya Wakimbizi"),
    Identifier(1, "acronym", "SYW"),
    Identifier(1, "website", "sauti.example.org"),
    Identifier(2, "name", "جمعية الأمل"),
    Identifier(2, "acronym", "أمل"),
    Identifier(3, "name", "Голос Беженцев"),
    Identifier(3, "acronym", "ГБ"),
    Identifier(4, "name", "Réfugiés Unis"),
    Identifier(4, "contact", "Amina Yusuf"),
    Identifier(5, "name", "希望之声"),
    Identifier(6, "e-mail domain", "rvn.example.org"),
    Identifier(6, "acronym", "RVN"),
]


def redacted(text: str) -> str:
    return Redactor(IDS).redact(text, lambda m: f"[{m.organisation_id}]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Case, punctuation, joined up, as a hashtag.
        ("With SAUTI-YA WAKIMBIZI.", "With [1]."),
        ("#SautiYaWakimbizi rocks", "#[1] rocks"),
        ("sautiyawakimbizi2025", "[1]2025"),
        # Short acronyms: whole words only, also spelled with dots; "sywx" is another word.
        ("SYW, s.y.w. and syw's work; not sywx", "[1], [1]. and [1]'s work; not sywx"),
        # Inside URLs and e-mail addresses, subdomains included.
        ("https://www.sauti.example.org/reports/2025", "https://www.[1]/reports/2025"),
        ("mail a@rvn.example.org", "mail a@[6]"),
        ("rvn.example.organisation", "[6].example.organisation"),
        # Arabic: harakat and shadda, alef forms, attached prefixes (و, ال …).
        ("شراكة مع جمعيّة الأمَل", "شراكة مع [2]"),
        ("وأمل وبأمل", "و[2] وب[2]"),
        ("والأمل", "وال[2]"),
        ("الأملي", "الأملي"),  # another word
        # Cyrillic: case, and a two-letter acronym as a whole word only.
        ("С ГОЛОС БЕЖЕНЦЕВ и гб; гбх нет", "С [3] и [3]; гбх нет"),
        # Diacritics added or dropped, and decomposed (combining) accents.
        ("refugies unis, REFUGIÉS UNIS, Re\u0301fugie\u0301s Unis", "[4], [4], [4]"),
        # People's names as whole words; the name inside a longer one is left alone.
        ("amina yusuf; Amina Yusufzai", "[4]; Amina Yusufzai"),
        # Scripts written without spaces: anywhere.
        ("我们与希望之声合作", "我们与[5]合作"),
        # Zero-width and soft-hyphen tricks.
        ("Sauti\u200b ya Waki\u00admbizi", "[1]"),
        ("", ""),
    ],
)
def test_identifiers_are_found_in_every_spelling(text, expected):
    assert redacted(text) == expected


def test_nothing_else_is_touched():
    text = "Community radio in Kakuma, with UNHCR and the Kenya Red Cross (KRC)."
    assert redacted(text) == text
    assert Redactor([]).redact(text, lambda m: "x") == text


def test_overlapping_matches_are_joined_so_that_no_part_shows():
    redactor = Redactor(
        [Identifier(1, "name", "Kakuma Voices"), Identifier(2, "name", "Voices Hub")]
    )
    assert redactor.redact("the Kakuma Voices Hub", lambda m: "[x]") == "the [x]"


def test_canonical_form_marks_only_the_organisation():
    redactor = Redactor(IDS)
    assert redactor.canonical("SYW and Amina Yusuf") == "\u20631\u2063 and \u20634\u2063"


def test_find_reports_what_and_where():
    [match] = Redactor(IDS).find("Hello ГБ!")
    assert (match.start, match.end, match.organisation_id, match.identifier.kind) == (
        6,
        8,
        3,
        "acronym",
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("جمعية الأمل للاجئين", "جمعيه الامل للاجئين"),  # taa marbuta, hamza on alef
        ("جمعيّة الأمَل", "جمعية الأمل"),  # shadda, fatha
        ("Голос Беженцев", "ГОЛОС БЕЖЕНЦЕВ"),
        ("Ёлка", "елка"),
        ("Çağrı Dayanışma", "cagri dayanisma"),
        ("ﬁnance", "finance"),  # a ligature (NFKC)
        ("Straße", "STRASSE"),
        ("١٢٣", "123"),  # Arabic-Indic digits
    ],
)
def test_folding_is_the_same_in_every_script(one, other):
    assert fold(one) == fold(other)
    assert normalise_name(one) == normalise_name(other)


def test_websites_and_mail_domains_compare_by_host():
    assert website_domain("HTTPS://WWW.Sauti.Example.ORG/x") == "sauti.example.org"
    assert website_domain("https://xn--e1afmkfd.xn--p1ai/") == "пример.рф"
    assert site_key("https://facebook.com/SautiYW/posts") == "facebook.com/sautiyw"
    assert email_domain("A@Sauti.Example.ORG") == "sauti.example.org"
    assert email_domain("not an address") is None
