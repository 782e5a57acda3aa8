"""Read-only queries of the audit trail: the audit log page (filters, a page of events, their
diffs) and the history of one record, shown on its own page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import false, or_, select

from registry.extensions import db
from registry.lists import ListFilters, Page, contains_text, page_of, url_int, url_text
from registry.models import (
    AuditEvent,
    Commitment,
    Contact,
    EngagementRecord,
    EvidenceFile,
    Invitation,
    JoinRequest,
    Organisation,
    Pledge,
    ProgressUpdate,
    Signature,
    SubmissionWindow,
    User,
)
from registry.policies import current_scope, in_scope

AUDIT_PER_PAGE = 50


@dataclass
class AuditFilters(ListFilters):
    """What the audit log shows; every field is a URL parameter of the same name."""

    actor: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        """Parse request arguments; values that mean nothing are dropped, never an error."""

        def day(value):
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        return cls(
            actor=url_text(args.get("actor"), 254),
            entity_type=url_text(args.get("entity_type"), 60),
            entity_id=url_int(args.get("entity_id")),
            action=url_text(args.get("action"), 60),
            date_from=day(args.get("date_from")),
            date_to=day(args.get("date_to")),
            page=url_int(args.get("page"), 1),
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _scoped_ids() -> dict[str, object]:
    """Per entity type, a select of the ids of its records within the current scope."""
    by_signature = {"pledge_id": Signature.pledge_id, "organisation_id": Signature.organisation_id}
    commitments = in_scope(select(Commitment.id).join(Commitment.signature), **by_signature)
    updates = select(ProgressUpdate.id).where(ProgressUpdate.commitment_id.in_(commitments))
    windows = in_scope(select(SubmissionWindow.id), pledge_id=SubmissionWindow.pledge_id)
    return {
        "Organisation": in_scope(select(Organisation.id), organisation_id=Organisation.id),
        "Contact": in_scope(select(Contact.id), organisation_id=Contact.organisation_id),
        "Signature": in_scope(select(Signature.id), **by_signature),
        "Commitment": commitments,
        "ProgressUpdate": updates,
        "EvidenceFile": select(EvidenceFile.id).where(EvidenceFile.progress_update_id.in_(updates)),
        "EngagementRecord": in_scope(
            select(EngagementRecord.id), organisation_id=EngagementRecord.organisation_id
        ),
        "JoinRequest": in_scope(
            select(JoinRequest.id), organisation_id=JoinRequest.organisation_id
        ),
        "Pledge": in_scope(select(Pledge.id), pledge_id=Pledge.id),
        "SubmissionWindow": windows,
        "Invitation": select(Invitation.id).where(Invitation.window_id.in_(windows)),
    }


def _audit_in_scope(query):
    """A scoped coordinator sees the events of the records within the scope (records of other
    kinds, and deleted records, which can no longer be placed, are not shown)."""
    if not current_scope().is_scoped:
        return query
    allowed = [
        (AuditEvent.entity_type == kind) & AuditEvent.entity_id.in_(ids)
        for kind, ids in _scoped_ids().items()
    ]
    return query.where(or_(false(), *allowed))


def audit_select(filters: AuditFilters):
    """A select of the audit events the filters allow (dates are whole UTC days, inclusive)."""
    query = _audit_in_scope(select(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id))
    if filters.actor:
        # The label is the e-mail at the time of the event; the user may have changed it since.
        query = query.where(contains_text(filters.actor, AuditEvent.actor_label, User.email))
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1)))
    return query


def audit_page(filters: AuditFilters, per_page: int = AUDIT_PER_PAGE) -> Page:
    """One page of the filtered audit events, newest first, in two SQL statements."""
    order = (AuditEvent.at.desc(), AuditEvent.id.desc())
    return page_of(audit_select(filters), filters.page, per_page, order)


def audit_choices() -> dict[str, list[str]]:
    """The entity types and actions that occur in the audit trail, for the filter selects."""
    return {
        "entity_types": list(
            db.session.scalars(
                select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
            )
        ),
        "actions": list(
            db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        ),
    }


def audit_diff(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field an event touches: changed fields of an update,
    every value of a create (before None) or of a delete (after None)."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys if key != "id"]


def history_of(record) -> list[AuditEvent]:
    """The audit events of one record (a commitment, an engagement record …), newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.entity_type == type(record).__name__, AuditEvent.entity_id == record.id
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
