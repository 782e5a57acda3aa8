"""The records an output is built from: read-only, already disclosed for their audience.

A public record holds nothing the public may not see: a display name instead of a protected
name, text already redacted (or `None` where a non-public organisation's wording awaits a
coordinator's approval), regions instead of an anonymised organisation's countries, no evidence
link of a non-public organisation. Templates print them as they are. Internal records (for
internal reports) are the same types, with everything filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from registry.models import CommitmentStatus, Region, StakeholderType, Visibility


@dataclass(frozen=True)
class PublicOrganisation:
    """An organisation as the output names it."""

    name: str  # its name (public) or its description (anonymised)
    is_named: bool
    visibility: Visibility  # public or anonymised (hidden in internal outputs only)
    stakeholder_type: StakeholderType
    is_refugee_led: bool
    id: int | None = None  # public organisations only: a non-public one is never linkable
    acronym: str | None = None
    country: str | None = None  # ISO code, public organisations only
    country_name: str | None = None
    region: Region | None = None  # None when the small-group rule coarsened the description
    website: str | None = None
    description: str | None = None  # redacted; for non-public ones only once approved
    note: str | None = None  # internal outputs: how public outputs show it

    @property
    def full_name(self) -> str:
        """The name with its acronym (a description has none)."""
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def label(self) -> str:
        """The full name and, internally, how the public sees it."""
        return f"{self.full_name} ({self.note})" if self.note else self.full_name


@dataclass(frozen=True)
class PublicPledge:
    """A pledge, its key outcomes and co-leads, and the state of its signature form."""

    id: int
    slug: str
    title: str
    summary: str
    forum: str | None
    key_outcomes: tuple[str, ...]
    co_leads: tuple[PublicOrganisation, ...]
    form_state: object  # registry.templating.WindowWords of the signature window
    signatories: int  # accepted signatories, hidden ones included (the whole total)
    key_outcome_ids: tuple[int, ...] = ()  # the ids of `key_outcomes`, in the same order


@dataclass(frozen=True)
class PublicSignatories:
    """Who signed a pledge: named, described, and how many are not listed."""

    named: tuple[PublicOrganisation, ...]
    described: tuple[PublicOrganisation, ...]
    not_listed: object  # PublicCount of hidden signatories
    total: int
    page: object = None  # registry.lists.Page of the listed ones (named, then described)


@dataclass(frozen=True)
class PublicUpdate:
    """A progress update (public outputs: verified ones only)."""

    id: int
    commitment_id: int
    window_id: int
    window_label: str
    status: CommitmentStatus
    progress_percent: int | None
    actual_value: float | None
    achievements: str | None
    challenges: str | None
    next_steps: str | None
    evidence_links: tuple[str, ...]
    links_withheld: int  # links left out to protect an organisation
    wording_withheld: bool  # the text awaits a coordinator's approval
    is_verified: bool
    sort_key: tuple = ()
    review_state: str | None = None  # internal outputs only
    review_comment: str | None = None  # internal outputs only


@dataclass(frozen=True)
class PublicCommitmentLink:
    """A commitment another one matches or supports (or is matched by), as the output names it."""

    id: int
    title: str
    organisation: str


@dataclass(frozen=True)
class PublicCommitment:
    """A commitment with what its organisation and the audience allow."""

    id: int
    pledge_id: int
    pledge_title: str
    organisation: PublicOrganisation
    title: str
    description: str | None
    key_outcome_id: int | None
    key_outcome: str | None
    key_outcome_position: int
    action_areas: tuple[str, ...]
    risks: tuple[str, ...]
    target_populations: tuple[str, ...]
    geographic_level: str | None
    countries: tuple[str, ...]  # country names: public organisations only
    regions: tuple[str, ...]  # non-public organisations: the regions of those countries
    languages: tuple[str, ...]
    start_date: date | None
    target_date: date | None
    indicator_text: str | None
    indicator_unit: str | None
    indicator_baseline: float | None
    indicator_target: float | None
    status: CommitmentStatus
    progress_percent: int | None
    co_implementers: tuple[PublicOrganisation, ...]
    co_implementers_not_listed: int  # hidden partners: counted, never named
    wording_withheld: bool
    created_at: datetime | None = None
    signature_status: str | None = None  # internal outputs only
    updates: tuple[PublicUpdate, ...] = field(default=())
    pledge_slug: str = ""
    country_codes: tuple[str, ...] = ()  # ISO codes of `countries` (public organisations only)
    updated_at: datetime | None = None
    matches: tuple[PublicCommitmentLink, ...] = ()  # the commitments this one matches
    matched_by: tuple[PublicCommitmentLink, ...] = ()  # the commitments that match this one

    @property
    def latest_update(self) -> PublicUpdate | None:
        """The latest update the output shows (public: the latest verified one)."""
        return self.updates[-1] if self.updates else None


@dataclass(frozen=True)
class PublicSignature:
    """A signature of a pledge (public outputs: accepted ones only)."""

    id: int
    pledge_id: int
    pledge_title: str
    organisation: PublicOrganisation
    statement: str | None
    wording_withheld: bool
    accepted_on: date | None
    commitments: tuple[PublicCommitment, ...] = ()
    pledge_slug: str = ""
