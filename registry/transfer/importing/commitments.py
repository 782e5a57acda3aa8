"""Importing commitments: rows keyed by external_ref, placed in their organisation's signature of
the pledge (created when missing, with the status the file gives it).

Pledges and vocabularies are looked up once per file, organisations, commitments and signatures
once per chunk of rows. Writing the planned rows is in `commitment_writes`.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.models import (
    Commitment,
    CommitmentStatus,
    GeographicLevel,
    Organisation,
    Pledge,
    Signature,
    VocabularyKind,
    VocabularyTerm,
)
from registry.models.signatures import (
    commitment_action_areas,
    commitment_risks,
    commitment_target_populations,
)

from . import cells
from .base import ImportRow, RowOutcome, by_refs, check_ref

#: Signature statuses an import may give a signature it creates (older data was often accepted).
IMPORT_SIGNATURE_STATUSES = ("draft", "submitted", "accepted")

TERM_COLUMNS = {
    "risks": VocabularyKind.risk,
    "action_areas": VocabularyKind.action_area,
    "target_populations": VocabularyKind.target_population,
}
TERM_LINKS = {
    "risks": commitment_risks,
    "action_areas": commitment_action_areas,
    "target_populations": commitment_target_populations,
}
#: A new commitment's columns when the file leaves them out (the model's defaults).
COMMITMENT_DEFAULTS = {
    "description": "",
    "key_outcome_id": None,
    "geographic_level": None,
    "languages": [],
    "start_date": None,
    "target_date": None,
    "indicator_text": None,
    "indicator_unit": None,
    "indicator_baseline": None,
    "indicator_target": None,
}


COMMITMENT_PARSERS = {
    "title": lambda c, v: cells.text(c, v, 300, required=True),
    "description": lambda c, v: v or "",
    "key_outcome": lambda c, v: cells.whole_number(c, v),
    "status": lambda c, v: cells.choice(c, v, CommitmentStatus),
    "geographic_level": lambda c, v: cells.choice(c, v, GeographicLevel),
    "countries": cells.list_of(cells.country),
    "risks": lambda c, v: cells.split(v.lower()),
    "action_areas": lambda c, v: cells.split(v.lower()),
    "target_populations": lambda c, v: cells.split(v.lower()),
    "languages": lambda c, v: cells.split(v),
    "start_date": cells.iso_date,
    "target_date": cells.iso_date,
    "indicator_text": lambda c, v: cells.text(c, v),
    "indicator_unit": lambda c, v: cells.text(c, v, 100),
    "indicator_baseline": cells.number,
    "indicator_target": cells.number,
    "signature_status": lambda c, v: v.lower() or None,
    "pledged_on": cells.fact_date,
    "status_changed_on": cells.fact_date,
    "signature_submitted_on": cells.fact_date,
    "signature_accepted_on": cells.fact_date,
}
#: Columns about the row's signature (used when the import creates it, never changed after).
SIGNATURE_COLUMNS = ("signature_status", "signature_submitted_on", "signature_accepted_on")
#: The dated facts' columns and the commitment attributes they set.
FACT_COLUMNS = {"pledged_on": "pledged_at", "status_changed_on": "status_changed_at"}


#: Organisations a commitment import keeps loaded between chunks (bounds its memory).
KEEP_ORGANISATIONS = 20_000


class _CommitmentContext:
    """What commitment rows refer to: pledges and terms once per file; organisations,
    commitments and signatures once per chunk (`load`); signatures the file will create."""

    def __init__(self):
        self.pledges = {
            p.slug: p
            for p in db.session.scalars(select(Pledge).options(selectinload(Pledge.key_outcomes)))
        }
        self.terms = {
            (t.kind, t.code.lower()): t for t in db.session.scalars(select(VocabularyTerm))
        }
        self.organisations: dict[str, Organisation] = {}
        self.signatures: dict[tuple[int, int], Signature] = {}
        # Signatures this import will create: (pledge id, organisation id) -> (status, row)
        self.new_signatures: dict[tuple[int, int], tuple[str, int]] = {}

    def load(self, rows: list[ImportRow]) -> None:
        """The organisations, commitments and signatures a chunk of rows names (organisations
        and their signatures kept for the next chunks, up to `KEEP_ORGANISATIONS`: the rows of a
        file name the same organisations again and again)."""
        refs = {r.values.get("organisation_external_ref", "") for r in rows}
        if len(self.organisations) + len(refs) > KEEP_ORGANISATIONS:
            self.organisations, self.signatures = {}, {}
        found = by_refs(Organisation, refs - self.organisations.keys())
        self.organisations.update(found)
        self.commitments = by_refs(
            Commitment,
            {r.values.get("external_ref", "") for r in rows},
            selectinload(Commitment.signature).selectinload(Signature.organisation),
            selectinload(Commitment.signature).selectinload(Signature.pledge),
            selectinload(Commitment.risks),
            selectinload(Commitment.action_areas),
            selectinload(Commitment.target_populations),
            selectinload(Commitment.country_links),
        )
        org_ids = [o.id for o in found.values()]
        self.signatures.update(
            ((s.pledge_id, s.organisation_id), s)
            for s in db.session.scalars(
                select(Signature).where(Signature.organisation_id.in_(org_ids or [0]))
            )
        )


def _resolve_commitment(row: ImportRow, parsed: dict, ctx: _CommitmentContext, errors: list):
    """Check references (organisation, pledge, key outcome, terms); returns (org, pledge)."""
    org_ref = row.values.get("organisation_external_ref", "")
    organisation = ctx.organisations.get(org_ref)
    if not org_ref:
        errors.append(("organisation_external_ref", gettext("is required")))
    elif organisation is None:
        errors.append(
            (
                "organisation_external_ref",
                gettext(
                    "no organisation has the external_ref “%(ref)s” (import organisations first)",
                    ref=org_ref,
                ),
            )
        )
    slug = row.values.get("pledge", "")
    pledge = ctx.pledges.get(slug)
    if not slug:
        errors.append(("pledge", gettext("is required")))
    elif pledge is None:
        errors.append(("pledge", gettext("no pledge has the slug “%(slug)s”", slug=slug)))
    number = parsed.get("key_outcome")
    if pledge is not None and number is not None:
        if not 1 <= number <= len(pledge.key_outcomes):
            errors.append(
                (
                    "key_outcome",
                    gettext(
                        "choose 1 to %(n)d (the pledge's key outcomes)", n=len(pledge.key_outcomes)
                    ),
                )
            )
        else:
            parsed["key_outcome_id"] = pledge.key_outcomes[number - 1].id
    if "key_outcome" in parsed:
        parsed.setdefault("key_outcome_id", None)
        del parsed["key_outcome"]
    for column, kind in TERM_COLUMNS.items():
        if column not in parsed:
            continue
        unknown = [code for code in parsed[column] if (kind, code) not in ctx.terms]
        if unknown:
            valid = sorted(code for k, code in ctx.terms if k is kind)
            errors.append(
                (
                    column,
                    gettext(
                        "unknown code(s) %(codes)s; use %(valid)s",
                        codes=", ".join(unknown),
                        valid=", ".join(valid),
                    ),
                )
            )
        else:
            parsed[column] = [ctx.terms[(kind, code)].id for code in dict.fromkeys(parsed[column])]
    if "countries" in parsed:
        parsed["countries"] = list(dict.fromkeys(parsed["countries"]))
    start, target = parsed.get("start_date"), parsed.get("target_date")
    if start and target and target < start:
        errors.append(("target_date", gettext("is before the start date")))
    _check_fact_dates(parsed, errors)
    status = parsed.get("signature_status")
    if status is not None and status not in IMPORT_SIGNATURE_STATUSES:
        errors.append(
            (
                "signature_status",
                gettext(
                    "“%(value)s” is not one of %(names)s",
                    value=status,
                    names=", ".join(IMPORT_SIGNATURE_STATUSES),
                ),
            )
        )
    return organisation, pledge


def _check_fact_dates(parsed: dict, errors: list) -> None:
    """Facts in their order: submitted ≤ accepted, pledged ≤ status reached; the columns are
    renamed to the attributes they set (`pledged_at`, `status_changed_at`)."""
    submitted, accepted = parsed.get("signature_submitted_on"), parsed.get("signature_accepted_on")
    if submitted and accepted and accepted < submitted:
        errors.append(("signature_accepted_on", gettext("is before the signature was submitted")))
    if accepted and parsed.get("signature_status") not in (None, "accepted"):
        errors.append(("signature_accepted_on", gettext("is given for a signature not accepted")))
    pledged, reached = parsed.get("pledged_on"), parsed.get("status_changed_on")
    if pledged and reached and reached < pledged:
        errors.append(("status_changed_on", gettext("is before the commitment was pledged")))
    for column, attribute in FACT_COLUMNS.items():
        if column in parsed:
            value = parsed.pop(column)
            if value is not None:
                parsed[attribute] = value


def _check_signature(row, parsed, organisation, pledge, ctx, errors) -> None:
    """The row's signature exists with a compatible status, or the import will create it."""
    key = (pledge.id, organisation.id)
    wanted = parsed.get("signature_status")
    signature = ctx.signatures.get(key)
    if signature is not None:
        _keeps_signature_status(wanted, signature, errors)
        return
    planned = ctx.new_signatures.get(key)
    wanted = wanted or "draft"
    if planned and planned[0] != wanted:
        errors.append(
            (
                "signature_status",
                gettext(
                    "row %(n)d gives this signature the status %(s)s", n=planned[1], s=planned[0]
                ),
            )
        )
    elif not planned:
        ctx.new_signatures[key] = (wanted, row.number)


def _commitment_changes(commitment: Commitment, parsed: dict) -> list[str]:
    changed = []
    for column, value in parsed.items():
        if column in SIGNATURE_COLUMNS:
            continue
        if column == "status_changed_at" and parsed.get("status") in (None, commitment.status):
            continue  # the date of a status the row does not change
        if column in TERM_COLUMNS:
            same = set(value) == {t.id for t in getattr(commitment, column)}
        elif column == "countries":
            same = sorted(value) == sorted(commitment.countries)
        elif column == "languages":
            same = value == list(commitment.languages or [])
        elif column == "status" and value is None:
            same = True  # blank: unchanged
        elif column in FACT_COLUMNS.values():
            stored = getattr(commitment, column)  # a file gives days: the same day is the same
            same = stored is not None and value.date() == stored.date()
        else:
            same = value == getattr(commitment, column)
        if not same:
            changed.append("key_outcome" if column == "key_outcome_id" else column)
    return changed


class CommitmentPlanner:
    """Plans commitment rows chunk by chunk; remembers the file's refs and new signatures."""

    def __init__(self):
        self.ctx = _CommitmentContext()
        self.seen_refs: dict[str, int] = {}

    def plan(self, rows: list[ImportRow]) -> list[tuple[RowOutcome, dict | None]]:
        """What importing each row would do, with the write it needs; writes nothing."""
        ctx = self.ctx
        ctx.load(rows)
        result = []
        for row in rows:
            errors: list = []
            ref = row.values.get("external_ref", "")
            check_ref(ref, row.number, self.seen_refs, errors)
            parsed = cells.parse_row(row.values, COMMITMENT_PARSERS, errors)
            organisation, pledge = _resolve_commitment(row, parsed, ctx, errors)
            outcome = RowOutcome(row.number, ref or None, "error", errors, values=parsed)
            result.append((outcome, None))
            if organisation is None or pledge is None:
                continue
            commitment = ctx.commitments.get(ref)
            if commitment is not None:
                _check_existing(commitment, organisation, pledge, parsed, errors)
                if errors:
                    continue
                outcome.changes = _commitment_changes(commitment, parsed)
                outcome.action = "update" if outcome.changes else "skip"
                if outcome.changes:
                    result[-1] = (outcome, {"id": commitment.id, "values": parsed})
                continue
            _check_signature(row, parsed, organisation, pledge, ctx, errors)
            if not errors:
                outcome.action = "create"
                op = {"ref": ref, "org": organisation.id, "pledge": pledge.id, "values": parsed}
                result[-1] = (outcome, op)
        return result


def _check_existing(commitment, organisation, pledge, parsed: dict, errors: list) -> None:
    """A row naming a registered commitment may change it, never move it or break its rules."""
    signature = commitment.signature
    if (signature.organisation_id, signature.pledge_id) != (organisation.id, pledge.id):
        errors.append(
            (
                "organisation_external_ref",
                gettext(
                    "this commitment belongs to %(org)s on %(pledge)s; an import cannot move it",
                    org=signature.organisation.external_ref or signature.organisation.name,
                    pledge=signature.pledge.slug,
                ),
            )
        )
    status = parsed.get("status")
    if status is not None and status is not commitment.status:
        if (commitment.status, status) not in Commitment.TRANSITIONS:
            errors.append(
                (
                    "status",
                    gettext(
                        "cannot go from %(old)s to %(new)s",
                        old=commitment.status.name,
                        new=status.name,
                    ),
                )
            )
    _keeps_signature_status(parsed.get("signature_status"), signature, errors)


def _keeps_signature_status(wanted: str | None, signature: Signature, errors: list) -> None:
    """A row may name its signature's status, never change it."""
    if wanted and wanted != signature.status.name:
        errors.append(
            (
                "signature_status",
                gettext(
                    "the organisation's signature is already %(status)s; an import does not "
                    "change it",
                    status=signature.status.name,
                ),
            )
        )
