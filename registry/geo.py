"""Country helpers: ISO 3166-1 alpha-3 codes, names and UNHCR regional bureaux."""

from __future__ import annotations

import csv
import gettext
from functools import cache
from pathlib import Path

import pycountry

from registry.i18n import N_, LabelledEnum

_CSV_PATH = Path(__file__).resolve().parent / "data" / "country_regions.csv"


class Region(LabelledEnum):
    """UNHCR regional bureau; the value is the English label."""

    americas = N_("Americas")
    asia_pacific = N_("Asia and the Pacific")
    east_horn_great_lakes = N_("East and Horn of Africa and the Great Lakes")
    europe = N_("Europe")
    mena = N_("Middle East and North Africa")
    southern_africa = N_("Southern Africa")
    west_central_africa = N_("West and Central Africa")


@cache
def _region_map() -> dict[str, Region]:
    """Load the alpha-3 -> Region mapping from the shipped CSV (once)."""
    with _CSV_PATH.open(newline="", encoding="utf-8") as fh:
        return {row["alpha3"].upper(): Region[row["region"]] for row in csv.DictReader(fh)}


def _normalise(alpha3: str | None) -> str:
    """Return the stripped, upper-cased code (empty string for None)."""
    return (alpha3 or "").strip().upper()


def region_for(alpha3: str) -> Region | None:
    """Return the UNHCR region for an ISO alpha-3 code (case-insensitive), or None if unknown."""
    return _region_map().get(_normalise(alpha3))


def countries_in(region: Region) -> list[str]:
    """The alpha-3 codes of the countries in a UNHCR region, sorted."""
    return sorted(code for code, r in _region_map().items() if r is region)


def is_country(alpha3: str) -> bool:
    """Return True if the code is a known ISO 3166-1 alpha-3 country code (case-insensitive)."""
    return _normalise(alpha3) in _alpha3_codes()


@cache
def _alpha3_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-3 code (read once: imports check one per row)."""
    return frozenset(country.alpha_3 for country in pycountry.countries)


def country_name(alpha3: str, language: str = "en") -> str | None:
    """Return the country's display name (common name if any) in `language` (pycountry's own
    translations of ISO 3166), or None for an unknown code."""
    code = _normalise(alpha3)
    if len(code) != 3:
        return None
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return None
    name = getattr(country, "common_name", None) or country.name
    return name if language == "en" else _catalogue(language).gettext(name)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    """pycountry's translations of the ISO 3166 country names into `language`."""
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


@cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    """Build the (alpha3, name) pairs for all countries, sorted by name in `language`."""
    pairs = [(c.alpha_3, country_name(c.alpha_3, language) or c.name) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda p: (p[1].casefold(), p[0])))


def country_choices(language: str = "en") -> list[tuple[str, str]]:
    """Return (alpha3, name) pairs for every country, sorted by name, for select fields."""
    return list(_choices(language))
