"""Engagement records: the agency's own partnerships and protection advocacy targets."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask_babel import gettext

from registry.errors import OperationError
from registry.extensions import db
from registry.models import (
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    InvalidTransition,
    User,
    utcnow,
)
from registry.seed import terms_with_ids

SCALAR_FIELDS = (
    "organisation_id",
    "title",
    "geographic_level",
    "countries",
    "coordination_structure_id",
    "focal_point_id",
    "start_date",
    "end_date",
    "internal_notes",
    "hrdd_checked_on",
    "hrdd_checked_by_id",
    "hrdd_outcome",
)


def save_engagement(data: dict, record: EngagementRecord | None = None) -> EngagementRecord:
    """Create an engagement record, or update `record`, from form data."""
    kind: EngagementKind = data["kind"]
    if record is None:
        record = EngagementRecord(kind=kind)
        db.session.add(record)
    elif kind is not record.kind:
        # A stage only means something for its kind: switching is safe only before any move.
        if record.stage is not record.INITIAL[record.kind]:
            raise OperationError(
                gettext("The kind can only change while the record is at its first stage."),
                field="kind",
            )
        record.kind, record.stage = kind, record.INITIAL[kind]
    for field in SCALAR_FIELDS:
        setattr(record, field, data[field])
    if data.get("identified_on"):
        identified = datetime.combine(data["identified_on"], time.min, tzinfo=UTC)
        if record.converted_at is not None and identified > record.converted_at:
            raise OperationError(
                gettext(
                    "It was converted on %(day)s: it was identified before that.",
                    day=record.converted_at.date().isoformat(),
                ),
                field="identified_on",
            )
        record.identified_at = identified
    record.purpose_areas = terms_with_ids(data.get("purpose_area_ids") or [])
    db.session.flush()
    return record


def move_engagement(record: EngagementRecord, to: EngagementStage) -> EngagementRecord:
    """Move the record to its next stage; an invalid move raises `OperationError`."""
    try:
        record.move_to(to, utcnow())
    except InvalidTransition:
        raise OperationError(
            gettext(
                "A %(kind)s at stage “%(stage)s” cannot move to “%(to)s”.",
                kind=record.kind.label.lower(),
                stage=record.stage.label,
                to=to.label,
            )
        ) from None
    db.session.flush()
    return record


def convert_engagement(
    target: EngagementRecord,
    by: User | None,
    *,
    keep_notes: bool = True,
    keep_due_diligence: bool = True,
) -> EngagementRecord:
    """Convert a committed advocacy target into a linked partnership that carries its notes
    and due-diligence check (unless told not to); returns the partnership."""
    if target.kind is not EngagementKind.advocacy_target or target.stage is not (
        EngagementStage.committed
    ):
        raise OperationError(
            gettext("Only an advocacy target at stage “Committed” can become a partnership.")
        )
    try:
        partnership = target.convert(
            by, utcnow(), keep_notes=keep_notes, keep_due_diligence=keep_due_diligence
        )
    except InvalidTransition as exc:  # pragma: no cover - checked above, kept as a guard
        raise OperationError(str(exc)) from None
    db.session.add(partnership)
    db.session.flush()
    return partnership
