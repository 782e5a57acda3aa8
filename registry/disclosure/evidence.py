"""Which evidence files the public may download: the one public decision about them.

A file is public only when a coordinator published it (`is_public`), its update is verified,
its signature accepted, its organisation public (never an anonymised or hidden one, whatever
the coordinator ticked), and its name names no protected organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from registry.extensions import db
from registry.models import EvidenceFile, ReviewState, SignatureStatus, Visibility

from .view import View


@dataclass(frozen=True)
class PublicEvidence:
    """An evidence file as public pages list it."""

    id: int
    update_id: int
    filename: str
    content_type: str
    size: int


def is_public_file(view: View, evidence: EvidenceFile) -> bool:
    """Whether `view` (a public output) may offer this file; internal views offer every one."""
    if not view.public:
        return True
    update = evidence.progress_update
    signature = update.commitment.signature
    return (
        evidence.is_public
        and update.review_state is ReviewState.verified
        and signature.status is SignatureStatus.accepted
        and signature.organisation.visibility is Visibility.public
        and not view.redactor.find(evidence.filename)
    )


def public_evidence(view: View, update_ids) -> dict[int, list[PublicEvidence]]:
    """Per update id, the files `view` may offer (one statement, then the decision)."""
    ids = [i for i in update_ids if i is not None]
    if not ids:
        return {}
    query = select(EvidenceFile).where(EvidenceFile.progress_update_id.in_(ids))
    if view.public:
        query = query.where(EvidenceFile.is_public.is_(True))
    found: dict[int, list[PublicEvidence]] = {}
    for evidence in db.session.scalars(query.order_by(EvidenceFile.id)):
        if is_public_file(view, evidence):
            found.setdefault(evidence.progress_update_id, []).append(
                PublicEvidence(
                    evidence.id,
                    evidence.progress_update_id,
                    evidence.filename,
                    evidence.content_type,
                    evidence.size,
                )
            )
    return found


def public_file(view: View, file_id: int, commitment_id: int) -> EvidenceFile | None:
    """The file the public asks for on a commitment's page, or None when it may not have it
    (the same answer for a file that does not exist: no existence oracle)."""
    evidence = db.session.get(EvidenceFile, file_id)
    if evidence is None or evidence.progress_update.commitment_id != commitment_id:
        return None
    return evidence if is_public_file(view, evidence) else None
