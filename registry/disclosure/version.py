"""The version of what the public sees, for conditional requests: public pages, the API and
the open data answer `ETag` and `Last-Modified` from it, and 304 when nothing changed.

It is the version vector (`registry.versions`: counts, highest ids, latest changes) of the
tables public outputs read and of every table a protected organisation's identifiers come from
(its profile, its contacts, its people's accounts, its signers), with the small-group
threshold: whatever decides disclosure (`View.state_digest`) moves it too, and it costs a
fixed handful of aggregate statements, so a 304 is answered before any identifier is loaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import AuditEvent
from registry.versions import data_version

from .naming import min_group

#: Every table whose rows a public output shows or counts.
PUBLIC_TABLES = (
    "pledges",
    "pledge_co_leads",
    "key_outcomes",
    "submission_windows",
    "organisations",
    "contacts",
    "users",
    "signatures",
    "commitments",
    "commitment_partners",
    "commitment_matches",
    "commitment_countries",
    "commitment_action_areas",
    "commitment_risks",
    "commitment_target_populations",
    "progress_updates",
    "vocabulary_terms",
    "public_wording_approvals",
    "evidence_files",
)


#: Audit actions that record a reading, not a change.
READINGS = ("contact.view", "export", "outbox.view", "api_token.use")


@dataclass(frozen=True)
class PublicVersion:
    """A digest of the public data (`tag`) and when it last changed (`modified`, to the
    second; None on an empty registry)."""

    tag: str
    modified: datetime | None

    def etag(self, *variant: str) -> str:
        """An entity tag for one response of this version (its URL, language …)."""
        return hashlib.sha256("\n".join([self.tag, *variant]).encode()).hexdigest()[:32]


def _last_audit_event() -> tuple[int | None, datetime | None]:
    """The id and time of the latest audit event: every change to a domain record (a deletion
    too) writes one in its transaction, and ids only grow, so this moves even where a clock
    (behind another host's) would leave the latest `updated_at` where it was."""
    # Events that record a reading (an export, a token's call) change nothing.
    changes = AuditEvent.action.not_in(READINGS)
    latest = select(func.max(AuditEvent.id)).where(changes).scalar_subquery()
    row = db.session.execute(
        select(AuditEvent.id, AuditEvent.created_at).where(AuditEvent.id == latest)
    ).first()
    return (row.id, row.created_at) if row else (None, None)


def public_version() -> PublicVersion:
    """The version of the public data now (a fixed number of cheap aggregate statements)."""
    version = data_version(PUBLIC_TABLES)
    audit_id, audited_at = _last_audit_event()
    payload = json.dumps([version, audit_id, min_group()], sort_keys=True, default=str)
    changes = [
        datetime.fromisoformat(values[2])
        for values in version.values()
        if len(values) == 3 and isinstance(values[2], str)
    ]
    # Last-Modified moves with the latest change of any kind (a deleted contact changes what
    # is redacted but no row's updated_at), so that If-Modified-Since alone is never stale.
    changes += [audited_at] if audited_at is not None else []
    changes = [c if c.tzinfo else c.replace(tzinfo=UTC) for c in changes]
    modified = max(changes, default=None)
    if modified is not None:
        modified = (modified if modified.tzinfo else modified.replace(tzinfo=UTC)).replace(
            microsecond=0
        )
    return PublicVersion(hashlib.sha256(payload.encode()).hexdigest(), modified)
