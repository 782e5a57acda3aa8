"""Read-only queries of signatures: an organisation's signatures, and the coordinator's review
work — the review queue and what changed since changes were last requested (read from the
audit trail, the one record of every change)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from registry.disclosure import View
from registry.disclosure.directory import CommitmentQuery, public_commitments
from registry.extensions import db
from registry.models import (
    AmendmentStatus,
    AuditEvent,
    Commitment,
    CommitmentAmendment,
    CommitmentPartner,
    CommitmentRevision,
    GeographicLevel,
    KeyOutcome,
    Organisation,
    PartnerInvitation,
    PartnerNote,
    Pledge,
    Signature,
    SignatureStatus,
    Visibility,
    VocabularyTerm,
)
from registry.policies import in_scope, scope_criteria

# Fields the reviewer asked about are what the stakeholder entered; these move with the review
# itself (or are internal) and would only repeat what the page already says.
_REVIEW_FIELDS_SKIPPED = {
    "Signature": {
        "id",
        "pledge_id",
        "organisation_id",
        "status",
        "review_comment",
        "submitted_at",
        "submitted_by_id",
        "decided_at",
        "decided_by_id",
    },
    "Commitment": {
        "id",
        "signature_id",
        "submission_token",
        "status",
        "progress_percent",
        "external_ref",
    },
}

FIELD_LABELS = {
    "signed_by_name": _l("Signed by"),
    "signed_by_title": _l("Title of the person signing"),
    "statement": _l("Statement"),
    "title": _l("Title"),
    "description": _l("What you will do"),
    "key_outcome_id": _l("Key outcome"),
    "geographic_level": _l("Geographic level"),
    "languages": _l("Languages"),
    "start_date": _l("Start date"),
    "target_date": _l("Target date"),
    "indicator_text": _l("Indicator"),
    "indicator_unit": _l("Indicator unit"),
    "indicator_baseline": _l("Indicator baseline"),
    "indicator_target": _l("Indicator target"),
    "action_areas": _l("Action areas"),
    "risks": _l("Risks addressed"),
    "target_populations": _l("Target populations"),
    "co_implementers": _l("Co-implementing organisations"),
}
_TERM_FIELDS = ("action_areas", "risks", "target_populations")


def review_queue() -> list[tuple[Signature, int]]:
    """Submitted signatures, oldest submission first, each with its number of commitments
    (one statement)."""
    commitment_count = (
        select(func.count(Commitment.id))
        .where(Commitment.signature_id == Signature.id)
        .correlate(Signature)
        .scalar_subquery()
    )
    statement = in_scope(
        select(Signature, commitment_count).where(Signature.status == SignatureStatus.submitted),
        pledge_id=Signature.pledge_id,
        organisation_id=Signature.organisation_id,
    )
    rows = db.session.execute(
        statement.options(
            joinedload(Signature.organisation),
            joinedload(Signature.pledge),
            joinedload(Signature.submitted_by),
        ).order_by(Signature.submitted_at.asc(), Signature.id.asc())
    ).all()
    return [(signature, count) for signature, count in rows]


#: What the review page shows of a signature, loaded with it (see policies.get_signature_or_404).
FOR_REVIEW = (
    joinedload(Signature.organisation),
    joinedload(Signature.pledge),
    joinedload(Signature.submitted_by),
    selectinload(Signature.commitments).selectinload(Commitment.key_outcome),
    selectinload(Signature.commitments).selectinload(Commitment.action_areas),
    selectinload(Signature.commitments).selectinload(Commitment.risks),
    selectinload(Signature.commitments).selectinload(Commitment.target_populations),
    selectinload(Signature.commitments).selectinload(Commitment.country_links),
    selectinload(Signature.commitments).selectinload(Commitment.co_implementers),
)


def wording_records(signature: Signature) -> list[tuple[object, str | None]]:
    """(record, label) of the free text a signature publishes: its organisation's description,
    its statement and each commitment; a coordinator approves their public wording together."""
    records: list[tuple[object, str | None]] = [(signature.organisation, None), (signature, None)]
    return records + [
        (c, str(_l("Commitment “%(title)s”", title=c.title))) for c in signature.commitments
    ]


def signature_preview(view: View, signature: Signature) -> dict:
    """A signature and its commitments as the public will see them once it is accepted
    (`view` a preview view), for the public preview page."""
    commitments = list(signature.commitments)
    organisation = signature.organisation
    partners = [p for c in commitments for p in c.co_implementers]
    texts = [signature.statement, organisation.description]
    texts += [t for c in commitments for t in (c.title, c.description, c.indicator_text)]
    view.include([organisation, *partners], [t for t in texts if t])
    records = [view.commitment(c, c.progress_updates) for c in commitments]
    return {
        "signature": signature,
        "hidden": organisation.visibility is Visibility.hidden,
        "shown": view.signature(signature, [r for r in records if r is not None]),
        "entries": [{"commitment": r} for r in records if r is not None],
        "own_only": view.only_id is not None,
    }


def signature_of(pledge: Pledge, organisation: Organisation) -> Signature | None:
    """The organisation's signature of the pledge, if it has started one."""
    return db.session.scalar(
        select(Signature).where(
            Signature.pledge_id == pledge.id, Signature.organisation_id == organisation.id
        )
    )


#: The pledge form's steps, in order: (endpoint, step number).
STEPS = ("signing.organisation", "signing.signatory", "signing.commitments", "signing.review")


def steps_needing_attention(signature: Signature | None) -> set[str]:
    """The steps of the pledge form still to do: the profile before the first save, who signs,
    at least one commitment; and the check-and-submit step while the draft is not submitted or
    the coordinators asked for changes."""
    if signature is None:
        return set(STEPS)
    todo = set()
    if not signature.signed_by_name:
        todo.add("signing.signatory")
    if not signature.commitments:
        todo.add("signing.commitments")
    if signature.is_editable:
        todo.add("signing.review")
    return todo


def first_step_to_continue(signature: Signature | None) -> str:
    """Where "Continue" leads: the first step that needs attention. After a change request it
    is the check-and-submit page, which shows the coordinators' comment and a link to change
    each part."""
    if signature is not None and signature.status is SignatureStatus.changes_requested:
        return "signing.review"
    todo = steps_needing_attention(signature)
    return next(step for step in STEPS if step in todo or step == STEPS[-1])


def last_change_request(signature: Signature) -> AuditEvent | None:
    """The audit event of the latest "changes requested" decision on `signature`, if any."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "Signature",
            AuditEvent.entity_id == signature.id,
            AuditEvent.action == "update",
        )
        .order_by(AuditEvent.id.desc())
    )
    for event in events:
        if (event.after or {}).get("status") == SignatureStatus.changes_requested.name:
            return event
    return None


def changes_since_last_review(signature: Signature) -> list[dict]:
    """What the stakeholder changed since a coordinator last requested changes, from the audit
    trail: one dict per change, signature fields first, then commitments in creation order.

    Each dict has `entity_type` ("Signature" or "Commitment"), `entity_id`, `title` (of the
    commitment), `change` ("changed", "added" or "removed"), and for "changed" also `field`,
    `label`, `old` and `new` (display strings, None when empty). Several edits of one field
    collapse into one change from the first old value to the last new one; a field edited back
    to its old value, or a commitment added and removed again, is not listed. Returns [] when
    changes were never requested. (Commitment countries are not audited, so are not listed.)
    """
    cutoff = last_change_request(signature)
    if cutoff is None:
        return []
    signature_events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "Signature",
            AuditEvent.entity_id == signature.id,
            AuditEvent.action == "update",
            AuditEvent.id > cutoff.id,
        )
        .order_by(AuditEvent.id)
    )
    signature_fields: dict[str, list] = {}
    for event in signature_events:
        _collect(signature_fields, event, _REVIEW_FIELDS_SKIPPED["Signature"])
    entities = {("Signature", signature.id): {"change": "changed", "fields": signature_fields}}
    for life in _commitment_lives(signature, cutoff.id):
        entities[("Commitment", life["entity_id"], life["born"])] = life
    return _describe(signature, entities)


def _collect(changed: dict[str, list], event: AuditEvent, skipped: set[str]) -> None:
    """Fold an update event into `changed`: field -> [first old value, last new value]."""
    for key, new in (event.after or {}).items():
        if key not in skipped:
            changed.setdefault(key, [(event.before or {}).get(key), new])[1] = new


def _commitment_lives(signature: Signature, cutoff_id: int) -> list[dict]:
    """Replay the audit events of the signature's commitments, past and present, and classify
    each commitment as added, removed or changed after the event `cutoff_id`.

    The database is the truth about which commitments exist now: removing a commitment from a
    signature deletes it as an orphan, which may leave no "delete" event, and SQLite may give a
    new commitment the id of a removed one (a "create" event then ends the earlier one).
    """
    current_ids = {c.id for c in signature.commitments}
    created_here = select(AuditEvent.entity_id).where(
        AuditEvent.entity_type == "Commitment",
        AuditEvent.action == "create",
        AuditEvent.after["signature_id"].as_integer() == signature.id,
    )
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "Commitment",
            or_(AuditEvent.entity_id.in_(created_here), AuditEvent.entity_id.in_(current_ids)),
        )
        .order_by(AuditEvent.id)
    )
    lives: list[dict] = []
    latest: dict[int, dict] = {}

    def begin(entity_id: int, born: int, snapshot: dict, ours: bool) -> dict:
        if entity_id in latest and latest[entity_id]["ended"] is None:
            latest[entity_id]["ended"] = born
        life = {"entity_id": entity_id, "born": born, "ended": None, "ours": ours}
        life |= {"title": snapshot.get("title"), "fields": {}}
        lives.append(life)
        latest[entity_id] = life
        return life

    skipped = _REVIEW_FIELDS_SKIPPED["Commitment"]
    for event in events:
        if event.action == "create":
            ours = (event.after or {}).get("signature_id") == signature.id
            begin(event.entity_id, event.id, event.after or {}, ours)
            continue
        life = latest.get(event.entity_id) or begin(
            event.entity_id, 0, event.before or {}, event.entity_id in current_ids
        )
        if event.action == "delete":
            life["ended"] = event.id
            continue
        life["title"] = (event.after or {}).get("title", life["title"])
        if event.id > cutoff_id:
            _collect(life["fields"], event, skipped)
    for life in lives:
        alive_now = life["entity_id"] in current_ids and latest[life["entity_id"]] is life
        ended_before = life["ended"] is not None and life["ended"] < cutoff_id
        at_cutoff = life["born"] < cutoff_id and not ended_before
        if not life["ours"] or (not at_cutoff and not alive_now):
            life["change"] = None
        elif not at_cutoff:
            life["change"] = "added" if life["born"] > cutoff_id else None
        else:
            life["change"] = "changed" if alive_now else "removed"
    return [life for life in lives if life["change"]]


def _describe(signature: Signature, entities: dict) -> list[dict]:
    """The collected net changes as display rows (names instead of ids)."""
    titles = {c.id: c.title for c in signature.commitments}
    names = _names_for(entities)
    rows = []
    for key, entity in sorted(entities.items(), key=lambda item: (item[0][0] != "Signature",)):
        entity_type, entity_id = key[0], key[1]
        title = entity.get("title") if entity["change"] == "removed" else titles.get(entity_id)
        base = {"entity_type": entity_type, "entity_id": entity_id, "title": title}
        if entity["change"] != "changed":
            rows.append(base | {"change": entity["change"]})
            continue
        for field, (old, new) in entity["fields"].items():
            if old == new:
                continue
            rows.append(
                base
                | {
                    "change": "changed",
                    "field": field,
                    "label": FIELD_LABELS.get(field, field.replace("_", " ")),
                    "old": _display(field, old, names),
                    "new": _display(field, new, names),
                }
            )
    return rows


def _names_for(entities: dict) -> dict[tuple[str, int], str]:
    """Labels of the vocabulary terms, key outcomes and organisations the changes refer to
    (one statement per kind that occurs)."""
    wanted: dict[str, set[int]] = {"term": set(), "outcome": set(), "organisation": set()}
    for entity in entities.values():
        for key, values in entity["fields"].items():
            for value in values:
                if key in _TERM_FIELDS:
                    wanted["term"].update(value or [])
                elif key == "co_implementers":
                    wanted["organisation"].update(value or [])
                elif key == "key_outcome_id" and value is not None:
                    wanted["outcome"].add(value)
    names = {}
    for kind, model, attribute in (
        ("term", VocabularyTerm, "label"),
        ("outcome", KeyOutcome, "title"),
        ("organisation", Organisation, "name"),
    ):
        if wanted[kind]:
            for obj in db.session.scalars(select(model).where(model.id.in_(wanted[kind]))):
                names[(kind, obj.id)] = str(getattr(obj, attribute))
    return names


def _display(key: str, value, names: dict) -> str | None:
    """A field value as the reviewer reads it."""
    if value is None or value == [] or value == "":
        return None
    if key in _TERM_FIELDS or key == "co_implementers":
        kind = "term" if key in _TERM_FIELDS else "organisation"
        return ", ".join(names.get((kind, i), f"#{i}") for i in value)
    if key == "key_outcome_id":
        return names.get(("outcome", value), f"#{value}")
    if key == "geographic_level" and value in GeographicLevel.__members__:
        return GeographicLevel[value].label
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# -- amendments after acceptance ------------------------------------------------------------

AMENDMENT_LABELS = FIELD_LABELS | {
    "action_area_ids": _l("Action areas"),
    "risk_ids": _l("Risks addressed"),
    "target_population_ids": _l("Target populations"),
    "countries": _l("Countries"),
    "co_implementer_ids": _l("Co-implementing organisations"),
    "match_ids": _l("Matching commitments"),
}


def open_amendment(commitment: Commitment) -> CommitmentAmendment | None:
    """The proposal waiting on a published commitment (submitted or changes requested)."""
    return db.session.scalar(
        select(CommitmentAmendment).where(CommitmentAmendment.open_key == commitment.id)
    )


def amendments_of(signature: Signature) -> list[CommitmentAmendment]:
    """Every proposal made on the signature, newest first."""
    return list(
        db.session.scalars(
            select(CommitmentAmendment)
            .where(CommitmentAmendment.signature_id == signature.id)
            .order_by(CommitmentAmendment.id.desc())
        )
    )


def amendment_queue() -> list[CommitmentAmendment]:
    """Proposals waiting for a decision (within the coordinator's scope), oldest first."""
    return list(
        db.session.scalars(
            in_scope(
                select(CommitmentAmendment)
                .join(CommitmentAmendment.signature)
                .where(CommitmentAmendment.status == AmendmentStatus.submitted),
                pledge_id=Signature.pledge_id,
                organisation_id=Signature.organisation_id,
            )
            .options(
                joinedload(CommitmentAmendment.signature).joinedload(Signature.organisation),
                joinedload(CommitmentAmendment.signature).joinedload(Signature.pledge),
                joinedload(CommitmentAmendment.commitment),
                joinedload(CommitmentAmendment.proposed_by),
            )
            .order_by(CommitmentAmendment.proposed_at, CommitmentAmendment.id)
        )
    )


def get_amendment(amendment_id: int) -> CommitmentAmendment | None:
    """One proposal (the caller checks who may see it)."""
    return db.session.get(CommitmentAmendment, amendment_id)


def revisions_of(commitment: Commitment) -> list[CommitmentRevision]:
    """Every accepted change of the commitment, newest first."""
    return list(
        db.session.scalars(
            select(CommitmentRevision)
            .where(CommitmentRevision.commitment_id == commitment.id)
            .options(
                joinedload(CommitmentRevision.proposed_by),
                joinedload(CommitmentRevision.accepted_by),
                joinedload(CommitmentRevision.on_behalf_of),
            )
            .order_by(CommitmentRevision.at.desc(), CommitmentRevision.id.desc())
        )
    )


def readable_changes(changes: dict, name_of) -> list[dict]:
    """Rows {label, old, new} of a diff ({field: [before, after]}) as people read it;
    `name_of(organisation)` names co-implementers as the reader may see them."""
    term_ids = {
        i
        for name in ("action_area_ids", "risk_ids", "target_population_ids")
        for pair in [changes.get(name) or [[], []]]
        for side in pair
        for i in side or []
    }
    org_ids = {i for side in changes.get("co_implementer_ids") or [[], []] for i in side or []}
    terms = {
        t.id: t.label
        for t in (
            db.session.scalars(select(VocabularyTerm).where(VocabularyTerm.id.in_(term_ids)))
            if term_ids
            else []
        )
    }
    orgs = {
        o.id: name_of(o)
        for o in (
            db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))
            if org_ids
            else []
        )
    }
    outcome_ids = {i for i in changes.get("key_outcome_id") or [] if i}
    outcomes = {
        o.id: o.title
        for o in (
            db.session.scalars(select(KeyOutcome).where(KeyOutcome.id.in_(outcome_ids)))
            if outcome_ids
            else []
        )
    }

    def show(name, value):
        if value in (None, "", []):
            return None
        if name in ("action_area_ids", "risk_ids", "target_population_ids"):
            return ", ".join(terms.get(i, "?") for i in value)
        if name == "co_implementer_ids":
            return ", ".join(orgs.get(i) or "?" for i in value)
        if name == "match_ids":
            return ", ".join(f"#{i}" for i in value)
        if name == "key_outcome_id":
            return outcomes.get(value, "?")
        if name == "geographic_level":
            return GeographicLevel[value].label
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    return [
        {"label": AMENDMENT_LABELS.get(name, name), "old": show(name, old), "new": show(name, new)}
        for name, (old, new) in changes.items()
    ]


def match_candidates(view: View, q: str | None, exclude_id: int | None = None) -> list:
    """Published commitments whose public text holds `q` (through the public view), to pick
    matching commitments by number; at most 20."""
    if not (q or "").strip():
        return []
    page = public_commitments(view, CommitmentQuery(q=q.strip()[:200]), 1, 20)
    return [r for r in page.rows if r.id != exclude_id]


# -- joint commitments ----------------------------------------------------------------------


def partner_link(commitment_id: int, organisation_id: int) -> CommitmentPartner | None:
    """The organisation's part in a joint commitment, if it is named on it."""
    return db.session.get(CommitmentPartner, (commitment_id, organisation_id))


def partners_of(commitment: Commitment) -> list[CommitmentPartner]:
    """Each co-implementer of the commitment with its answer."""
    return list(
        db.session.scalars(
            select(CommitmentPartner)
            .where(CommitmentPartner.commitment_id == commitment.id)
            .options(joinedload(CommitmentPartner.organisation))
            .order_by(CommitmentPartner.organisation_id)
        )
    )


def partner_notes(commitment: Commitment, organisation_id: int | None = None) -> list[PartnerNote]:
    """The co-implementers' notes on the commitment (of one organisation, when given)."""
    statement = select(PartnerNote).where(PartnerNote.commitment_id == commitment.id)
    if organisation_id is not None:
        statement = statement.where(PartnerNote.organisation_id == organisation_id)
    return list(
        db.session.scalars(
            statement.options(
                joinedload(PartnerNote.organisation), joinedload(PartnerNote.author)
            ).order_by(PartnerNote.id)
        )
    )


def partner_invitations(commitment: Commitment) -> list[PartnerInvitation]:
    """The lead's invitations of unregistered co-implementers to the commitment."""
    return list(
        db.session.scalars(
            select(PartnerInvitation)
            .where(PartnerInvitation.commitment_id == commitment.id)
            .order_by(PartnerInvitation.id)
        )
    )


def partner_candidates(lead_id: int, named=()) -> list[Organisation]:
    """Every organisation but the lead, by name (a coordinator names any co-implementer); for
    a coordinator scoped to regions, the public ones, those of its scope and those already
    `named` (a protected organisation of another region is outside its scope)."""
    statement = select(Organisation).where(Organisation.id != lead_id)
    criteria = scope_criteria(organisation_id=Organisation.id)
    if criteria:
        statement = statement.where(
            or_(
                Organisation.visibility == Visibility.public,
                and_(*criteria),
                Organisation.id.in_([o.id for o in named]),
            )
        )
    return list(db.session.scalars(statement.order_by(Organisation.name)))
