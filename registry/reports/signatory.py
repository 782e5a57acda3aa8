"""Signatory report: one organisation's commitments, their progress history and next steps.

What it prints is built only from the records of the public view (`registry.disclosure`): a
public report describes a non-public organisation without its name, country or website, shows
its own words only as a coordinator approved them, withholds its evidence links, shows only
accepted signatures and verified updates, and replaces any protected organisation's name in
the text. Contacts, internal notes, review comments and engagement records appear in internal
reports only (DESIGN §4). What it loads is `signatory_data`.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext

from registry.disclosure import View
from registry.reports import signatory_data as data_of
from registry.reports.common import base_context

KIND = "signatory"
INTERNAL_ONLY = False
PARAMETERS = data_of.PARAMETERS
HIDDEN_REFUSAL = data_of.HIDDEN_REFUSAL
OWN = data_of.OWN


def parse_params(raw: dict) -> dict:
    """Check the parameters (see `signatory_data.parse_params`)."""
    return data_of.parse_params(raw)


def _texts(commitments, history) -> list[str]:
    """Every text the report may print, so that organisations named in them are counted among
    the report's for the small-group rule."""
    texts = []
    for commitment in commitments:
        texts += [commitment.title, commitment.description, commitment.indicator_text]
        for update in history[commitment.id]:
            texts += [update.achievements, update.challenges, update.next_steps]
    return [t for t in texts if t]


def _entry(record) -> dict:
    latest_next = next((u.next_steps for u in reversed(record.updates) if u.next_steps), None)
    return {"commitment": record, "next_steps": latest_next}


def own_params(organisation) -> dict:
    """The parameters of an organisation's own report (made on the spot, never as a job)."""
    return {"organisation": organisation.id, "audience": OWN}


def gather(params: dict, view: View | None = None) -> dict:
    """The organisation, its commitments with progress history and next steps (and,
    internally, its engagement records), as the audience may see them (through `view`, for
    the organisation's own preview). The audience "own" (`own_params`) is the organisation's
    own report: its own data in full, every other organisation as the public sees it, and no
    engagement record."""
    audience = params["audience"]
    organisation = data_of.load_organisation(params)
    commitments = data_of.commitments_of(organisation, audience, params.get("pledge"))
    history = data_of.updates_of(commitments, audience)
    if audience == OWN:
        view = View(own=organisation)
    view = view or View(audience)
    view.include(
        [organisation] + [p for c in commitments for p in c.co_implementers],
        _texts(commitments, history),
    )
    records = [view.commitment(c, history[c.id]) for c in commitments]
    entries = [_entry(r) for r in records if r is not None]
    shown = view.organisation(organisation)
    return {
        "organisation": shown,
        "organisation_label": shown.full_name,
        "entries": entries,
        "next_steps": [e for e in entries if e["next_steps"]],
        "engagements": data_of.engagements_of(organisation) if audience == "internal" else [],
    }


def title(params: dict, data: dict) -> str:
    """ "Signatory report: <organisation as the audience may see it>"."""
    return gettext("Signatory report: %(organisation)s", organisation=data["organisation_label"])


def own_marking(data: dict) -> str:
    """What heads every page of an organisation's own report."""
    return gettext(
        "Own data of %(organisation)s — not the public version",
        organisation=data["organisation_label"],
    )


def render_html(params: dict, data: dict, *, fingerprint: str | None, generated_at) -> str:
    """The report's HTML, ready for `render_pdf`."""
    report_title = title(params, data)
    context = base_context(
        title=report_title,
        subject=gettext("Commitments, progress history and next steps of one signatory"),
        audience=params["audience"],
        generated_at=generated_at,
        fingerprint=fingerprint,
        keywords="Global Refugee Forum, pledge, signatory, commitments, progress",
        marking=own_marking(data) if params["audience"] == OWN else None,
    )
    return render_template("reports/pdf/signatory.html", **context, params=params, **data)
