"""Importing organisations: rows keyed by external_ref; new ones checked for probable twins.

Planned a chunk of rows at a time (their records and twins looked up in a few statements per
chunk, by the indexed twin keys); created rows are inserted in bulk with their audit events,
updated ones through the ORM (each flush logs its changes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext
from sqlalchemy import select

from registry.audit import created_events
from registry.extensions import db
from registry.models import AuditEvent, Organisation, StakeholderType, Visibility
from registry.organisations.operations import organisation_row
from registry.text import normalise_name, site_key, website_domain

from . import cells
from .base import ImportRow, RowOutcome, by_refs, check_ref, one_of
from .bulk import insert_rows

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


class OrganisationPlanner:
    """Plans organisation rows chunk by chunk; remembers the file's refs, names and sites."""

    def __init__(self):
        self.seen_refs: dict[str, int] = {}
        self.seen_names: dict[str, int] = {}
        self.seen_sites: dict[str, int] = {}

    def plan(self, rows: list[ImportRow]) -> list[tuple[RowOutcome, dict | None]]:
        """What importing each row would do, with the write it needs; writes nothing."""
        existing = by_refs(Organisation, {r.values.get("external_ref", "") for r in rows})
        parsed_rows = []
        for row in rows:
            errors: list = []
            ref = row.values.get("external_ref", "")
            check_ref(ref, row.number, self.seen_refs, errors)
            parsed = cells.parse_row(row.values, ORGANISATION_PARSERS, errors)
            parsed_rows.append((row, ref, parsed, errors))
        # The twin keys of each new row, computed once: for the look-up and for the row.
        keys = {
            row.number: (normalise_name(parsed["name"].strip()), site_key(parsed.get("website")))
            for row, ref, parsed, errors in parsed_rows
            if not errors and ref not in existing
        }
        twins = _twins(keys.values())
        result = []
        for row, ref, parsed, errors in parsed_rows:
            outcome = RowOutcome(row.number, ref or None, "error", errors, values=parsed)
            result.append((outcome, None))
            if errors:
                continue
            organisation = existing.get(ref)
            if organisation is not None:
                outcome.changes = _organisation_changes(organisation, parsed)
                outcome.action = "update" if outcome.changes else "skip"
                if outcome.changes:
                    result[-1] = (outcome, {"id": organisation.id, "values": parsed})
                continue
            outcome.action = "create"
            row_keys = keys[row.number]
            outcome.duplicates = self._duplicates(row, parsed, row_keys, twins)
            if outcome.duplicates:
                outcome.action = "duplicate"
            result[-1] = (outcome, {"ref": ref, "values": parsed, "keys": row_keys})
        return result

    def _duplicates(self, row: ImportRow, parsed: dict, keys: tuple, twins: dict) -> list[str]:
        """Registered organisations, and earlier rows, this new row is probably the same as
        (`keys`: its name key and site key)."""
        found = {
            o.id: o
            for field, key in zip(("name_key", "site_key"), keys, strict=True)
            if key
            for o in twins.get((field, key), [])
        }
        duplicates = [
            f"#{o.id} {o.name} ({o.external_ref or gettext('no external_ref')})"
            for _id, o in sorted(found.items())
        ]
        name, site = keys[0], website_domain(parsed.get("website"))
        for key, seen, label in (
            (name, self.seen_names, "name"),
            (site, self.seen_sites, "website"),
        ):
            if key and key in seen:
                duplicates.append(gettext("row %(n)d (same %(what)s)", n=seen[key], what=label))
            elif key:
                seen[key] = row.number
        return duplicates


def _twins(keys: Iterable[tuple[str | None, str | None]]) -> dict[tuple[str, str], list]:
    """Registered organisations sharing a name key or site key with the rows (`keys`: their
    (name key, site key)), by ("name_key" or "site_key", key): equality on the indexed keys
    (the name itself, not its other names), each side in one statement."""
    keys = list(keys)
    name_keys = sorted({name for name, _site in keys if name})
    site_keys = sorted({site for _name, site in keys if site})
    found = {}
    for column, wanted in ((Organisation.name_key, name_keys), (Organisation.site_key, site_keys)):
        if wanted:
            query = select(Organisation).where(one_of(column, wanted))
            found.update((o.id, o) for o in db.session.scalars(query))
    by_key: dict[tuple[str, str], list] = defaultdict(list)
    for _id, organisation in sorted(found.items()):
        for field in ("name_key", "site_key"):
            if getattr(organisation, field):
                by_key[(field, getattr(organisation, field))].append(organisation)
    return by_key


def write_organisations(ops: list[tuple[str, dict]], by, now) -> None:
    """Insert the created organisations (and their audit events) in bulk, update the others."""
    created = [op for action, op in ops if action != "update"]
    rows = [
        organisation_row(op["values"] | {"external_ref": op["ref"]}, now, tuple(op["keys"]))
        for op in created
    ]
    ids = insert_rows(Organisation.__table__, rows)
    insert_rows(AuditEvent.__table__, created_events(Organisation, rows, ids))
    updates = {op["id"]: op["values"] for action, op in ops if action == "update"}
    if not updates:
        return
    query = select(Organisation).where(Organisation.id.in_(list(updates)))
    for organisation in db.session.scalars(query):
        for column, value in updates[organisation.id].items():
            if column == "visibility" and value is None:
                continue
            if column == "is_refugee_led":
                value = bool(value)
            setattr(organisation, column, value)
    db.session.flush()
