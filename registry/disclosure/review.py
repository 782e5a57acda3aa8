"""What coordinators see before approving a record's public wording: each free-text field with
the identifiers of protected organisations marked, the text as the public will read it, and
whether the wording is approved (or was, before the text changed). For staff pages only: the
marks name the organisations they protect.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from registry.models import Organisation

from .view import View
from .wording import FIELDS, WordingState, entity_type, has_text, wording_digest

FIELD_LABELS = {
    "description": _l("Description"),
    "statement": _l("Statement"),
    "title": _l("Title"),
    "indicator_text": _l("Indicator"),
    "indicator_unit": _l("Indicator unit"),
    "languages": _l("Languages"),
    "achievements": _l("Achievements"),
    "challenges": _l("Challenges"),
    "next_steps": _l("Next steps"),
}
KIND_LABELS = {
    "Organisation": _l("About the organisation"),
    "Signature": _l("Statement of the signature"),
    "Commitment": _l("Commitment"),
    "ProgressUpdate": _l("Progress update"),
}


@dataclass(frozen=True)
class FieldReview:
    label: str
    marked: list  # (part, whose identifier or None)
    public_text: str | None  # redacted


@dataclass(frozen=True)
class WordingReview:
    """One record's free text as a coordinator checks it."""

    kind: str
    record_id: int
    label: str
    fields: tuple[FieldReview, ...]
    state: WordingState
    gated: bool  # a non-public organisation's: public only once approved
    identifiers_found: int


def _value(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value or ""


def wording_review(view: View, obj, owner: Organisation, label: str | None = None):
    """The review of one record's free text (None when it has none)."""
    if not has_text(obj):
        return None
    fields, found = [], 0
    for name in FIELDS[entity_type(obj)]:
        value = _value(getattr(obj, name))
        if not value.strip():
            continue
        marked = view.marked(value)
        found += sum(1 for _part, who in marked if who)
        fields.append(FieldReview(str(FIELD_LABELS[name]), marked, view.text(value)))
    return WordingReview(
        kind=entity_type(obj),
        record_id=obj.id,
        label=label or str(KIND_LABELS[entity_type(obj)]),
        fields=tuple(fields),
        state=view.wording_state(obj),
        gated=not owner.is_public,
        identifiers_found=found,
    )


def wording_reviews(view: View, owner: Organisation, records: list) -> list[WordingReview]:
    """The reviews of those of `records` (with their labels: (record, label)) that have text."""
    reviews = (wording_review(view, obj, owner, label) for obj, label in records)
    return [r for r in reviews if r is not None]


def wording_version(view: View, records: list) -> str:
    """What the coordinator read: a digest of the records' wording, checked when approving so
    that a text changed since the page was opened is never approved unread."""
    digests = [f"{entity_type(o)}:{o.id}:{wording_digest(o, view.full_redactor)}" for o in records]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()
