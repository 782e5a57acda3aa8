"""The small, realistic demo: loaded through the ORM and operations, so it is audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from registry.accounts import operations as account_operations
from registry.demo.common import (
    between,
    demo_pledge,
    domain_for,
    ensure_windows,
    fill,
    languages_for,
    neighbours,
    percent_for,
    place_for,
    reported_status,
    rng_for,
    slug,
    vocabulary_terms,
)
from registry.demo.content import (
    COMMITMENTS_PER_STATUS,
    COORDINATOR,
    DESCRIPTIONS,
    DIAL_CODES,
    FOCUS_COUNTRIES,
    LANGUAGE_NAMES,
    ORGANISATIONS,
    PEOPLE,
    ROLES,
    STAKEHOLDER,
    STAKEHOLDER_ORG_REF,
    STATEMENTS,
    STATUS_CYCLE,
    utc,
)
from registry.demo.content_commitments import (
    CHALLENGES,
    CLOSED_WINDOW_STATES,
    DEMO_WINDOWS,
    GLOBAL_TYPES,
    IDP_COUNTRIES,
    NEXT_STEPS,
    OPEN_WINDOW_STATES,
    RETURN_COMMENTS,
    THEMES,
    THEMES_BY_TYPE,
    Theme,
)
from registry.demo.engagements import load_engagements
from registry.extensions import db
from registry.geo import country_name, region_for
from registry.models import (
    Commitment,
    CommitmentCountry,
    CommitmentStatus,
    Contact,
    GeographicLevel,
    Organisation,
    ProgressUpdate,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    User,
    VocabularyKind,
)
from registry.organisations import operations as organisation_operations


@dataclass
class DemoLoader:
    """Loads the demo registry record by record, skipping what already exists."""

    now: datetime
    password: str
    created: Counter = field(default_factory=Counter)

    def run(self) -> Counter:
        """Create everything missing; returns counts of what was created."""
        self.today = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.pledge = demo_pledge()
        self.terms = vocabulary_terms()
        known = {w.id for w in self.pledge.windows}
        self.windows = ensure_windows(self.pledge, DEMO_WINDOWS, self.today)
        self.created["progress windows"] += len({w.id for w in self.windows} - known)
        self.outcomes = list(self.pledge.key_outcomes)
        self.organisations = self._organisations()
        self.coordinator = self._user(Role.coordinator, COORDINATOR, None)
        self.stakeholder = self._user(
            Role.stakeholder, STAKEHOLDER, self.organisations[STAKEHOLDER_ORG_REF]
        )
        self._signatures_and_commitments()
        load_engagements(
            self.organisations.values(), self.terms, self.coordinator, self.now, self.created
        )
        return self.created

    # Organisations and contacts -------------------------------------------------------------

    def _organisations(self) -> dict[str, Organisation]:
        existing = {
            o.external_ref: o
            for o in db.session.scalars(
                select(Organisation).where(Organisation.external_ref.like("demo-org-%"))
            )
        }
        result = {}
        for n, (name, acronym, kind, country, refugee_led, visibility) in enumerate(
            ORGANISATIONS, start=1
        ):
            ref = f"demo-org-{n:04d}"
            org = existing.get(ref)
            if org is None:
                region = region_for(country)
                domain = domain_for(name, acronym)
                org = organisation_operations.create_organisation(
                    name=name,
                    acronym=acronym,
                    stakeholder_type=kind,
                    country=country,
                    visibility=visibility,
                    is_refugee_led=refugee_led,
                    website=f"https://www.{domain}",
                    description=fill(
                        DESCRIPTIONS[kind],
                        country=country_name(country) or country,
                        region=region.value if region else "the region",
                    ),
                    external_ref=ref,
                )
                org.contacts = self._contacts(ref, country, domain)
                self.created["organisations"] += 1
                self.created["contacts"] += len(org.contacts)
            result[ref] = org
        db.session.flush()
        return result

    def _contacts(self, ref: str, country: str, domain: str) -> list[Contact]:
        rng = rng_for(ref + ":contacts")
        contacts = []
        for name, role in zip(
            rng.sample(PEOPLE, rng.randint(1, 2)), rng.sample(ROLES, 2), strict=False
        ):
            dial = DIAL_CODES.get(country)
            contacts.append(
                Contact(
                    name=name,
                    role=role,
                    email=f"{slug(name).replace('-', '.')}@{domain}",
                    phone=f"+{dial} {rng.randint(200, 799)} {rng.randint(100000, 999999)}"
                    if dial and rng.random() < 0.8
                    else None,
                )
            )
        return contacts

    def _user(self, role: Role, spec: dict, organisation: Organisation | None) -> User:
        user = account_operations.find_user_by_email(spec["email"])
        if user is None:
            user = account_operations.create_user(
                spec["email"], spec["name"], self.password, role, organisation
            )
            self.created["users"] += 1
        return user

    # Signatures, commitments, progress --------------------------------------------------------

    def _signatures_and_commitments(self) -> None:
        signatures = {
            s.organisation_id: s
            for s in db.session.scalars(
                select(Signature).where(Signature.pledge_id == self.pledge.id)
            )
        }
        commitment_refs = set(
            db.session.scalars(
                select(Commitment.external_ref).where(Commitment.external_ref.like("demo-c-%"))
            )
        )
        number = 0
        for n, (ref, org) in enumerate(self.organisations.items()):
            status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
            signature = signatures.get(org.id)
            if signature is None:
                signature = self._signature(org, status, rng_for(ref + ":signature"))
            rng = rng_for(ref + ":commitments")
            themes = THEMES_BY_TYPE[org.stakeholder_type]
            for theme in rng.sample(themes, rng.randint(*COMMITMENTS_PER_STATUS[status])):
                number += 1
                c_ref = f"demo-c-{number:06d}"
                if c_ref not in commitment_refs:
                    self._commitment(signature, org, THEMES[theme], c_ref)
        db.session.flush()

    def _signature(self, org: Organisation, status: SignatureStatus, rng) -> Signature:
        contact = org.contacts[0] if org.contacts else None
        signature = Signature(
            pledge=self.pledge,
            organisation=org,
            signed_by_name=contact.name if contact else None,
            signed_by_title=contact.role if contact else None,
            statement=rng.choice(STATEMENTS),
        )
        db.session.add(signature)
        by = self.stakeholder if org is self.stakeholder.organisation else None
        submitted_at = between(rng, utc(2023, 12, 13), utc(2025, 6, 30))
        decided_at = submitted_at + timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 8))
        if status is not SignatureStatus.draft:
            signature.submit(by, submitted_at)
        if status is SignatureStatus.accepted:
            signature.accept(self.coordinator, decided_at)
        elif status is SignatureStatus.rejected:
            signature.reject(
                self.coordinator,
                decided_at,
                "The commitments described are about connectivity rather than protection from "
                "online harm; the Connectivity for Refugees pledge is a better fit.",
            )
        elif status is SignatureStatus.changes_requested:
            signature.request_changes(
                self.coordinator,
                decided_at,
                "Please add at least one measurable indicator with a baseline and a target.",
            )
        elif status is SignatureStatus.withdrawn:
            signature.withdraw()
        self.created["signatures"] += 1
        return signature

    def _commitment(self, signature, org, theme: Theme, ref: str) -> None:
        rng = rng_for(ref)
        countries, level = self._reach(rng, org)
        languages = languages_for(countries, org.country)
        values = {
            "place": place_for(level, countries, org.country),
            "language": LANGUAGE_NAMES[languages[0]],
        }
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 540))
        others = ["asylum_seekers", "host_communities", "stateless", "returnees"]
        populations = ["refugees", *rng.sample(others, rng.randint(0, 2))]
        if countries and countries[0] in IDP_COUNTRIES:
            populations.append("idps")
        areas = list(theme.action_areas[: rng.randint(1, len(theme.action_areas))])
        risks = rng.sample(theme.risks, rng.randint(1, len(theme.risks)))
        commitment = Commitment(
            signature=signature,
            title=fill(theme.title, **values),
            description=fill(theme.description, **values),
            key_outcome=self.outcomes[theme.outcome] if self.outcomes else None,
            geographic_level=level,
            languages=languages,
            start_date=start,
            target_date=start + timedelta(days=rng.choice([365, 540, 730, 1095])),
            indicator_text=theme.indicator,
            indicator_unit=theme.unit,
            indicator_baseline=float(rng.randint(*theme.baseline)),
            indicator_target=float(rng.randint(*theme.target)),
            action_areas=[self.terms[VocabularyKind.action_area][c] for c in areas],
            risks=[self.terms[VocabularyKind.risk][c] for c in risks],
            target_populations=[
                self.terms[VocabularyKind.target_population][c] for c in dict.fromkeys(populations)
            ],
            external_ref=ref,
            # Pledged with the signature (the demo's story starts in 2023, not today).
            pledged_at=signature.submitted_at or self.now,
        )
        commitment.country_links = [CommitmentCountry(country=c) for c in countries]
        if rng.random() < 0.15:
            partner = self.organisations[rng.choice(list(self.organisations))]
            if partner is not signature.organisation:
                commitment.co_implementers = [partner]
        db.session.add(commitment)
        self.created["commitments"] += 1
        if signature.status is SignatureStatus.accepted:
            self._progress(commitment, theme, values, rng)

    def _reach(self, rng, org) -> tuple[list[str], GeographicLevel]:
        weights = [3, 3, 3, 1] if org.stakeholder_type in GLOBAL_TYPES else [0, 1, 5, 4]
        level = rng.choices(
            [GeographicLevel.global_, GeographicLevel.regional, GeographicLevel.national,
             GeographicLevel.local], weights,
        )[0]  # fmt: skip
        home = org.country if org.country in FOCUS_COUNTRIES else rng.choice(FOCUS_COUNTRIES)
        if level is GeographicLevel.global_:
            return [], level
        if level is GeographicLevel.regional:
            same = neighbours(home)
            return [home, *rng.sample(same, min(len(same), rng.randint(1, 3)))], level
        return [home], level

    def _progress(self, commitment: Commitment, theme: Theme, values, rng) -> None:
        """Updates in the windows this commitment reported in; the verified ones set its status."""
        org = commitment.signature.organisation
        domain = domain_for(org.name, org.acronym)
        by = self.stakeholder if org is self.stakeholder.organisation else None
        for cycle, window in enumerate(self.windows):
            # An admin may have cleared a bound of an existing window: assume a 60-day cycle.
            closes_at = window.closes_at or self.now
            opens_at = window.opens_at or closes_at - timedelta(days=60)
            is_open = window.is_open(self.now)
            if rng.random() > (0.6 if is_open else 0.75) or commitment.start_date > (
                closes_at.date()
            ):
                continue
            states, weights = OPEN_WINDOW_STATES if is_open else CLOSED_WINDOW_STATES
            state = rng.choices(states, weights)[0]
            reported = reported_status(rng, cycle)
            percent = None if rng.random() < 0.12 else percent_for(rng, reported, cycle)
            baseline, target = commitment.indicator_baseline, commitment.indicator_target
            actual = (
                None if percent is None else round(baseline + (target - baseline) * percent / 100)
            )
            summary = (
                f"{actual:,.0f} {commitment.indicator_unit} against a target of {target:,.0f}. "
                if actual is not None
                else ""
            )
            update = ProgressUpdate(
                commitment=commitment,
                window=window,
                status=reported,
                progress_percent=percent,
                actual_value=actual,
                achievements=summary + fill(theme.achievement, **values),
                challenges=rng.choice(CHALLENGES),
                next_steps=rng.choice(NEXT_STEPS),
                evidence_links=[
                    f"https://www.{domain}/reports/{commitment.external_ref}-{cycle + 1}"
                ][: rng.randint(0, 1)],
            )
            db.session.add(update)
            self.created["progress updates"] += 1
            end = min(closes_at, self.now)
            submitted_at = between(rng, opens_at, end)
            if state is ReviewState.draft:
                continue
            update.submit(by, submitted_at)
            reviewed_at = min(submitted_at + timedelta(days=rng.randint(1, 14)), end)
            if state is ReviewState.verified:
                update.verify(self.coordinator, reviewed_at)
                self._apply_verified(commitment, update)
            elif state is ReviewState.returned:
                update.return_(self.coordinator, reviewed_at, rng.choice(RETURN_COMMENTS))

    @staticmethod
    def _apply_verified(commitment: Commitment, update: ProgressUpdate) -> None:
        """The commitment's status and progress follow its latest verified update."""
        steps = [update.status]
        if (commitment.status, update.status) == (
            CommitmentStatus.planning,
            CommitmentStatus.fulfilled,
        ):
            steps = [CommitmentStatus.in_progress, CommitmentStatus.fulfilled]
        if update.status is not commitment.status and (
            (commitment.status, steps[0]) not in Commitment.TRANSITIONS
        ):
            return  # e.g. a later report of "in progress" on a fulfilled commitment
        for step in steps:
            commitment.set_status(step, update.reviewed_at)
        commitment.progress_percent = update.progress_percent
