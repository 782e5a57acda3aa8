"""The demo's engagement records: partnerships and protection advocacy targets of the demo
organisations, moved through their stages (ORM, so audited like the rest of the demo)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from registry.demo.common import rng_for
from registry.demo.content import utc
from registry.demo.content_engagements import ENGAGEMENTS
from registry.extensions import db
from registry.models import EngagementKind, EngagementRecord, EngagementStage, VocabularyKind


def load_engagements(organisations, terms, coordinator, now, created) -> None:
    """The demo's partnerships and advocacy targets (with stages, conversions and due
    diligence), for the organisations of the demo that do not have them yet."""
    by_name = {o.name: o for o in organisations}
    existing = {
        (r.organisation_id, r.kind, r.title) for r in db.session.scalars(select(EngagementRecord))
    }
    structures = terms[VocabularyKind.coordination_structure]
    for spec in ENGAGEMENTS:
        org = by_name[spec.organisation]
        if (org.id, spec.kind, spec.title) in existing:
            continue
        rng = rng_for(f"engagement:{spec.title}")
        record_ = EngagementRecord(
            organisation=org,
            kind=spec.kind,
            title=spec.title,
            geographic_level=spec.level,
            countries=list(spec.countries),
            coordination_structure=structures.get(spec.structure),
            focal_point=coordinator,
            purpose_areas=[terms[VocabularyKind.action_area][c] for c in spec.purpose_areas],
            start_date=spec.start,
            internal_notes=spec.notes,
            stage_changed_at=utc(spec.start.year, spec.start.month, spec.start.day),
        )
        # Recorded when its story starts, so that "time to convert" is never negative.
        record_.created_at = record_.stage_changed_at
        db.session.add(record_)
        created["engagement records"] += 1
        if spec.kind is EngagementKind.partnership:
            _hrdd(coordinator, record_, spec.start, rng)
        moment = record_.stage_changed_at
        for stage in spec.path:
            moment = min(moment + timedelta(days=rng.randint(20, 120)), now)
            record_.move_to(stage, moment)
            if stage in (EngagementStage.completed, EngagementStage.ended,
                         EngagementStage.closed):  # fmt: skip
                record_.end_date = moment.date()
        if spec.convert:
            moment = min(moment + timedelta(days=rng.randint(20, 90)), now)
            partnership = record_.convert(coordinator, moment)
            partnership.created_at = moment
            partnership.internal_notes = "Converted after the platform's commitments were met."
            _hrdd(coordinator, partnership, moment.date(), rng)
            partnership.move_to(EngagementStage.active, min(moment + timedelta(days=14), now))
            db.session.add(partnership)
            created["engagement records"] += 1
    db.session.flush()


def _hrdd(coordinator, record_: EngagementRecord, start: date, rng) -> None:
    """A human-rights due-diligence check done before the start."""
    record_.hrdd_checked_on = start - timedelta(days=rng.randint(5, 40))
    record_.hrdd_checked_by_id = coordinator.id
    record_.hrdd_outcome = rng.choice(
        [
            "No adverse findings.",
            "No adverse findings; data-sharing agreement required before any personal data "
            "is exchanged.",
            "Low risk; review again at renewal.",
        ]
    )
