"""`View`: the registry as one output's audience sees it. Every public output builds one and
turns the rows it shows into records through it; nothing else decides what is disclosed.

A view is made for one output (a page, a report, a batch of e-mails): it loads the protected
organisations' identifiers and the approvals once, and describes anonymised organisations by
the small-group rule over the organisations of that output, which the output names first
(`include`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cached_property

from flask_babel import gettext
from sqlalchemy.orm import selectinload

from registry.geo import country_name, region_for
from registry.i18n import current_language
from registry.models import (
    Commitment,
    Organisation,
    ProgressUpdate,
    ReviewState,
    Signature,
    SignatureStatus,
    Visibility,
)

from .identifiers import ProtectedOrganisation, protected_now
from .naming import Describer, PublicCount, in_text, min_group
from .records import (
    PublicCommitment,
    PublicCommitmentLink,
    PublicOrganisation,
    PublicSignature,
    PublicUpdate,
)
from .redaction import Match, Redactor
from .wording import FIELDS, WordingState, all_approvals, entity_type, wording_state

PUBLIC, INTERNAL = "public", "internal"

#: What `View.commitment` reads of a commitment: load it up front (with `.options(...)`) for a
#: fixed number of statements, whatever the number of commitments.
COMMITMENT_LOADS = (
    selectinload(Commitment.signature).selectinload(Signature.organisation),
    selectinload(Commitment.signature).selectinload(Signature.pledge),
    selectinload(Commitment.key_outcome),
    selectinload(Commitment.action_areas),
    selectinload(Commitment.risks),
    selectinload(Commitment.target_populations),
    selectinload(Commitment.co_implementers),
    selectinload(Commitment.listed_co_implementers),
    selectinload(Commitment.country_links),
    selectinload(Commitment.matches)
    .selectinload(Commitment.signature)
    .options(selectinload(Signature.organisation), selectinload(Signature.pledge)),
    selectinload(Commitment.matched_by)
    .selectinload(Commitment.signature)
    .options(selectinload(Signature.organisation), selectinload(Signature.pledge)),
)


#: Compiled redactors by the digest of their identifiers (see `View.full_redactor`).
_REDACTORS: dict[str, Redactor] = {}


def link_withheld() -> str:
    """What a public output prints instead of a withheld evidence link."""
    return gettext("link withheld to protect the organisation")


class View:
    """What one output may show, and how it names organisations."""

    def __init__(
        self,
        audience: str = PUBLIC,
        *,
        viewer: Organisation | None = None,
        preview: bool = False,
        only: Organisation | None = None,
        own: Organisation | None = None,
    ):
        if audience not in (PUBLIC, INTERNAL):
            raise ValueError(f"unknown audience {audience!r}")
        self.audience = audience
        self.public = audience == PUBLIC
        # E-mails to an organisation's people: its own identifiers are not hidden from it.
        self.viewer_id = viewer.id if viewer is not None else None
        # An organisation's own report: its own data as it entered it (named, its words, every
        # update it sent, its links); every other organisation as the public sees it.
        self.own_id = own.id if own is not None else None
        if own is not None:
            self.viewer_id = own.id
        # A public preview shows a signature as it will read once accepted.
        self.preview = preview
        # An organisation's own preview hides only its own identifiers: showing it where
        # another organisation's name would be replaced would reveal that one is protected.
        self.only_id = only.id if only is not None else None
        self.threshold = min_group()
        self._population: dict[int, Organisation] = {}
        self._describer: Describer | None = None

    def seen_by(self, organisation: Organisation | None) -> View:
        """The same view for e-mails to `organisation`'s people: its own identifiers are not
        hidden from them (the protected organisations are loaded once for a batch)."""
        other = View(self.audience, viewer=organisation)
        if "_protected" in self.__dict__:
            other.__dict__["_protected"] = self.__dict__["_protected"]
        return other

    # -- what is protected --------------------------------------------------------------------

    @cached_property
    def _protected(self):
        return protected_now()

    @property
    def identifiers(self) -> list:
        """Every identifier of every non-public organisation."""
        return self._protected.identifiers

    @property
    def protected(self) -> dict[int, ProtectedOrganisation]:
        """The non-public organisations by id."""
        return self._protected.organisations

    @property
    def state_key(self) -> tuple | None:
        """The state of every table the view's names and identifiers come from, while the
        view reads a kept load (`identifiers.protected_now`); None when it reads its own
        session's changes. What is computed from the view's names may be kept under it."""
        return self._protected.key

    @property
    def _identifiers_digest(self) -> str:
        return self._protected.digest

    @cached_property
    def full_redactor(self) -> Redactor:
        """Every identifier: what approvals are digested with. Compiling it is the dearest
        step of a view, so the redactor of the same identifiers (read afresh for every view)
        is reused: equal identifiers give an equal, read-only redactor."""
        key = self._identifiers_digest
        found = _REDACTORS.get(key)
        if found is None:
            found = Redactor(self.identifiers)
            if len(_REDACTORS) >= 4:
                _REDACTORS.clear()
            _REDACTORS[key] = found
        return found

    @cached_property
    def redactor(self) -> Redactor:
        """The identifiers this output hides (all but the viewer's own)."""
        if self.only_id is not None:
            return Redactor(i for i in self.identifiers if i.organisation_id == self.only_id)
        # An organisation's own report hides every other protected organisation, as the public
        # sees them (a public partner's name, a coordinator's comment may hold one); only its
        # own identifiers are its own to read.
        own = self.own_id if self.own_id is not None else self.viewer_id
        if own is None:
            return self.full_redactor
        return Redactor(i for i in self.identifiers if i.organisation_id != own)

    @cached_property
    def approvals(self) -> dict:
        return all_approvals()

    def state_digest(self) -> str:
        """A digest of what decides disclosure (identifiers, approvals, the threshold), for
        the data fingerprint of a stored report."""
        approvals = sorted(f"{kind}:{id_}:{a.digest}" for (kind, id_), a in self.approvals.items())
        payload = "\n".join([self._identifiers_digest, str(self.threshold), *approvals])
        return hashlib.sha256(payload.encode()).hexdigest()

    # -- naming -------------------------------------------------------------------------------

    def include(self, organisations: Iterable[Organisation | None], texts: Iterable = ()) -> None:
        """Count these organisations, and those named in `texts`, among the output's for the
        small-group rule. Call it for all of them before building records."""
        for organisation in organisations:
            if organisation is not None:
                self._population[organisation.id] = organisation
        if self.public:
            for text in texts:
                for match in self.redactor.find(text if isinstance(text, str) else None):
                    found = self.protected.get(match.organisation_id)
                    if found is not None:
                        self._population[found.id] = found
        self._describer = None

    def included(self) -> frozenset[int]:
        """The ids of the organisations counted for the small-group rule so far."""
        return frozenset(self._population)

    @property
    def is_plain_public(self) -> bool:
        """The public's own view (no organisation's own output or preview): what it builds
        is the same for every anonymous reader."""
        return (
            self.public
            and not self.preview
            and self.viewer_id is None
            and self.only_id is None
            and self.own_id is None
        )

    @property
    def describer(self) -> Describer:
        if self._describer is None:
            self._describer = Describer(self._population.values(), self.threshold)
        return self._describer

    def is_own(self, organisation: Organisation | None) -> bool:
        """Whether this is the organisation whose own report the output is."""
        return organisation is not None and organisation.id == self.own_id

    def _open_about(self, organisation: Organisation) -> bool:
        """Whether the output shows everything about the organisation: internal outputs, a
        public organisation, or the organisation's own report."""
        return (
            not self.public
            or organisation.visibility is Visibility.public
            or self.is_own(organisation)
        )

    def is_named(self, organisation: Organisation) -> bool:
        """Whether the output names the organisation (else describes it, or leaves it out)."""
        return self._open_about(organisation)

    def name(self, organisation: Organisation) -> str | None:
        """How the output names the organisation; None for a hidden one in public. Even a
        public organisation's name is text: one that contains a protected organisation's name
        ("Friends of …") has it replaced."""
        if not self.public or self.is_own(organisation):
            return organisation.name
        if organisation.visibility is Visibility.public:
            return self.text(organisation.name)
        if organisation.visibility is Visibility.hidden:
            return None
        return self.describer.describe(organisation)

    def _note(self, organisation: Organisation) -> str | None:
        shown_how = not self.public or self.is_own(organisation)
        if not shown_how or organisation.visibility is Visibility.public:
            return None
        if organisation.visibility is Visibility.anonymised:
            return gettext("anonymised in public reports")
        return gettext("hidden in public reports")

    def organisation(self, organisation: Organisation | None) -> PublicOrganisation | None:
        """The organisation as a record; None for a hidden one in public."""
        if organisation is None or (name := self.name(organisation)) is None:
            return None
        named = self.is_named(organisation)
        description = self.wording(organisation, organisation)
        return PublicOrganisation(
            name=name,
            is_named=named,
            visibility=organisation.visibility,
            stakeholder_type=organisation.stakeholder_type,
            is_refugee_led=organisation.is_refugee_led,
            id=organisation.id if named else None,
            acronym=self.text(organisation.acronym) if named else None,
            country=organisation.country if named else None,
            country_name=country_name(organisation.country or "", current_language())
            if named
            else None,
            region=organisation.region
            if named or self.describer.shows_region(organisation)
            else None,
            website=organisation.website if named else None,
            description=description["description"] if description else None,
            note=self._note(organisation),
        )

    def count(self, value: int, organisations: int | None = None, *, exact=False) -> PublicCount:
        """A figure as the audience reads it (internal outputs: always exact)."""
        organisations = value if organisations is None else organisations
        return PublicCount(value, organisations, self.threshold, exact or not self.public)

    # -- text ---------------------------------------------------------------------------------

    def _replacement(self, match: Match) -> str:
        organisation = self.protected.get(match.organisation_id)
        if organisation is None or organisation.visibility is Visibility.hidden:
            return in_text(gettext("An organisation"))
        return in_text(self.describer.describe(organisation))

    def text(self, value: str | None) -> str | None:
        """Free text as the output prints it: every protected organisation's identifiers (but
        the viewer's) replaced by its description."""
        if not self.public or not value:
            return value
        return self.redactor.redact(value, self._replacement)

    def wording_state(self, obj) -> WordingState:
        """Whether a coordinator approved the record's public wording as it reads now."""
        approval = self.approvals.get((entity_type(obj), obj.id))
        return wording_state(obj, approval, self.full_redactor)

    def wording(self, obj, owner: Organisation) -> dict | None:
        """The record's free-text fields as the output prints them, or None while a
        non-public owner's wording awaits approval (public outputs then show structured
        fields only)."""
        gated = not self._open_about(owner)
        if gated and not self.wording_state(obj).approved:
            return None
        values = {}
        for name in FIELDS[entity_type(obj)]:
            value = getattr(obj, name)
            if isinstance(value, list):
                values[name] = tuple(self.text(v) for v in value)
            else:
                values[name] = self.text(value)
        return values

    def links(self, owner: Organisation, links: list[str] | None) -> tuple[tuple[str, ...], int]:
        """(links shown, how many withheld): a non-public organisation's are all withheld, and
        any link that names a protected organisation."""
        links = list(links or [])
        if not self.public or self.is_own(owner):
            return tuple(links), 0
        if owner.visibility is not Visibility.public:
            return (), len(links)
        shown = tuple(link for link in links if not self.redactor.find(link))
        return shown, len(links) - len(shown)

    # -- records ------------------------------------------------------------------------------

    def update(self, update: ProgressUpdate, owner: Organisation) -> PublicUpdate | None:
        """A progress update; public outputs show only verified ones."""
        verified = update.review_state is ReviewState.verified
        own = self.is_own(owner)
        if self.public and not verified and not own:
            return None  # a preview too: the public sees verified progress only
        texts = self.wording(update, owner)
        links, withheld = self.links(owner, update.evidence_links)
        window = update.window
        return PublicUpdate(
            id=update.id,
            commitment_id=update.commitment_id,
            window_id=update.window_id,
            window_label=window.label,
            status=update.status,
            progress_percent=update.progress_percent,
            actual_value=update.actual_value,
            achievements=texts["achievements"] if texts else None,
            challenges=texts["challenges"] if texts else None,
            next_steps=texts["next_steps"] if texts else None,
            evidence_links=links,
            links_withheld=withheld,
            wording_withheld=texts is None,
            is_verified=verified,
            sort_key=(window.opens_at or window.created_at, window.id),
            review_state=None if self.public and not own else update.review_state.label,
            review_comment=None if self.public and not own else self.text(update.review_comment),
        )

    def _geography(self, commitment: Commitment, owner: Organisation):
        codes = list(commitment.countries)
        if self._open_about(owner):
            names = (country_name(code, current_language()) or code for code in codes)
            return tuple(names), (), tuple(codes)
        regions = {region_for(code) for code in codes} - {None}
        return (), tuple(sorted(r.label for r in regions)), ()

    def _partners(self, commitment: Commitment) -> tuple[tuple[PublicOrganisation, ...], int]:
        # A partner that declined its part is no co-implementer: neither listed nor counted.
        partners = [self.organisation(o) for o in commitment.listed_co_implementers]
        listed = tuple(p for p in partners if p is not None)
        return listed, len(partners) - len(listed)

    def _links(self, commitments) -> tuple[PublicCommitmentLink, ...]:
        """Matching commitments as the output may show them: only those it would show
        itself, titled by their public wording (else by number), their owner by display name."""
        links = []
        for other in commitments:
            owner = other.signature.organisation
            if not self._shows(other.signature) or (name := self.name(owner)) is None:
                continue
            texts = self.wording(other, owner)
            title = (texts or {}).get("title") or gettext("Commitment #%(id)s", id=other.id)
            links.append(PublicCommitmentLink(id=other.id, title=title, organisation=name))
        return tuple(links)

    def commitment(self, commitment: Commitment, updates=()) -> PublicCommitment | None:
        """A commitment (with its `updates` the output shows); public outputs show only those
        of accepted signatures of organisations that are not hidden."""
        signature = commitment.signature
        owner = signature.organisation
        if not self._shows(signature):
            return None
        texts = self.wording(commitment, owner)
        areas = tuple(t.label for t in commitment.action_areas)
        title = (texts or {}).get("title") or (
            gettext("A commitment on %(areas)s", areas=", ".join(areas).lower())
            if areas
            else gettext("A commitment")
        )
        countries, regions, codes = self._geography(commitment, owner)
        partners, hidden_partners = self._partners(commitment)
        outcome = commitment.key_outcome
        shown = [u for u in (self.update(u, owner) for u in updates) if u is not None]
        return PublicCommitment(
            id=commitment.id,
            pledge_id=signature.pledge_id,
            pledge_title=signature.pledge.title,
            organisation=self.organisation(owner),
            title=title,
            description=(texts or {}).get("description"),
            key_outcome_id=commitment.key_outcome_id,
            key_outcome=outcome.title if outcome else None,
            key_outcome_position=outcome.position if outcome else 0,
            action_areas=areas,
            risks=tuple(t.label for t in commitment.risks),
            target_populations=tuple(t.label for t in commitment.target_populations),
            geographic_level=commitment.geographic_level.label
            if commitment.geographic_level
            else None,
            countries=countries,
            regions=regions,
            languages=(texts or {}).get("languages") or (),
            start_date=commitment.start_date,
            target_date=commitment.target_date,
            indicator_text=(texts or {}).get("indicator_text"),
            indicator_unit=(texts or {}).get("indicator_unit"),
            indicator_baseline=commitment.indicator_baseline,
            indicator_target=commitment.indicator_target,
            status=commitment.status,
            progress_percent=commitment.progress_percent,
            co_implementers=partners,
            co_implementers_not_listed=hidden_partners,
            wording_withheld=texts is None,
            created_at=commitment.created_at,
            signature_status=None
            if self.public and not self.is_own(owner)
            else signature.status.label,
            updates=tuple(sorted(shown, key=lambda u: u.sort_key)),
            pledge_slug=signature.pledge.slug,
            country_codes=codes,
            updated_at=commitment.updated_at,
            matches=self._links(commitment.matches),
            matched_by=self._links(commitment.matched_by),
        )

    def _shows(self, signature: Signature) -> bool:
        """Public outputs show accepted signatures of organisations that are not hidden."""
        if self.is_own(signature.organisation):
            return signature.status is not SignatureStatus.withdrawn
        return not self.public or (
            signature.organisation.visibility is not Visibility.hidden
            and (self.preview or signature.status is SignatureStatus.accepted)
        )

    def signature(self, signature: Signature, commitments=()) -> PublicSignature | None:
        """A signature; public outputs show only accepted ones of organisations not hidden."""
        owner = signature.organisation
        if not self._shows(signature):
            return None
        texts = self.wording(signature, owner)
        return PublicSignature(
            id=signature.id,
            pledge_id=signature.pledge_id,
            pledge_title=signature.pledge.title,
            organisation=self.organisation(owner),
            statement=texts["statement"] if texts else None,
            wording_withheld=texts is None,
            accepted_on=signature.decided_at.date()
            if signature.decided_at and signature.status is SignatureStatus.accepted
            else None,
            commitments=tuple(c for c in commitments if c is not None),
            pledge_slug=signature.pledge.slug,
        )

    # -- what coordinators see before approving -------------------------------------------------

    def marked(self, value: str | None) -> list[tuple[str, str | None]]:
        """`value` cut into (part, None) and (identifier, whose) for a page that marks every
        identifier of a protected organisation (staff pages only: it names them)."""
        if not value:
            return []
        parts, last = [], 0
        for match in self.full_redactor.find(value):
            organisation = self.protected.get(match.organisation_id)
            who = (
                f"{organisation.name} ({match.identifier.kind})"
                if organisation
                else match.identifier.kind
            )
            parts += [(value[last : match.start], None), (value[match.start : match.end], who)]
            last = match.end
        parts.append((value[last:], None))
        return [(text, who) for text, who in parts if text]
