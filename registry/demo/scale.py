"""Scale mode: benchmark-sized bulk data through Core inserts (one summary audit event)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from registry import summary
from registry.demo.common import (
    between,
    demo_pledge,
    ensure_windows,
    fill,
    languages_for,
    neighbours,
    percent_for,
    place_for,
    reported_status,
    scale_org_name,
    slug,
    vocabulary_terms,
)
from registry.demo.content import (
    DESCRIPTIONS,
    FOCUS_COUNTRIES,
    LANGUAGE_NAMES,
    PEOPLE,
    ROLES,
    SEED,
    ST,
    STATEMENTS,
    utc,
)
from registry.demo.content_commitments import (
    CHALLENGES,
    CLOSED_WINDOW_STATES,
    NEXT_STEPS,
    OPEN_WINDOW_STATES,
    RETURN_COMMENTS,
    SCALE_WINDOWS,
    THEMES,
    THEMES_BY_TYPE,
    Theme,
)
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
    Signature,
    SignatureStatus,
    StakeholderType,
    VocabularyKind,
)
from registry.models.signatures import (
    commitment_action_areas,
    commitment_risks,
    commitment_target_populations,
)
from registry.text import normalise_name, site_key

CHUNK_ORGANISATIONS = 500
CHUNK_ROWS = 5000


SCALE_TYPES = list(StakeholderType)
SCALE_TYPE_WEIGHTS = [4, 3, 2, 10, 25, 12, 4, 6, 5, 8, 4, 8, 3, 4, 2]


def _commitments_for(index: int) -> tuple[int, int]:
    """(first global commitment index, count) of organisation `index`: 37 per 10 organisations."""
    r = index % 10
    offset = 4 * r if r <= 7 else 28 + 3 * (r - 7)
    return (index // 10) * 37 + offset, 4 if r < 7 else 3


def _updates_for(commitment_index: int) -> int:
    """Progress updates of a commitment: 100 per 37 commitments (10,000 per 3,700)."""
    return 2 if commitment_index % 37 < 11 else 3


def _scale_signature_status(index: int) -> SignatureStatus:
    if index % 50 == 24:
        return SignatureStatus.submitted
    if index % 50 == 49:
        return SignatureStatus.changes_requested
    return SignatureStatus.accepted


@dataclass
class ScaleLoader:
    """Bulk-loads `organisations` benchmark organisations (Core inserts, no per-row audit)."""

    organisations: int
    now: datetime
    seed: int = SEED
    created: Counter = field(default_factory=Counter)

    def run(self) -> Counter:
        """Create the missing scale organisations and everything under them, chunk by chunk."""
        pledge = demo_pledge()
        today = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        known = {w.id for w in pledge.windows}
        windows = ensure_windows(pledge, SCALE_WINDOWS, today)
        self.created["progress windows"] += len({w.id for w in windows} - known)
        self.pledge_id = pledge.id
        self.windows = [(w.id, w.opens_at, w.closes_at, w.is_open(self.now)) for w in windows]
        self.outcome_ids = [o.id for o in pledge.key_outcomes]
        self.neighbours = {c: neighbours(c) for c in FOCUS_COUNTRIES}
        self.term_ids = {
            kind: {code: term.id for code, term in terms.items()}
            for kind, terms in vocabulary_terms().items()
        }
        db.session.commit()
        existing = set(
            db.session.scalars(
                select(Organisation.external_ref).where(
                    Organisation.external_ref.like("scale-org-%")
                )
            )
        )
        todo = [i for i in range(self.organisations) if self._org_ref(i) not in existing]
        for start in range(0, len(todo), CHUNK_ORGANISATIONS):
            self._chunk(todo[start : start + CHUNK_ORGANISATIONS])
            db.session.commit()
        if todo:
            # Core inserts pass the summary listeners by: count the dashboard's figures again.
            summary.rebuild(db.session.connection())
            db.session.commit()
        return self.created

    @staticmethod
    def _org_ref(index: int) -> str:
        return f"scale-org-{index + 1:06d}"

    @staticmethod
    def _commitment_ref(index: int) -> str:
        return f"scale-c-{index + 1:07d}"

    def _insert(self, table, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK_ROWS):
            db.session.execute(insert(table), rows[start : start + CHUNK_ROWS])
        self.created[table.name] += len(rows)

    def _ids(self, column, key_column, keys) -> dict:
        return dict(
            db.session.execute(select(key_column, column).where(key_column.in_(keys))).all()
        )

    def _chunk(self, indexes: list[int]) -> None:
        """Organisations `indexes` with their contact, signature, commitments and updates."""
        # nosec B311: benchmark data, reproducible on purpose; nothing secret.
        rngs = {i: random.Random(self.seed * 1_000_003 + i) for i in indexes}  # nosec B311
        organisations = self._insert_organisations(indexes, rngs)
        signature_ids = self._insert_signatures(indexes, rngs, organisations)
        self._insert_commitments(indexes, rngs, organisations, signature_ids)

    def _insert_organisations(self, indexes, rngs) -> dict[int, tuple[int, StakeholderType, str]]:
        """Insert the organisations; returns index -> (id, stakeholder type, country)."""
        rows, plans = [], {}
        for i in indexes:
            rng = rngs[i]
            kind = rng.choices(SCALE_TYPES, SCALE_TYPE_WEIGHTS)[0]
            country = rng.choice(FOCUS_COUNTRIES)
            refugee_led = kind is ST.refugee_led_organisation or (
                kind in (ST.media_outlet, ST.national_ngo, ST.other) and rng.random() < 0.15
            )
            visibility = "anonymised" if refugee_led else "public"
            if rng.random() < 0.05:
                visibility = "hidden"
            region = region_for(country)
            name = scale_org_name(rng, kind, country)
            website = f"https://www.{slug(name)[:40]}-{i + 1}.example.org"
            rows.append(
                {
                    "name": name,
                    "acronym": None,
                    "stakeholder_type": kind.name,
                    "country": country,
                    "region": region.name if region else None,
                    "is_region_overridden": False,
                    "website": website,
                    "name_key": normalise_name(name) or None,
                    "site_key": site_key(website),
                    "description": fill(
                        DESCRIPTIONS[kind],
                        country=country_name(country) or country,
                        region=region.value if region else "the region",
                    ),
                    "is_refugee_led": refugee_led,
                    "visibility": visibility,
                    "external_ref": self._org_ref(i),
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            plans[i] = (kind, country)
        self._insert(Organisation.__table__, rows)
        ids = self._ids(
            Organisation.id, Organisation.external_ref, [self._org_ref(i) for i in indexes]
        )
        return {i: (ids[self._org_ref(i)], *plans[i]) for i in indexes}

    def _insert_signatures(self, indexes, rngs, organisations) -> dict[int, int]:
        """Insert one contact and one signature per organisation; returns index -> signature id."""
        contacts, signatures = [], []
        for i in indexes:
            rng, org_id = rngs[i], organisations[i][0]
            person, role = rng.choice(PEOPLE), rng.choice(ROLES)
            contacts.append(
                {
                    "organisation_id": org_id,
                    "name": person,
                    "role": role,
                    "email": f"{slug(person).replace('-', '.')}@org{i + 1}.example.org",
                    "phone": None,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            status = _scale_signature_status(i)
            submitted_at = between(rng, utc(2023, 12, 13), utc(2025, 6, 30))
            decided_at = submitted_at + timedelta(days=rng.randint(3, 30))
            signatures.append(
                {
                    "pledge_id": self.pledge_id,
                    "organisation_id": org_id,
                    "signed_by_name": person,
                    "signed_by_title": role,
                    "statement": rng.choice(STATEMENTS),
                    "status": status.name,
                    "review_comment": "Please add a measurable indicator."
                    if status is SignatureStatus.changes_requested
                    else None,
                    "submitted_at": submitted_at,
                    "submitted_by_id": None,
                    "decided_at": None if status is SignatureStatus.submitted else decided_at,
                    "decided_by_id": None,
                    "version": 1,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        self._insert(Contact.__table__, contacts)
        self._insert(Signature.__table__, signatures)
        ids = self._ids(
            Signature.id, Signature.organisation_id, [organisations[i][0] for i in indexes]
        )
        return {i: ids[organisations[i][0]] for i in indexes}

    def _insert_commitments(self, indexes, rngs, organisations, signature_ids) -> None:
        """Insert the commitments, their vocabulary and country links and progress updates."""
        rows, pending = [], []
        for i in indexes:
            rng = rngs[i]
            _, kind, country = organisations[i]
            accepted = _scale_signature_status(i) is SignatureStatus.accepted
            first, count = _commitments_for(i)
            themes = rng.sample(THEMES_BY_TYPE[kind], count)
            for k, theme in zip(range(first, first + count), themes, strict=True):
                row, links, updates = self._commitment(rng, k, THEMES[theme], country, accepted)
                row["signature_id"] = signature_ids[i]
                rows.append(row)
                pending.append((row["external_ref"], links, updates))
        self._insert(Commitment.__table__, rows)
        ids = self._ids(Commitment.id, Commitment.external_ref, [ref for ref, _, _ in pending])

        tables = {
            "action": commitment_action_areas,
            "risk": commitment_risks,
            "population": commitment_target_populations,
            "country": CommitmentCountry.__table__,
        }
        link_rows: dict[str, list[dict]] = {key: [] for key in tables}
        update_rows = []
        for ref, links, updates in pending:
            commitment_id = ids[ref]
            for key, values in links.items():
                column = "country" if key == "country" else "term_id"
                link_rows[key].extend({"commitment_id": commitment_id, column: v} for v in values)
            for update in updates:
                update["commitment_id"] = commitment_id
                update_rows.append(update)
        for key, table in tables.items():
            self._insert(table, link_rows[key])
        self._insert(ProgressUpdate.__table__, update_rows)

    def _commitment(self, rng, k: int, theme: Theme, country: str, accepted: bool):
        """One commitment row, its association values and its progress update rows."""
        level = rng.choice(list(GeographicLevel))
        home = country if country in FOCUS_COUNTRIES else rng.choice(FOCUS_COUNTRIES)
        countries = [] if level is GeographicLevel.global_ else [home]
        if level is GeographicLevel.regional:
            countries += rng.sample(self.neighbours[home], 2)
        languages = languages_for(countries, country)
        values = {
            "place": place_for(level, countries, country),
            "language": LANGUAGE_NAMES[languages[0]],
        }
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 540))
        baseline = float(rng.randint(*theme.baseline))
        target = float(rng.randint(*theme.target))
        row = {
            "title": fill(theme.title, **values),
            "description": fill(theme.description, **values),
            "key_outcome_id": self.outcome_ids[theme.outcome] if self.outcome_ids else None,
            "geographic_level": level.name,
            "languages": languages,
            "start_date": start,
            "target_date": start + timedelta(days=rng.choice([365, 730, 1095])),
            "indicator_text": theme.indicator,
            "indicator_unit": theme.unit,
            "indicator_baseline": baseline,
            "indicator_target": target,
            "status": CommitmentStatus.planning.name,
            "progress_percent": None,
            "external_ref": self._commitment_ref(k),
            # Pledged between the forum and mid-2025 (deterministic: the rng's draws stay).
            "pledged_at": utc(2023, 12, 13) + timedelta(days=(k * 37) % 565),
            "status_changed_at": None,
            "version": 1,
            "created_at": self.now,
            "updated_at": self.now,
        }
        term_ids = self.term_ids
        populations = ["refugees", rng.choice(["asylum_seekers", "host_communities", "idps"])]
        links = {
            "action": [term_ids[VocabularyKind.action_area][c] for c in theme.action_areas],
            "risk": [term_ids[VocabularyKind.risk][c] for c in theme.risks[:2]],
            "population": [term_ids[VocabularyKind.target_population][c] for c in populations],
            "country": countries,
        }
        updates = []
        if accepted:
            count = _updates_for(k)
            chosen = sorted(rng.sample(range(len(self.windows)), min(count, len(self.windows))))
            for cycle in chosen:
                window_id, opens_at, closes_at, is_open = self.windows[cycle]
                states, weights = OPEN_WINDOW_STATES if is_open else CLOSED_WINDOW_STATES
                state = rng.choices(states, weights)[0]
                reported = reported_status(rng, cycle)
                percent = None if rng.random() < 0.1 else percent_for(rng, reported, cycle)
                end = min(closes_at, self.now) if closes_at else self.now
                submitted_at = between(rng, opens_at, end) if opens_at else end
                reviewed = state in (ReviewState.verified, ReviewState.returned)
                updates.append(
                    {
                        "window_id": window_id,
                        "status": reported.name,
                        "progress_percent": percent,
                        "actual_value": None
                        if percent is None
                        else round(baseline + (target - baseline) * percent / 100),
                        "achievements": fill(theme.achievement, **values),
                        "challenges": rng.choice(CHALLENGES),
                        "next_steps": rng.choice(NEXT_STEPS),
                        "evidence_links": [],
                        "submitted_by_id": None,
                        "submitted_at": None if state is ReviewState.draft else submitted_at,
                        "review_state": state.name,
                        "review_comment": rng.choice(RETURN_COMMENTS)
                        if state is ReviewState.returned
                        else None,
                        "reviewed_by_id": None,
                        "reviewed_at": min(submitted_at + timedelta(days=3), end)
                        if reviewed
                        else None,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                if state is ReviewState.verified and reported is not CommitmentStatus.planning:
                    row["status"], row["progress_percent"] = reported.name, percent
                    row["status_changed_at"] = updates[-1]["reviewed_at"]
        reported_at = [u["submitted_at"] for u in updates if u["submitted_at"] is not None]
        if reported_at:  # pledged before its first report
            row["pledged_at"] = min(row["pledged_at"], min(reported_at) - timedelta(days=1))
        return row, links, updates
