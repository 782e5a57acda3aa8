"""Read-only queries of following: what a user follows, and one day's changes of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from registry.disclosure import INTERNAL, View
from registry.extensions import db
from registry.models import (
    Commitment,
    CommitmentRevision,
    CommitmentStatus,
    Follow,
    FollowKind,
    Organisation,
    Pledge,
    ProgressUpdate,
    ReviewState,
    Role,
    Signature,
    StatusChange,
    User,
)
from registry.policies import may_see_publicly, scope_of

#: The fields of an accepted amendment, as the digest groups them (never their values, which
#: are free text).
FIELD_GROUPS = {
    "title": "title",
    "description": "description",
    "indicator_text": "indicator",
    "indicator_unit": "indicator",
    "indicator_baseline": "indicator",
    "indicator_target": "indicator",
    "start_date": "dates",
    "target_date": "dates",
    "geographic_level": "geography",
    "countries": "geography",
}

#: How the digest names each group of fields.
FIELD_LABELS = {
    "title": _l("title"),
    "description": _l("description"),
    "indicator": _l("indicator"),
    "dates": _l("dates"),
    "geography": _l("geography"),
    "other": _l("other details"),
}


def follows_of(user: User) -> list[Follow]:
    """Everything `user` follows, oldest first."""
    return list(
        db.session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.id))
    )


def follow_of(user: User, kind: FollowKind, entity_id: int) -> Follow | None:
    """`user`'s follow of that commitment, organisation or pledge, if any."""
    return db.session.scalar(
        select(Follow).where(
            Follow.user_id == user.id, Follow.kind == kind, Follow.entity_id == entity_id
        )
    )


def stamp(user: User) -> str:
    """A short digest of what `user` follows: part of a cached public page's version, so
    that its Follow button is never a stale copy."""
    ids = db.session.scalars(select(Follow.id).where(Follow.user_id == user.id).order_by(Follow.id))
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:12]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC day `day` as [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def view_for(user: User) -> View:
    """How `user` reads the registry in e-mail: staff the internal view; a stakeholder the
    public view, with their own organisation's records as their own (every other protected
    organisation is never named)."""
    if user.role in (Role.coordinator, Role.admin):
        return View(INTERNAL)
    if user.organisation is not None:
        return View(own=user.organisation)
    return View()


def followers() -> list[User]:
    """The active users who follow anything."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.id.in_(select(Follow.user_id)))
            .options(selectinload(User.organisation))
            .order_by(User.id)
        )
    )


@dataclass
class Change:
    """One change of a followed commitment on the day: `kind` is "status", "update",
    "amendment" or "new"."""

    kind: str
    at: datetime
    commitment_id: int
    from_status: CommitmentStatus | None = None
    to_status: CommitmentStatus | None = None
    progress_percent: int | None = None
    fields: list[str] = field(default_factory=list)


@dataclass
class DigestEntry:
    """A change as the recipient may read it: the commitment through their view, and where
    to read more."""

    change: Change
    commitment: object  # PublicCommitment
    link: tuple[str, dict]


def _followed_commitment_ids(user: User) -> set[int]:
    by_kind: dict[FollowKind, list[int]] = {kind: [] for kind in FollowKind}
    for follow in follows_of(user):
        by_kind[follow.kind].append(follow.entity_id)
    ids = set(by_kind[FollowKind.commitment])
    if by_kind[FollowKind.organisation] or by_kind[FollowKind.pledge]:
        ids |= set(
            db.session.scalars(
                select(Commitment.id)
                .join(Signature, Commitment.signature_id == Signature.id)
                .where(
                    or_(
                        Signature.organisation_id.in_(by_kind[FollowKind.organisation]),
                        Signature.pledge_id.in_(by_kind[FollowKind.pledge]),
                    )
                )
            )
        )
    return ids


def _status(name: str | None) -> CommitmentStatus | None:
    return CommitmentStatus[name] if name in CommitmentStatus.__members__ else None


def changes_on(day: date, commitment_ids: set[int]) -> list[Change]:
    """Every change of the commitments `commitment_ids` in the UTC day `day`, in order."""
    if not commitment_ids:
        return []
    start, end = day_bounds(day)
    ids = sorted(commitment_ids)
    changes = [
        Change("status", row.at, row.entity_id, _status(row.from_status), _status(row.to_status))
        for row in db.session.scalars(
            select(StatusChange).where(
                StatusChange.entity_type == "Commitment",
                StatusChange.entity_id.in_(ids),
                StatusChange.from_status.is_not(None),
                StatusChange.at >= start,
                StatusChange.at < end,
            )
        )
    ]
    changes += [
        Change(
            "update",
            u.reviewed_at,
            u.commitment_id,
            to_status=u.status,
            progress_percent=u.progress_percent,
        )
        for u in db.session.scalars(
            select(ProgressUpdate).where(
                ProgressUpdate.commitment_id.in_(ids),
                ProgressUpdate.review_state == ReviewState.verified,
                ProgressUpdate.reviewed_at >= start,
                ProgressUpdate.reviewed_at < end,
            )
        )
    ]
    for revision in db.session.scalars(
        select(CommitmentRevision).where(
            CommitmentRevision.commitment_id.in_(ids),
            CommitmentRevision.at >= start,
            CommitmentRevision.at < end,
        )
    ):
        if revision.kind == "new":
            changes.append(Change("new", revision.at, revision.commitment_id))
        else:
            groups = sorted({FIELD_GROUPS.get(name, "other") for name in revision.changes})
            changes.append(Change("amendment", revision.at, revision.commitment_id, fields=groups))
    # A signature accepted that day publishes its commitments: each is new.
    for row in db.session.execute(
        select(StatusChange.at, Commitment.id)
        .join(Commitment, Commitment.signature_id == StatusChange.entity_id)
        .where(
            StatusChange.entity_type == "Signature",
            StatusChange.to_status == "accepted",
            StatusChange.at >= start,
            StatusChange.at < end,
            Commitment.id.in_(ids),
        )
    ):
        changes.append(Change("new", row.at, row.id))
    return sorted(changes, key=lambda c: (c.at, c.commitment_id, c.kind))


def _link(user: User, commitment: Commitment) -> tuple[str, dict]:
    if user.role in (Role.coordinator, Role.admin):
        return "commitments.detail", {"commitment_id": commitment.id}
    if may_see_publicly(commitment):
        return "directory.commitment", {"commitment_id": commitment.id}
    return "organisations.mine", {}


def digest_for(user: User, day: date, view: View | None = None) -> list[DigestEntry]:
    """The changes of the day `day` of what `user` follows, as they may read them: only what
    their view shows (a stakeholder: the public view, their own organisation's as their own),
    and for a scoped coordinator only within the scope."""
    view = view or view_for(user)
    changes = changes_on(day, _followed_commitment_ids(user))
    commitments = {
        c.id: c
        for c in db.session.scalars(
            select(Commitment).where(Commitment.id.in_({c.commitment_id for c in changes}))
        )
    }
    scope = scope_of(user) if user.role is Role.coordinator else None
    entries, records = [], {}
    for change in changes:
        commitment = commitments[change.commitment_id]
        if scope is not None and not scope.allows_signature(commitment.signature):
            continue
        if commitment.id not in records:
            records[commitment.id] = view.commitment(commitment)
        if records[commitment.id] is None:
            continue
        entries.append(DigestEntry(change, records[commitment.id], _link(user, commitment)))
    return entries


@dataclass
class Followed:
    """A row of the user's following page: what it is and its name as they may read it."""

    follow: Follow
    label: str | None
    link: tuple[str, dict] | None


def followed_items(user: User) -> list[Followed]:
    """What `user` follows, each named through their view (None: no longer theirs to see)."""
    view = view_for(user)
    rows = []
    for follow in follows_of(user):
        label, link = None, None
        if follow.kind is FollowKind.pledge:
            pledge = db.session.get(Pledge, follow.entity_id)
            if pledge is not None:
                label, link = pledge.title, ("pledges.detail", {"slug": pledge.slug})
        elif follow.kind is FollowKind.organisation:
            organisation = db.session.get(Organisation, follow.entity_id)
            if organisation is not None:
                label = view.name(organisation)
                link = _organisation_link(user, organisation)
        else:
            commitment = db.session.get(Commitment, follow.entity_id)
            record = view.commitment(commitment) if commitment is not None else None
            if record is not None:
                label, link = record.title, _link(user, commitment)
        rows.append(Followed(follow, label, link if label else None))
    return rows


def _organisation_link(user: User, organisation: Organisation) -> tuple[str, dict]:
    if user.role in (Role.coordinator, Role.admin):
        return "organisations.detail", {"organisation_id": organisation.id}
    if user.organisation_id == organisation.id:
        return "organisations.mine", {}
    return "directory.organisation", {"organisation_id": organisation.id}
