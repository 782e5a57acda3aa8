"""Importing progress reports that coordinators collected by spreadsheet (issue 5 point 7).

One row per commitment and progress window, keyed by the commitment (external_ref or id) and the
window (label or id). New updates are inserted in bulk (submitted, and verified when the row
says so, by the update's own state machine) with their audit events; updates already there are
saved and submitted through `save_progress_update` and verified through `verify_progress_update`.
Either way the commitment's status follows its latest verified update, as on the web. The
window's dates are not enforced: coordinators import reports collected after the fact.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.audit import created_events
from registry.extensions import db
from registry.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    ProgressUpdate,
    ReviewState,
    Signature,
    SubmissionWindow,
    WindowKind,
)
from registry.progress.operations import (
    PROGRESS_FIELDS,
    refresh_commitment_progress,
    save_progress_update,
    verify_progress_update,
)

from . import cells
from .base import ImportRow, RowOutcome, by_refs
from .bulk import insert_rows

#: Review states an imported update may be given: submitted (the default) or verified.
IMPORT_REVIEW_STATES = (ReviewState.submitted, ReviewState.verified)
MAX_EVIDENCE_LINKS = 10
MAX_TEXT = 5000
CHUNK = 500


def _percent(column: str, raw: str) -> int | None:
    value = cells.whole_number(column, raw)
    if value is not None and not 0 <= value <= 100:
        raise cells.CellError(
            column, gettext("“%(value)s” is not a percentage from 0 to 100", value=raw)
        )
    return value


def _links(column: str, raw: str) -> list[str]:
    links = cells.list_of(cells.url)(column, raw)
    if len(links) > MAX_EVIDENCE_LINKS:
        raise cells.CellError(column, gettext("give at most %(n)d links", n=MAX_EVIDENCE_LINKS))
    return links


def _review_state(column: str, raw: str) -> ReviewState:
    state = cells.choice(column, raw, ReviewState) or ReviewState.submitted
    if state not in IMPORT_REVIEW_STATES:
        names = ", ".join(s.name for s in IMPORT_REVIEW_STATES)
        raise cells.CellError(
            column, gettext("“%(value)s” is not one of %(names)s", value=raw, names=names)
        )
    return state


PROGRESS_PARSERS = {
    "status": lambda c, v: cells.choice(c, v, CommitmentStatus, required=True),
    "progress_percent": _percent,
    "actual_value": cells.number,
    "achievements": lambda c, v: cells.text(c, v, MAX_TEXT),
    "challenges": lambda c, v: cells.text(c, v, MAX_TEXT),
    "next_steps": lambda c, v: cells.text(c, v, MAX_TEXT),
    "evidence_links": _links,
    "review_state": _review_state,
    "submitted_on": cells.fact_date,
    "verified_on": cells.fact_date,
}


def _in_chunks(values) -> list[list]:
    values = sorted(values)
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


class _ProgressContext:
    """The commitments and existing updates a chunk of rows refers to (`load`), and the
    progress windows of their pledges (kept for the whole file)."""

    def __init__(self):
        self.windows: dict[int, list[SubmissionWindow]] = {}

    def load(self, rows: list[ImportRow]) -> None:
        with_pledge = selectinload(Commitment.signature).selectinload(Signature.pledge)
        self.by_ref = by_refs(
            Commitment, {r.values.get("commitment_external_ref", "") for r in rows}, with_pledge
        )
        ids = {r.values.get("commitment_id", "") for r in rows}
        self.by_id = {}
        for chunk in _in_chunks({int(i) for i in ids if i.isdigit()}):
            query = select(Commitment).where(Commitment.id.in_(chunk)).options(with_pledge)
            self.by_id.update((c.id, c) for c in db.session.scalars(query))
        commitments = {c.id: c for c in [*self.by_ref.values(), *self.by_id.values()]}
        pledge_ids = {c.signature.pledge_id for c in commitments.values()} - set(self.windows)
        for pledge_id in pledge_ids:
            self.windows[pledge_id] = []
        for window in db.session.scalars(
            select(SubmissionWindow)
            .where(
                SubmissionWindow.kind == WindowKind.progress,
                SubmissionWindow.pledge_id.in_(pledge_ids or [0]),
            )
            .order_by(SubmissionWindow.id)
        ):
            self.windows[window.pledge_id].append(window)
        self.updates: dict[tuple[int, int], ProgressUpdate] = {}
        for chunk in _in_chunks(commitments):
            query = select(ProgressUpdate).where(ProgressUpdate.commitment_id.in_(chunk))
            self.updates.update(
                ((u.commitment_id, u.window_id), u) for u in db.session.scalars(query)
            )


def _row_key(row: ImportRow) -> str | None:
    """How the row is named in outcomes: its commitment and window as the file gives them."""
    ref = row.values.get("commitment_external_ref") or (
        f"#{row.values['commitment_id']}" if row.values.get("commitment_id") else ""
    )
    window = row.values.get("window", "")
    return " · ".join(part for part in (ref, window) if part) or None


def _find_commitment(row: ImportRow, ctx: _ProgressContext, errors: list) -> Commitment | None:
    """The commitment named by external_ref and/or id (both must agree when both are given)."""
    ref, raw_id = (row.values.get(c, "") for c in ("commitment_external_ref", "commitment_id"))
    found = []
    if not ref and not raw_id:
        errors.append(("commitment_external_ref", gettext("is required (or give commitment_id)")))
    if ref:
        commitment = ctx.by_ref.get(ref)
        if commitment is None:
            errors.append(
                (
                    "commitment_external_ref",
                    gettext("no commitment has the external_ref “%(ref)s”", ref=ref),
                )
            )
        found.append(commitment)
    if raw_id:
        commitment = ctx.by_id.get(int(raw_id)) if raw_id.isdigit() else None
        if commitment is None:
            errors.append(
                ("commitment_id", gettext("no commitment has the id “%(id)s”", id=raw_id))
            )
        found.append(commitment)
    if len(found) == 2 and None not in found and found[0] is not found[1]:
        errors.append(
            (
                "commitment_id",
                gettext(
                    "is another commitment than the external_ref “%(ref)s” (id %(id)d)",
                    ref=ref,
                    id=found[0].id,
                ),
            )
        )
        return None
    return found[0] if found and None not in found else None


def _find_window(
    row: ImportRow, commitment: Commitment, ctx: _ProgressContext, errors: list
) -> SubmissionWindow | None:
    """The progress window of the commitment's pledge named by label (any case) or id."""
    raw = row.values.get("window", "")
    if not raw:
        errors.append(("window", gettext("is required")))
        return None
    pledge = commitment.signature.pledge
    windows = ctx.windows.get(pledge.id, [])
    matches = [w for w in windows if w.label.casefold() == raw.casefold() or str(w.id) == raw]
    if len(matches) == 1:
        return matches[0]
    if matches:
        errors.append(
            (
                "window",
                gettext("several progress windows are called “%(value)s”; give its id", value=raw),
            )
        )
    elif windows:
        labels = "; ".join(f"{w.label} (id {w.id})" for w in windows)
        errors.append(
            (
                "window",
                gettext(
                    "“%(value)s” is not a progress window of the pledge %(pledge)s; its progress "
                    "windows are %(labels)s",
                    value=raw,
                    pledge=pledge.slug,
                    labels=labels,
                ),
            )
        )
    else:
        errors.append(
            (
                "window",
                gettext("the pledge %(pledge)s has no progress window yet", pledge=pledge.slug),
            )
        )
    return None


def _update_data(parsed: dict, existing: ProgressUpdate | None) -> dict:
    """Every field `save_progress_update` needs: from the row, else kept from the update."""
    data = {}
    for name in PROGRESS_FIELDS:
        if name in parsed:
            data[name] = parsed[name]
        elif existing is not None:
            data[name] = getattr(existing, name)
        else:
            data[name] = None
    data["evidence_links"] = list(data["evidence_links"] or [])
    return data


def _changes(update: ProgressUpdate, data: dict, review_state: ReviewState) -> list[str]:
    """The fields the row changes, and review_state when the update will move on."""
    changed = [
        name
        for name in PROGRESS_FIELDS
        if (
            list(update.evidence_links or []) if name == "evidence_links" else getattr(update, name)
        )
        != data[name]
    ]
    # Import moves an update forward (draft or returned → submitted → verified), never back.
    if update.review_state is not ReviewState.verified and (
        review_state is ReviewState.verified or update.review_state is not ReviewState.submitted
    ):
        changed.append("review_state")
    return changed


def _check_dates(parsed: dict, review_state: ReviewState, errors: list) -> None:
    submitted, verified = parsed.get("submitted_on"), parsed.get("verified_on")
    if verified and review_state is not ReviewState.verified:
        errors.append(("verified_on", gettext("is given for an update that is not verified")))
    if submitted and verified and verified < submitted:
        errors.append(("verified_on", gettext("is before the update was submitted")))


class ProgressPlanner:
    """Plans progress rows chunk by chunk; remembers the (commitment, window) pairs seen."""

    def __init__(self):
        self.ctx = _ProgressContext()
        self.seen: dict[tuple[int, int], int] = {}

    def plan(self, rows: list[ImportRow]) -> list[tuple[RowOutcome, dict | None]]:
        """What importing each row would do, with the write it needs; writes nothing."""
        self.ctx.load(rows)
        return [self._plan_row(row) for row in rows]

    def _plan_row(self, row: ImportRow) -> tuple[RowOutcome, dict | None]:
        ctx, seen, errors = self.ctx, self.seen, []
        parsed = cells.parse_row(row.values, PROGRESS_PARSERS, errors)
        outcome = RowOutcome(row.number, _row_key(row), "error", errors, values=parsed)
        commitment = _find_commitment(row, ctx, errors)
        window = _find_window(row, commitment, ctx, errors) if commitment else None
        key = (commitment.id, window.id) if window else None
        if key in seen:
            errors.append(
                (
                    "window",
                    gettext(
                        "row %(n)d already reports on this commitment in this window", n=seen[key]
                    ),
                )
            )
        elif key:
            seen[key] = row.number
        existing = ctx.updates.get(key) if key else None
        data = _update_data(parsed, existing)
        percent = data["progress_percent"]
        if data["status"] is CommitmentStatus.fulfilled and percent is not None and percent < 100:
            # Ask, never silently fix (as the web form does, which asks for a confirmation).
            errors.append(
                (
                    "progress_percent",
                    gettext("fulfilled with progress below 100 %: correct the percentage"),
                )
            )
        review_state = parsed.get("review_state", ReviewState.submitted)
        _check_dates(parsed, review_state, errors)
        if errors:
            return outcome, None
        op = {"commitment": commitment.id, "window": window.id, "data": data}
        op["review_state"] = review_state
        # The dated facts: when it was submitted and verified (blank: the day of the import).
        verified_at = parsed.get("verified_on")
        op["submitted_at"] = parsed.get("submitted_on") or verified_at
        op["verified_at"] = verified_at
        if existing is None:
            outcome.action = "create"
            return outcome, op
        changes = _changes(existing, data, review_state)
        if existing.review_state is ReviewState.verified and changes:
            errors.append((None, gettext("this update is verified and can no longer be changed")))
            return outcome, None
        outcome.changes = changes
        outcome.action = "update" if changes else "skip"
        return outcome, (op if changes else None)


def write_progress(ops: list[tuple[str, dict]], by, now) -> None:
    """Insert new updates (submitted, or verified) in bulk with their audit events, save the
    others through the progress operations; then each commitment follows its latest verified
    update."""
    rows = []
    for action, op in ops:
        if action != "create":
            continue
        update = ProgressUpdate(
            commitment_id=op["commitment"], window_id=op["window"], **op["data"]
        )
        submitted_at = op.get("submitted_at") or now
        update.submit(by, submitted_at)
        if op["review_state"] is ReviewState.verified:
            update.verify(by, op.get("verified_at") or max(submitted_at, now))
        rows.append(_columns(update, now))
    ids = insert_rows(ProgressUpdate.__table__, rows)
    insert_rows(AuditEvent.__table__, created_events(ProgressUpdate, rows, ids))
    _save_updates([op for action, op in ops if action == "update"], by, now)
    verified = {r["commitment_id"] for r in rows if r["review_state"] is ReviewState.verified}
    if verified:
        query = (
            select(Commitment)
            .where(Commitment.id.in_(sorted(verified)))
            .options(selectinload(Commitment.progress_updates).selectinload(ProgressUpdate.window))
        )
        for commitment in db.session.scalars(query):
            refresh_commitment_progress(commitment, flush=False)
        db.session.flush()


def _columns(update: ProgressUpdate, now) -> dict:
    """A new update's row: its columns as the state machine left them."""
    keys = [c.key for c in ProgressUpdate.__table__.columns if c.key != "id"]
    row = {key: getattr(update, key) for key in keys}
    row["evidence_links"] = list(row["evidence_links"] or [])
    # The ORM numbers a row's first version when it flushes; a bulk insert says it itself.
    return row | {"created_at": now, "updated_at": now, "version": 1}


def _save_updates(ops: list[dict], by, now) -> None:
    """Updates already there: saved, submitted and verified as on the web."""
    if not ops:
        return
    commitments = {
        c.id: c
        for c in db.session.scalars(
            select(Commitment).where(Commitment.id.in_(sorted({op["commitment"] for op in ops})))
        )
    }
    for op in ops:
        commitment = commitments[op["commitment"]]
        window = db.session.get(SubmissionWindow, op["window"])
        update = save_progress_update(commitment, window, op["data"], by, submit=True, now=now)
        if op["review_state"] is ReviewState.verified:
            verify_progress_update(update, by, op.get("verified_at") or now)
