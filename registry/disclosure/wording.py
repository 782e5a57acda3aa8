"""Public wording approved by a person (DESIGN §4): a non-public organisation's free text
reaches public outputs only once a coordinator approved its public, redacted version.

An approval stores a digest of the record's free text as redaction leaves it
(`Redactor.canonical`: each identifier found replaced by a marker of its organisation). It
holds while the digest is the same: any later change to the text, or to what redaction finds in
it, withdraws it. Approving is audit-logged (the approval row itself, and an event on the
record approved).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from registry.audit import record
from registry.extensions import db
from registry.models import PublicWordingApproval, User, utcnow

from .redaction import Redactor

#: The free-text fields of each record type that public outputs may print.
FIELDS = {
    "Organisation": ("description",),
    "Signature": ("statement",),
    "Commitment": ("title", "description", "indicator_text", "indicator_unit", "languages"),
    "ProgressUpdate": ("achievements", "challenges", "next_steps"),
}


def entity_type(obj) -> str:
    """The record's type name as approvals store it."""
    return type(obj).__name__


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return value or ""


def wording_digest(obj, redactor: Redactor) -> str:
    """A SHA-256 of the record's free text as redaction leaves it."""
    kind = entity_type(obj)
    fields = [[name, redactor.canonical(_text(getattr(obj, name)))] for name in FIELDS[kind]]
    return hashlib.sha256(json.dumps([kind, fields], ensure_ascii=False).encode()).hexdigest()


def has_text(obj) -> bool:
    """Whether the record has any free text to approve."""
    return any(_text(getattr(obj, name)).strip() for name in FIELDS[entity_type(obj)])


def all_approvals() -> dict[tuple[str, int], PublicWordingApproval]:
    """Every approval by (entity type, id): one statement (approvals exist only for the
    records of non-public organisations)."""
    rows = db.session.scalars(select(PublicWordingApproval))
    return {(a.entity_type, a.entity_id): a for a in rows}


@dataclass(frozen=True)
class WordingState:
    """Where a record's public wording stands."""

    approved: bool  # approved, and the text is still the one approved
    approved_at: datetime | None = None
    approved_by_id: int | None = None
    withdrawn: bool = False  # approved once, but the text changed since


def wording_state(obj, approval: PublicWordingApproval | None, redactor: Redactor) -> WordingState:
    """The record's approval as it holds now."""
    if approval is None:
        return WordingState(approved=False)
    current = approval.digest == wording_digest(obj, redactor)
    return WordingState(current, approval.approved_at, approval.approved_by_id, not current)


def approve_public_wording(
    records: list, by: User | None, redactor: Redactor, now: datetime | None = None
) -> list[PublicWordingApproval]:
    """Approve the public (redacted) wording of `records` as they read now. An operation: it
    flushes; the caller commits."""
    now = now or utcnow()
    approvals = []
    for obj in records:
        kind = entity_type(obj)
        approval = db.session.scalar(
            select(PublicWordingApproval).where(
                PublicWordingApproval.entity_type == kind,
                PublicWordingApproval.entity_id == obj.id,
            )
        )
        if approval is None:
            approval = PublicWordingApproval(entity_type=kind, entity_id=obj.id)
            db.session.add(approval)
        approval.digest = wording_digest(obj, redactor)
        approval.approved_by_id = by.id if by is not None else None
        approval.approved_at = now
        record(db.session, "public_wording.approve", obj, {"digest": approval.digest})
        approvals.append(approval)
    db.session.flush()
    return approvals
