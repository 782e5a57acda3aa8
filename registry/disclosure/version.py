"""The version of what the public sees, for conditional requests: public pages, the API and
the open data answer `ETag` and `Last-Modified` from it, and 304 when nothing changed.

It is the version (`registry.versions`: the change counters) of the tables public outputs read
and of every table a protected organisation's identifiers come from (its profile, its
contacts, its people's accounts, its signers), with the small-group threshold: whatever decides
disclosure (`View.state_digest`) moves it too, and it costs one statement of primary-key reads,
so a 304 is answered before any identifier is loaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.versions import changed_at, data_version

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


@dataclass(frozen=True)
class PublicVersion:
    """A digest of the public data (`tag`) and when it last changed (`modified`, to the
    second; None on an empty registry)."""

    tag: str
    modified: datetime | None

    def etag(self, *variant: str) -> str:
        """An entity tag for one response of this version (its URL, language …)."""
        return hashlib.sha256("\n".join([self.tag, *variant]).encode()).hexdigest()[:32]


def public_version() -> PublicVersion:
    """The version of the public data now: one statement reading the tables' change counters
    (every insert, update and delete moves them, a deletion too), whatever the data's size."""
    version = data_version(PUBLIC_TABLES)
    payload = json.dumps([version, min_group()], sort_keys=True, default=str)
    changes = [c if c.tzinfo else c.replace(tzinfo=UTC) for c in changed_at(version)]
    modified = max(changes, default=None)
    if modified is not None:
        modified = modified.replace(microsecond=0)
    return PublicVersion(hashlib.sha256(payload.encode()).hexdigest(), modified)
