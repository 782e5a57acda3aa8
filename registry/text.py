"""Text as the registry compares it, in every script: folded for matching (Unicode NFKC,
casefolding, no diacritics, one form of the Arabic letters that are written several ways),
organisation names reduced for the duplicate check, websites and e-mail domains as keys.

Both the duplicate check at registration and the redaction of protected organisations in public
text (`registry.disclosure`) compare through these functions, so what counts as "the same name"
is decided in one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlsplit

# Characters dropped when folding: combining and enclosing marks (accents, Arabic harakat,
# Hebrew points), format characters (zero-width joiners, soft hyphens, bidi marks) and the
# Arabic tatweel, which only stretches a word.
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_TATWEEL = "\u0640"
# Letters written interchangeably in Arabic-script names (the usual search normalisation):
# alef wasla, alef maksura and Persian yeh as yeh, taa marbuta as heh, Persian keheh as kaf;
# and Latin letters that Unicode does not decompose into a base letter and a mark.
_LETTER_VARIANTS = str.maketrans(
    {
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ة": "ه",
        "ک": "ك",
        "ı": "i",
        "ø": "o",
        "đ": "d",
        "ł": "l",
        "ħ": "h",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
    }
)


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character folded: NFKC, casefolded, without marks; decimal digits of every script as
    ASCII digits. May be empty (a mark) or several characters (a ligature, "ß")."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char).casefold())
    out = []
    for ch in text:
        if ch == _TATWEEL or unicodedata.category(ch) in _DROPPED_CATEGORIES:
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out).translate(_LETTER_VARIANTS)


def fold(text: str | None) -> str:
    """`text` folded for comparison (see `fold_char`)."""
    text = text or ""
    if text.isascii():
        return text.lower()
    return "".join(fold_char(ch) for ch in text)


def fold_with_positions(text: str) -> tuple[str, Sequence[int]]:
    """`fold(text)` and, for each of its characters, the index in `text` it came from."""
    if text.isascii():
        return text.lower(), range(len(text))
    chars: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(text):
        folded = fold_char(ch)
        chars.append(folded)
        positions.extend([index] * len(folded))
    return "".join(chars), positions


def words(text: str | None) -> list[str]:
    """Folded words of `text`: punctuation and symbols separate words, except that dots and
    apostrophes join ("e.V." is "ev", "Women's" is "womens")."""
    if text and text.isascii():
        return text.lower().translate(_ASCII_SEPARATORS).split()
    chars = []
    for char in fold(text):
        if unicodedata.category(char)[0] in "PSZ":
            chars.append("" if char in ".'’" else " ")
        else:
            chars.append(char)
    return "".join(chars).split()


# What `words` does to ASCII characters, as one table: those of Unicode categories P, S and Z
# separate words, except the dot and the apostrophe, which are dropped.
_ASCII_SEPARATORS = str.maketrans(
    {
        chr(code): ("" if chr(code) in ".'" else " ")
        for code in range(128)
        if unicodedata.category(chr(code))[0] in "PSZ"
    }
)


# Words that say what kind of body an organisation is rather than which one it is, so that
# "The Refugee Voices Association" and "Refugee Voices" compare equal. Kept short on purpose:
# every word added here makes two different organisations look more alike.
FILLER_WORDS = frozenset(
    {
        "the",
        "association",
        "organisation",
        "organization",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "plc",
        "gmbh",
        "ev",  # e.V. (eingetragener Verein)
        "asbl",
        "ngo",
    }
)


@lru_cache(maxsize=2**16)
def normalise_name(name: str | None) -> str:
    """A name reduced for comparison: folded, without punctuation, filler words (the,
    association, ltd, inc, e.V. …) and extra spaces. A name made only of filler words ("The
    Association") is kept as it is."""
    all_words = words(name)
    return " ".join([w for w in all_words if w not in FILLER_WORDS] or all_words)


# Sites where many organisations have a page: the host alone says nothing about which one,
# so these compare by host and first path segment ("facebook.com/refugeevoices").
SHARED_HOSTS = frozenset(
    {
        "facebook.com",
        "m.facebook.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "youtube.com",
        "tiktok.com",
        "t.me",
        "linktr.ee",
        "medium.com",
        "sites.google.com",
        "github.com",
    }
)

# Mail providers where anyone has an address: their domain identifies no organisation.
SHARED_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.fr",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "mail.ru",
        "yandex.ru",
        "ukr.net",
        "qq.com",
        "163.com",
    }
)


def _unicode_host(host: str) -> str:
    """A host with its punycode labels ("xn--…") decoded, so both spellings compare equal."""
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(label)
    return fold(".".join(labels))


#: A web address whose host is plain ASCII letters, digits, dots and hyphens, ending there.
_PLAIN_HOST = re.compile(r"https?://([a-z0-9.-]+)(?:[/?#]|\Z)", re.IGNORECASE)


@lru_cache(maxsize=2**16)
def website_domain(url: str | None) -> str | None:
    """The host of a web address, folded, without "www."; None when there is none."""
    url = (url or "").strip()
    if not url:
        return None
    quick = _PLAIN_HOST.match(url)
    if quick and "xn--" not in (host := quick.group(1).lower()):
        # An ASCII host without port, user or punycode (most addresses): what the long way
        # below makes of it, without urlsplit (the import checks every row's address).
        return host.rstrip(".").removeprefix("www.") or None
    if "//" not in url:
        url = "//" + url  # "example.org/about" is a host and a path, not a path
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = _unicode_host(host.rstrip("."))
    return host.removeprefix("www.") or None


def site_key(url: str | None) -> str | None:
    """What identifies an organisation's website: its domain, plus the page on shared sites."""
    domain = website_domain(url)
    if domain in SHARED_HOSTS:
        url = (url or "").strip()
        path = urlsplit(url if "//" in url else "//" + url).path
        segment = next((part for part in fold(path).split("/") if part), None)
        return f"{domain}/{segment}" if segment else None
    return domain


@lru_cache(maxsize=2**17)
def email_domain(address: str | None) -> str | None:
    """The folded domain of an e-mail address, or None (remembered: the public view reads
    every address of the registry for every page)."""
    _, at, domain = (address or "").strip().rpartition("@")
    if not at or not domain:
        return None
    return _unicode_host(domain.rstrip(".")) or None
