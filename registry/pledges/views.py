"""Public pledge pages: every pledge the registry hosts, and one pledge with its signatories."""

from __future__ import annotations

from flask import Blueprint, render_template

from registry.geo import country_name
from registry.models import WindowKind, utcnow
from registry.pledges import queries
from registry.policies import get_pledge_or_404, public
from registry.templating import window_words

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


@bp.get("")
@public
def index():
    """Every pledge the registry hosts, with its signatory count and form state."""
    pledges = queries.all_pledges()
    now = utcnow()
    states = {p.id: window_words(p.current_window(WindowKind.signature, now), now) for p in pledges}
    return render_template(
        "pledges/index.html", pledges=pledges, states=states, totals=queries.signatory_totals()
    )


@bp.get("/<slug>")
@public
def detail(slug: str):
    """A pledge's public page: outcomes, co-leads, signatories as their visibility allows."""
    pledge = get_pledge_or_404(slug)
    now = utcnow()
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        state=window_words(pledge.current_window(WindowKind.signature, now), now),
        signatories=queries.public_signatories(pledge),
        counts=queries.signatory_counts(pledge),
        country_name=country_name,
    )
