"""How public outputs name organisations and print counts: the small-group rules (DESIGN §4).

- An anonymised organisation is described by type and region ("A refugee-led organisation in
  Europe"); when fewer than `min_group` anonymised organisations of the output share that
  description, by type only ("A refugee-led organisation").
- A hidden organisation is never described: in someone's text it is "an organisation".
- A count of organisations under a filter that is above zero but below `min_group` prints
  "fewer than 3" (`PublicCount`); the whole output's total is exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext

from registry.models import Organisation, Visibility

DEFAULT_MIN_GROUP = 3


def min_group() -> int:
    """The configured threshold `DISCLOSURE_MIN_GROUP` (default 3, at least 1)."""
    return max(1, int(current_app.config.get("DISCLOSURE_MIN_GROUP", DEFAULT_MIN_GROUP)))


def _kind(organisation: Organisation) -> str:
    if organisation.is_refugee_led:
        return "refugee-led"
    return organisation.stakeholder_type.name


def described_with_region(organisation: Organisation) -> str:
    """The full description: type (or refugee-led) and region."""
    region = organisation.region.label if organisation.region else gettext("an undisclosed region")
    if organisation.is_refugee_led:
        return gettext("A refugee-led organisation in %(region)s", region=region)
    return gettext(
        "An organisation in %(region)s (%(kind)s)",
        region=region,
        kind=organisation.stakeholder_type.label,
    )


def described_by_type(organisation: Organisation) -> str:
    """The coarse description, for small groups: type (or refugee-led) only."""
    if organisation.is_refugee_led:
        return gettext("A refugee-led organisation")
    return gettext("An organisation (%(kind)s)", kind=organisation.stakeholder_type.label)


def in_text(description: str) -> str:
    """A description as it replaces a name inside a sentence: "[a refugee-led …]"."""
    return f"[{description[:1].lower()}{description[1:]}]"


class Describer:
    """The descriptions of one output's anonymised organisations, coarsened where fewer than
    `min_group` of them would share a description."""

    def __init__(self, organisations: Iterable[Organisation], threshold: int):
        self.threshold = threshold
        anonymised = {o.id: o for o in organisations if o.visibility is Visibility.anonymised}
        self._groups = Counter((_kind(o), o.region) for o in anonymised.values())
        self._members = frozenset(anonymised)

    def shows_region(self, organisation: Organisation) -> bool:
        """Whether the output may say the organisation's region."""
        if organisation.visibility is Visibility.public:
            return True
        if organisation.id not in self._members:
            return False  # not counted with the output's organisations: the coarse form
        return self._groups[(_kind(organisation), organisation.region)] >= self.threshold

    def describe(self, organisation: Organisation) -> str:
        """The organisation's description in this output."""
        if self.shows_region(organisation):
            return described_with_region(organisation)
        return described_by_type(organisation)


@dataclass(frozen=True)
class PublicCount:
    """A public figure: exact, or "fewer than k" when it counts a small group of
    organisations. Prints as it should read; `value` is for sums and sorting only."""

    value: int
    organisations: int
    threshold: int
    exact: bool = False  # the output's whole total: never coarsened

    @property
    def is_small(self) -> bool:
        """Too few organisations to print the figure."""
        return not self.exact and 0 < self.organisations < self.threshold

    def __str__(self) -> str:
        if self.is_small:
            return gettext("fewer than %(k)d", k=self.threshold)
        return str(self.value)


def public_count(value: int, organisations: int | None = None, *, exact=False) -> PublicCount:
    """A count as public outputs print it (`organisations` defaults to `value`: a count of
    organisations)."""
    return PublicCount(value, value if organisations is None else organisations, min_group(), exact)
