"""Writing planned commitment rows: created signatures, commitments, their links, audit events
and status history inserted in bulk, with the dates the file gives; updated commitments through
the ORM (each flush logs its changes and records its status change)."""

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
    StatusChange,
    VocabularyTerm,
)
from registry.models.history import status_rows

from .bulk import insert_rows
from .commitments import COMMITMENT_DEFAULTS, SIGNATURE_COLUMNS, TERM_COLUMNS, TERM_LINKS


def _signature_state(status: str, values: dict, by, now) -> dict:
    """The state columns of a new signature of `status`, as the signature's own state machine
    sets them (draft → submitted → accepted), on the dates the row gives (else now)."""
    signature = Signature(status=SignatureStatus.draft)
    submitted_at = (
        values.get("signature_submitted_on") or values.get("signature_accepted_on") or now
    )
    if status in ("submitted", "accepted"):
        signature.submit(by, submitted_at)
    if status == "accepted":
        signature.accept(by, values.get("signature_accepted_on") or max(submitted_at, now))
    return {
        "status": signature.status,
        "submitted_at": signature.submitted_at,
        "submitted_by_id": getattr(signature.submitted_by, "id", None),
        "decided_at": signature.decided_at,
        "decided_by_id": getattr(signature.decided_by, "id", None),
        "review_comment": signature.review_comment,
    }


def _signature_path(row: dict) -> list:
    """A created signature's history: submitted, then accepted, on their dates."""
    if row["status"] is SignatureStatus.draft:
        return [(SignatureStatus.draft, row["created_at"])]
    path = [(SignatureStatus.submitted, row["submitted_at"])]
    if row["status"] is SignatureStatus.accepted:
        path.append((SignatureStatus.accepted, row["decided_at"]))
    return path


def _commitment_path(row: dict) -> list:
    """A created commitment's history: its status from when it was pledged, or planning then
    its status from the date the row gives."""
    if row["status_changed_at"] and row["status"] is not CommitmentStatus.planning:
        return [
            (CommitmentStatus.planning, row["pledged_at"]),
            (row["status"], row["status_changed_at"]),
        ]
    return [(row["status"], row["pledged_at"])]


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
    rows, keys = [], []
    for op in created:
        key = (op["pledge"], op["org"])
        if key in found or key in keys:
            continue
        status = op["values"].get("signature_status") or "draft"
        keys.append(key)
        rows.append(
            {"pledge_id": key[0], "organisation_id": key[1], "signed_by_name": None}
            | {"signed_by_title": None, "statement": None, "version": 1}
            | _signature_state(status, op["values"], by, now)
            | {"created_at": now, "updated_at": now}
        )
    ids = insert_rows(Signature.__table__, rows)
    insert_rows(AuditEvent.__table__, created_events(Signature, rows, ids))
    insert_rows(StatusChange.__table__, status_rows(Signature, rows, ids, now, _signature_path))
    return found | dict(zip(keys, ids, strict=True))


def _commitment_row(op: dict, signature_id: int, submitted: dict, now) -> dict:
    values = {
        k: v
        for k, v in op["values"].items()
        if k not in (*TERM_COLUMNS, "countries", *SIGNATURE_COLUMNS)
    }
    # Pledged when the file says, else with its signature, else now.
    pledged_at = values.get("pledged_at") or submitted.get(signature_id) or now
    return (
        COMMITMENT_DEFAULTS
        | values
        | {
            "signature_id": signature_id,
            "status": values.get("status") or CommitmentStatus.planning,
            "pledged_at": pledged_at,
            "status_changed_at": values.get("status_changed_at"),
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
    submitted = _submitted_at(set(signatures.values()))
    rows = [
        _commitment_row(op, signatures[(op["pledge"], op["org"])], submitted, now) for op in created
    ]
    ids = insert_rows(Commitment.__table__, rows)
    insert_rows(AuditEvent.__table__, created_events(Commitment, rows, ids))
    insert_rows(StatusChange.__table__, status_rows(Commitment, rows, ids, now, _commitment_path))
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


def _submitted_at(signature_ids: set[int]) -> dict[int, object]:
    """When each of these signatures was submitted (those submitted)."""
    ids, found = sorted(signature_ids), {}
    for start in range(0, len(ids), 500):
        query = select(Signature.id, Signature.submitted_at).where(
            Signature.id.in_(ids[start : start + 500]), Signature.submitted_at.is_not(None)
        )
        found.update(db.session.execute(query).all())
    return found


def _update_commitments(updates: dict[int, dict]) -> None:
    if not updates:
        return
    query = select(Commitment).where(Commitment.id.in_(list(updates)))
    for commitment in db.session.scalars(query):
        parsed = dict(updates[commitment.id])
        for column in SIGNATURE_COLUMNS:
            parsed.pop(column, None)
        status = parsed.pop("status", None)
        reached = parsed.pop("status_changed_at", None)
        if status is not None:
            commitment.set_status(status, reached)
        for column, value in parsed.items():
            if column in TERM_COLUMNS:
                value = [db.session.get(VocabularyTerm, term_id) for term_id in value]
            setattr(commitment, column, value)
    db.session.flush()
