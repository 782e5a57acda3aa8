"""Writing planned commitment rows: created signatures, commitments, their links and audit
events inserted in bulk; updated commitments through the ORM (each flush logs its changes)."""

from __future__ import annotations

from sqlalchemy import select

from registry.audit import created_events
from registry.extensions import db
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentCountry,
    CommitmentStatus,
    Signature,
    SignatureStatus,
    VocabularyTerm,
)

from .bulk import insert_rows
from .commitments import COMMITMENT_DEFAULTS, IMPORT_SIGNATURE_STATUSES, TERM_COLUMNS, TERM_LINKS


def _signature_states(by, now) -> dict[str, dict]:
    """The state columns of a new signature of each status an import may give, as the
    signature's own state machine sets them (draft → submitted → accepted)."""
    states = {}
    for status in IMPORT_SIGNATURE_STATUSES:
        signature = Signature(status=SignatureStatus.draft)
        if status in ("submitted", "accepted"):
            signature.submit(by, now)
        if status == "accepted":
            signature.accept(by, now)
        states[status] = {
            "status": signature.status,
            "submitted_at": signature.submitted_at,
            "submitted_by_id": getattr(signature.submitted_by, "id", None),
            "decided_at": signature.decided_at,
            "decided_by_id": getattr(signature.decided_by, "id", None),
            "review_comment": signature.review_comment,
        }
    return states


def _new_signatures(created: list[dict], by, now) -> dict[tuple[int, int], int]:
    """Signature ids by (pledge id, organisation id) for the created rows, inserting those
    missing (with the status the first row of each gives them) and their audit events."""
    org_ids = sorted({op["org"] for op in created})
    found = {}
    for start in range(0, len(org_ids), 500):
        query = select(Signature.pledge_id, Signature.organisation_id, Signature.id).where(
            Signature.organisation_id.in_(org_ids[start : start + 500])
        )
        found.update(((p, o), id_) for p, o, id_ in db.session.execute(query))
    states, rows, keys = _signature_states(by, now), [], []
    for op in created:
        key = (op["pledge"], op["org"])
        if key in found or key in keys:
            continue
        status = op["values"].get("signature_status") or "draft"
        keys.append(key)
        rows.append(
            {"pledge_id": key[0], "organisation_id": key[1], "signed_by_name": None}
            | {"signed_by_title": None, "statement": None, "version": 1}
            | states[status]
            | {"created_at": now, "updated_at": now}
        )
    ids = insert_rows(Signature.__table__, rows)
    insert_rows(AuditEvent.__table__, created_events(Signature, rows, ids))
    return found | dict(zip(keys, ids, strict=True))


def _commitment_row(op: dict, signature_id: int, now) -> dict:
    values = {
        k: v
        for k, v in op["values"].items()
        if k not in (*TERM_COLUMNS, "countries", "signature_status")
    }
    return (
        COMMITMENT_DEFAULTS
        | values
        | {
            "signature_id": signature_id,
            "status": values.get("status") or CommitmentStatus.planning,
            "progress_percent": None,
            "external_ref": op["ref"],
            "submission_token": None,  # nosec B105 - an empty column, no secret
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )


def write_commitments(ops: list[tuple[str, dict]], by, now) -> None:
    """Insert the created commitments with their signatures, links and audit events in bulk;
    update the others through the ORM."""
    created = [op for action, op in ops if action == "create"]
    signatures = _new_signatures(created, by, now)
    rows = [_commitment_row(op, signatures[(op["pledge"], op["org"])], now) for op in created]
    ids = insert_rows(Commitment.__table__, rows)
    insert_rows(AuditEvent.__table__, created_events(Commitment, rows, ids))
    for column, table in TERM_LINKS.items():
        links = [
            {"commitment_id": id_, "term_id": term_id}
            for op, id_ in zip(created, ids, strict=True)
            for term_id in op["values"].get(column, [])
        ]
        insert_rows(table, links)
    countries = [
        {"commitment_id": id_, "country": code}
        for op, id_ in zip(created, ids, strict=True)
        for code in op["values"].get("countries", [])
    ]
    insert_rows(CommitmentCountry.__table__, countries)
    _update_commitments({op["id"]: op["values"] for action, op in ops if action == "update"})


def _update_commitments(updates: dict[int, dict]) -> None:
    if not updates:
        return
    query = select(Commitment).where(Commitment.id.in_(list(updates)))
    for commitment in db.session.scalars(query):
        parsed = dict(updates[commitment.id])
        parsed.pop("signature_status", None)
        status = parsed.pop("status", None)
        if status is not None:
            commitment.set_status(status)
        for column, value in parsed.items():
            if column in TERM_COLUMNS:
                value = [db.session.get(VocabularyTerm, term_id) for term_id in value]
            setattr(commitment, column, value)
    db.session.flush()
