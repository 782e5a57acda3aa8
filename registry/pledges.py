"""Public pledge pages."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from registry import queries
from registry.geo import country_name
from registry.models import Pledge, SubmissionWindow, utcnow
from registry.policies import public
from registry.queries import signature_window
from registry.templating import utc_datetime

__all__ = ["FormState", "bp", "form_state", "get_pledge_or_404", "signature_window"]

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


class FormState(NamedTuple):
    """A pledge form's state: whether it accepts signatures, and that said in plain words."""

    is_open: bool
    message: str


def get_pledge_or_404(slug: str) -> Pledge:
    """Load a pledge by slug or answer 404."""
    return queries.pledge_by_slug(slug) or abort(404)


def form_state(window: SubmissionWindow | None, now: datetime) -> FormState:
    """Say whether the signature window is open, until when, when it opens, or why it is closed."""
    if window is None:
        return FormState(False, _("This form is closed to new submissions."))
    if window.is_open(now):
        if window.closes_at is None:
            return FormState(True, _("Open for signatures."))
        until = utc_datetime(window.closes_at)
        return FormState(True, _("Open for signatures until %(date)s.", date=until))
    if opens_at := window.reopens_at(now):
        return FormState(False, _("Opens on %(date)s.", date=utc_datetime(opens_at)))
    return FormState(False, window.display_closed_message())


@bp.get("")
@public
def index():
    """Every pledge the registry hosts, with its signatory count and form state."""
    pledges = queries.all_pledges()
    now = utcnow()
    states = {p.id: form_state(signature_window(p), now) for p in pledges}
    return render_template(
        "pledges/index.html", pledges=pledges, states=states, totals=queries.signatory_totals()
    )


@bp.get("/<slug>")
@public
def detail(slug: str):
    """A pledge's public page: outcomes, co-leads, signatories as their visibility allows."""
    pledge = get_pledge_or_404(slug)
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        state=form_state(signature_window(pledge), utcnow()),
        signatories=queries.accepted_signatories(pledge, include_hidden=False),
        counts=queries.signatory_counts(pledge),
        country_name=country_name,
    )
