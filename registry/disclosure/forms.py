"""Warnings before a non-public organisation's text is saved: which of its own identifiers the
text contains, and how public reports will read it (DESIGN §4).

Only the organisation's own identifiers are looked for: telling a stakeholder that their text
names some other protected organisation would reveal that it is registered (an existence
oracle). Other organisations' identifiers are marked for coordinators on the review and
verification pages instead (`View.marked`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext

from registry.models import Organisation, Visibility

from .identifiers import identifiers_of
from .naming import described_by_type, in_text
from .redaction import Redactor


@dataclass(frozen=True)
class OwnIdentifierWarning:
    """One field of a form that names its own (non-public) organisation."""

    field: str  # the field's label
    found: tuple[str, ...]  # the identifiers as written in the text
    public_text: str  # how public reports will read the field


def own_identifier_warnings(
    organisation: Organisation,
    texts: dict[str, str | None],
    *,
    profile: dict | None = None,
) -> list[OwnIdentifierWarning]:
    """For each text of a non-public organisation (`texts`: field label → text), the
    identifiers of its own it contains and the text as public reports will read it. Empty for a
    public organisation. `profile`: name, acronym, other names, website and visibility being
    saved with the texts (the profile form)."""
    visibility = (profile or {}).get("visibility") or organisation.visibility
    if visibility is Visibility.public:
        return []
    redactor = Redactor(identifiers_of(organisation, profile))
    if visibility is Visibility.hidden:
        replacement = in_text(gettext("An organisation"))
    else:
        replacement = in_text(described_by_type(organisation))
    warnings = []
    for field, text in texts.items():
        matches = redactor.find(text)
        if matches:
            found = tuple(dict.fromkeys(text[m.start : m.end] for m in matches))
            public = redactor.redact(text, lambda _m: replacement)
            warnings.append(OwnIdentifierWarning(field, found, public))
    return warnings


def texts_digest(texts: dict[str, str | None]) -> str:
    """A digest of the texts a warning was shown for: saving them as they are again confirms."""
    return hashlib.sha256(json.dumps(texts, sort_keys=True).encode()).hexdigest()
