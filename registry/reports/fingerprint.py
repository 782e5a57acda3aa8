"""The data fingerprint of a report: the same kind and parameters on unchanged data give the same
fingerprint, so a stored PDF can be returned instead of rendering it again (DESIGN §5).

The fingerprint is a SHA-256 over the kind, the normalised parameters, the version vector
(`registry.versions.data_version`) of every table a report may read and a digest of what
decides disclosure (`View.state_digest`: the protected organisations' identifiers, which
include their people's e-mail domains, the approvals and the small-group threshold).
"""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import date, datetime

from registry.disclosure import View
from registry.versions import data_version

#: Every table whose rows a report may show or count.
DOMAIN_TABLES = (
    "pledges",
    "pledge_co_leads",
    "key_outcomes",
    "submission_windows",
    "organisations",
    "contacts",
    "signatures",
    "commitments",
    "commitment_partners",
    "commitment_countries",
    "commitment_action_areas",
    "commitment_risks",
    "commitment_target_populations",
    "progress_updates",
    "engagement_records",
    "engagement_purpose_areas",
    "status_changes",
    "vocabulary_terms",
    "public_wording_approvals",
)


def _jsonable(value):
    """A parameter value as plain JSON: dates in ISO form, enums by name, models by id."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "id"):  # a model instance: its identity is its id
        return value.id
    return str(value)


def normalise_params(params: dict) -> dict:
    """Parsed report parameters as a JSON-safe dict with sorted keys and no empty values."""
    return {k: v for k, v in _jsonable(params or {}).items() if v not in (None, "", [], {})}


def _data_version() -> dict[str, list]:
    """The version of every domain table and of what decides disclosure."""
    return data_version(DOMAIN_TABLES) | {"disclosure": [View().state_digest()]}


def report_fingerprint(kind: str, params: dict, version: dict | None = None) -> str:
    """SHA-256 (hex) over the kind, the normalised parameters and the data version vector."""
    payload = {
        "kind": kind,
        "parameters": normalise_params(params),
        "data": _data_version() if version is None else version,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()
