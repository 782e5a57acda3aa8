"""Importing organisations: rows keyed by external_ref; new ones checked for probable twins."""

from __future__ import annotations

from flask_babel import gettext

from registry.models import Organisation, StakeholderType, Visibility
from registry.organisations.operations import create_organisation
from registry.organisations.queries import find_similar_organisations
from registry.text import normalise_name, site_key

from . import cells
from .base import ImportRow, RowOutcome, by_refs, check_ref

ORGANISATION_PARSERS = {
    "name": lambda c, v: cells.text(c, v, 300, required=True),
    "acronym": lambda c, v: cells.text(c, v, 40),
    "stakeholder_type": lambda c, v: cells.choice(c, v, StakeholderType, required=True),
    "country": cells.country,
    "website": cells.url,
    "is_refugee_led": cells.boolean,
    "visibility": lambda c, v: cells.choice(c, v, Visibility),
    "description": lambda c, v: cells.text(c, v),
}


def _organisation_changes(organisation: Organisation, parsed: dict) -> list[str]:
    kind = parsed.get("stakeholder_type") or organisation.stakeholder_type
    changed = []
    for column, value in parsed.items():
        current = getattr(organisation, column)
        if column == "is_refugee_led":
            value = bool(value) or kind is StakeholderType.refugee_led_organisation
        elif column == "visibility" and value is None:
            continue  # blank: unchanged
        if (value or None) != (current or None):
            changed.append(column)
    if "is_refugee_led" not in parsed and kind is StakeholderType.refugee_led_organisation:
        if not organisation.is_refugee_led:
            changed.append("is_refugee_led")
    return changed


def plan_organisations(rows: list[ImportRow]) -> list[RowOutcome]:
    """What importing each organisation row would do; writes nothing."""
    existing = by_refs(Organisation, {r.values.get("external_ref", "") for r in rows})
    seen_refs: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    seen_sites: dict[str, int] = {}
    outcomes = []
    for row in rows:
        errors: list = []
        ref = row.values.get("external_ref", "")
        check_ref(ref, row.number, seen_refs, errors)
        parsed = cells.parse_row(row.values, ORGANISATION_PARSERS, errors)
        outcome = RowOutcome(row.number, ref or None, "error", errors, values=parsed)
        outcomes.append(outcome)
        if errors:
            continue
        organisation = existing.get(ref)
        if organisation is not None:
            outcome.target = organisation
            outcome.changes = _organisation_changes(organisation, parsed)
            outcome.action = "update" if outcome.changes else "skip"
            continue
        outcome.action = "create"
        name, site = normalise_name(parsed["name"]), site_key(parsed.get("website"))
        for other in find_similar_organisations(parsed["name"], parsed.get("website")):
            ref_text = other.external_ref or gettext("no external_ref")
            outcome.duplicates.append(f"#{other.id} {other.name} ({ref_text})")
        for key, seen, label in ((name, seen_names, "name"), (site, seen_sites, "website")):
            if key and key in seen:
                outcome.duplicates.append(
                    gettext("row %(n)d (same %(what)s)", n=seen[key], what=label)
                )
            elif key:
                seen[key] = row.number
        if outcome.duplicates:
            outcome.action = "duplicate"
    return outcomes


def write_organisation(outcome: RowOutcome, by=None, cache: dict | None = None) -> None:
    """Create or update the row's organisation (`by` and `cache` are not needed here)."""
    parsed = outcome.values
    if outcome.target is None:
        fields = {k: v for k, v in parsed.items() if k not in ("is_refugee_led", "visibility")}
        create_organisation(
            external_ref=outcome.external_ref,
            is_refugee_led=bool(parsed.get("is_refugee_led")),
            visibility=parsed.get("visibility"),
            **fields,
        )
        return
    organisation = outcome.target
    for column, value in parsed.items():
        if column == "visibility" and value is None:
            continue
        if column == "is_refugee_led":
            value = bool(value)
        setattr(organisation, column, value)
