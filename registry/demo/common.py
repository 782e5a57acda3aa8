"""Helpers shared by the small demo and the scale loader."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import datetime, timedelta

import click
from sqlalchemy import select

from registry.demo.content import (
    BRAND_HEADS,
    BRAND_TAILS,
    COMMUNITIES,
    COUNTRY_LANGUAGES,
    FOCUS_COUNTRIES,
    FORMS,
    PRODUCTS,
    SEED,
    ST,
    STEMS,
)
from registry.extensions import db
from registry.geo import country_name, region_for
from registry.models import (
    CommitmentStatus,
    GeographicLevel,
    Pledge,
    StakeholderType,
    SubmissionWindow,
    VocabularyKind,
    VocabularyTerm,
    WindowKind,
)
from registry.seed import DIGITAL_PROTECTION, seed_all


def neighbours(country: str) -> list[str]:
    """The other focus countries in the same UNHCR region."""
    region = region_for(country)
    return [c for c in FOCUS_COUNTRIES if c != country and region_for(c) is region]


def rng_for(key: str, seed: int = SEED) -> random.Random:
    """A generator of its own per record, so a record's data never depends on what exists."""
    # nosec B311: demo data, the same on every run on purpose; nothing secret.
    return random.Random(f"{seed}:{key}")  # nosec B311


def slug(text: str) -> str:
    """`text` as a lower-case ASCII slug with hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def domain_for(name: str, acronym: str | None) -> str:
    """An invented example.org domain for an organisation."""
    return f"{slug(acronym or name)[:30]}.example.org"


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between `start` and `end`, to the minute."""
    span = max(int((end - start).total_seconds() // 60), 1)
    return start + timedelta(minutes=rng.randrange(span))


def place_for(level: GeographicLevel, countries: list[str], home: str) -> str:
    """Where a commitment is carried out, in words: a country, a region or several regions."""
    if level is GeographicLevel.global_:
        return "several regions"
    if level is GeographicLevel.regional:
        region = region_for(countries[0]) if countries else region_for(home)
        return region.value if region else "the region"
    return country_name(countries[0]) or countries[0]


def languages_for(countries: list[str], home: str) -> list[str]:
    """The community languages of the first known country, else English, French and Arabic."""
    for code in [*countries, home]:
        if code in COUNTRY_LANGUAGES:
            return list(COUNTRY_LANGUAGES[code])
    return ["en", "fr", "ar"]


def fill(text: str, **values: str) -> str:
    """`text` with its `{placeholders}` filled in."""
    return text.format(**values)


def percent_for(rng: random.Random, status: CommitmentStatus, cycle: int) -> int:
    """A progress percentage that fits the reported status and the reporting cycle."""
    if status is CommitmentStatus.planning:
        return rng.randint(0, 10)
    if status is CommitmentStatus.fulfilled:
        return 100
    if status is CommitmentStatus.discontinued:
        return rng.randint(5, 60)
    low = 15 + 25 * cycle
    return rng.randint(low, min(low + 45, 95))


def reported_status(rng: random.Random, cycle: int) -> CommitmentStatus:
    """What an update says about its commitment; later cycles are further along."""
    weights = [[25, 70, 3, 2], [8, 62, 25, 5], [3, 52, 40, 5]][min(cycle, 2)]
    return rng.choices(list(CommitmentStatus), weights)[0]


def ensure_windows(pledge: Pledge, specs, today: datetime) -> list[SubmissionWindow]:
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


def demo_pledge() -> Pledge:
    """The seeded Digital Protection pledge (created on an empty registry)."""
    seed_all()
    pledge = db.session.scalar(select(Pledge).where(Pledge.slug == DIGITAL_PROTECTION["slug"]))
    if pledge is None:
        raise click.ClickException(
            f"the pledge {DIGITAL_PROTECTION['slug']!r} is missing; demo data needs it"
        )
    return pledge


def vocabulary_terms() -> dict[VocabularyKind, dict[str, VocabularyTerm]]:
    """All vocabulary terms, by kind and code."""
    terms: dict[VocabularyKind, dict[str, VocabularyTerm]] = {kind: {} for kind in VocabularyKind}
    for term in db.session.scalars(select(VocabularyTerm)):
        terms[term.kind][term.code] = term
    return terms


def scale_org_name(rng: random.Random, kind: StakeholderType, country: str) -> str:
    """An invented but plausible name for a benchmark organisation of type `kind`."""
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
