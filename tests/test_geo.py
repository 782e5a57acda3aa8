"""Tests for registry.geo country/region helpers."""

import csv

import pycountry
import pytest

from registry import geo
from registry.geo import Region


def _csv_rows():
    with geo._CSV_PATH.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_pycountry_country_has_region():
    missing = [c.alpha_3 for c in pycountry.countries if geo.region_for(c.alpha_3) is None]
    assert missing == []


def test_csv_rows_are_real_unique_and_valid():
    rows = _csv_rows()
    codes = [r["alpha3"] for r in rows]
    assert len(codes) == len(set(codes))
    assert len(rows) == len(pycountry.countries)
    assert codes == sorted(codes)
    for row in rows:
        assert pycountry.countries.get(alpha_3=row["alpha3"]) is not None, row
        assert row["region"] in Region.__members__, row


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("KEN", Region.east_horn_great_lakes),
        ("SYR", Region.mena),
        ("COL", Region.americas),
        ("DEU", Region.europe),
        ("AFG", Region.asia_pacific),
        ("ZAF", Region.southern_africa),
        ("NGA", Region.west_central_africa),
        ("COD", Region.southern_africa),
        ("TUR", Region.europe),
        ("TCD", Region.west_central_africa),
        ("MRT", Region.mena),
        ("KAZ", Region.asia_pacific),
        ("ARM", Region.europe),
    ],
)
def test_spot_checks(code, region):
    assert geo.region_for(code) is region


def test_unknown_code_returns_none():
    assert geo.region_for("XXX") is None
    assert geo.region_for("") is None
    assert geo.country_name("XXX") is None
    assert not geo.is_country("XXX")


def test_lowercase_input():
    assert geo.region_for("ken") is Region.east_horn_great_lakes
    assert geo.region_for(" syr ") is Region.mena
    assert geo.is_country("deu")
    assert geo.country_name("deu") == "Germany"


def test_region_labels():
    assert Region.asia_pacific.value == "Asia and the Pacific"
    assert Region.asia_pacific.label == "Asia and the Pacific"
    assert len(Region) == 7


def test_country_name_prefers_common_name():
    assert geo.country_name("TWN") == "Taiwan"
    assert geo.country_name("FRA") == "France"


def test_country_choices_sorted_and_complete():
    choices = geo.country_choices()
    assert len(choices) == len(pycountry.countries)
    names = [name.casefold() for _, name in choices]
    assert names == sorted(names)
    assert ("DEU", "Germany") in choices
