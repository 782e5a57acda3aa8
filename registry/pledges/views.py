"""Public pledge pages: every pledge the registry hosts, and one pledge with its signatories.

They read only through the public view (`registry.disclosure`): records, never models."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from registry.disclosure import View
from registry.disclosure.pledges import (
    public_pledge,
    public_pledges,
    public_signatories,
    signatory_counts,
)
from registry.policies import public

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


@bp.get("")
@public
def index():
    """Every pledge the registry hosts, with its signatory count and form state."""
    return render_template("pledges/index.html", pledges=public_pledges(View()))


@bp.get("/<slug>")
@public
def detail(slug: str):
    """A pledge's public page: outcomes, co-leads, signatories as their visibility allows."""
    view = View()
    pledge = public_pledge(view, slug) or abort(404)
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        signatories=public_signatories(view, pledge.id),
        counts=signatory_counts(view, pledge.id),
    )
