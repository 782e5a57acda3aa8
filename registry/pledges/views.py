"""Public pledge pages: every pledge the registry hosts, and one pledge with its signatories.

They read only through the public view (`registry.disclosure`): records, never models."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request

from registry.disclosure import View
from registry.disclosure.pledges import (
    public_pledge,
    public_pledges,
    public_signatories,
    signatory_counts,
)
from registry.lists import ListFilters, url_int
from registry.policies import public

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


@bp.get("")
@public
def index():
    """Every pledge the registry hosts, with its signatory count and form state."""
    return render_template("pledges/index.html", pledges=public_pledges(View()))


@dataclass
class SignatoryPage(ListFilters):
    """The pledge page's one URL parameter beside its slug: which page of signatories."""

    slug: str = ""
    page: int = 1


@bp.get("/<slug>")
@public
def detail(slug: str):
    """A pledge's public page: outcomes, co-leads, signatories (a page of them) as their
    visibility allows."""
    view = View()
    pledge = public_pledge(view, slug) or abort(404)
    signatories = public_signatories(view, pledge.id, url_int(request.args.get("page"), 1))
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        signatories=signatories,
        counts=signatory_counts(view, pledge.id),
        filters=SignatoryPage(slug=pledge.slug, page=signatories.page.page),
        page=signatories.page,
    )
