"""The public directory: commitments across pledges (filters, facets, search, pages), one
commitment, signatories across pledges, one public organisation. Every filtered view has its
own URL. They read only through the public view, as the API does (the same functions), and
answer 304 when the public data has not changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from registry import evidence
from registry.charts import bar_chart
from registry.disclosure import View, public_evidence, public_file
from registry.disclosure.directory import (
    PER_PAGE,
    CommitmentQuery,
    SignatoryQuery,
    cached_facets,
    pledge_progress,
    public_commitment,
    public_commitments,
    public_organisation,
    public_signatures,
)
from registry.disclosure.pledges import public_pledge, public_pledges
from registry.disclosure.version import public_version
from registry.following import queries as following
from registry.kept import Kept
from registry.lists import last_page, url_int
from registry.policies import public
from registry.web import not_modified, versioned

bp = Blueprint("directory", __name__)


@dataclass
class DirectoryArgs:
    """A directory page's URL parameters: its filters and which page (for the pagination)."""

    query: object
    page: int = 1
    extra: dict = field(default_factory=dict)

    def to_args(self, **changes) -> dict:
        """The URL parameters of this view, with `changes`."""
        args = self.query.to_args() | self.extra | changes
        return {k: v for k, v in args.items() if not (k == "page" and v == 1)}


def _conditional(render):
    """Answer 304 when the public data, the URL and the language are unchanged; else render
    and mark the page with its version."""
    version = public_version()
    # The page's frame differs for a signed-in person (account menu, language form): a copy
    # kept while signed out is never theirs.
    # (and its Follow buttons: what the user follows is part of it).
    viewer = (
        f"{current_user.fs_uniquifier}.{following.stamp(current_user)}"
        if current_user.is_authenticated
        else "-"
    )
    etag = version.etag(request.full_path, str(get_locale()), viewer)
    if (cached := not_modified(etag, version.modified)) is not None:
        return cached
    return versioned(make_response(render(version.tag)), etag, version.modified)


def _page_of(listing, view, query):
    """The requested page of `listing(view, query, page, per_page)`; past the end, the last."""
    page = listing(view, query, url_int(request.args.get("page"), 1), PER_PAGE)
    if page.page > last_page(page.total, PER_PAGE):
        page = listing(view, query, last_page(page.total, PER_PAGE), PER_PAGE)
    return page


@bp.get("/commitments")
@public
def commitments():
    """Every public commitment, filtered, searched and a page at a time, with facets."""
    query = CommitmentQuery.from_args(request.args)

    def main(version: str) -> Markup:
        page = _page_of(public_commitments, View(), query)
        html = render_template(
            "directory/_commitments_main.html",
            page=page,
            query=query,
            facets=cached_facets(version, str(get_locale()), query),
            filters=DirectoryArgs(query, page.page),
        )
        # nosec B704: a template rendered with autoescaping (every value in it is escaped).
        return Markup(html)  # nosec B704

    def render(version: str):
        return render_template("directory/commitments.html", main=_kept_main(version, main))

    return _conditional(render)


#: The directory list's main part as rendered for anonymous readers, by (public data
#: version, URL, language): it holds no form token, no account and no flashed message (the
#: page's frame, rendered for each request, does). Bounded: the oldest go first.
_MAINS: Kept[Markup] = Kept(128)


def _kept_main(version: str, render) -> Markup:
    if current_user.is_authenticated:
        return render(version)
    key = (version, request.full_path, str(get_locale()))
    return _MAINS.build(key, lambda: render(version))


@bp.get("/commitments/<int:commitment_id>")
@public
def commitment(commitment_id: int):
    """A public commitment: what, who, where, its indicator and its verified progress."""

    def render(_version: str):
        view = View()
        record = public_commitment(view, commitment_id) or abort(404)
        files = public_evidence(view, [u.id for u in record.updates])
        return render_template("directory/commitment.html", commitment=record, files=files)

    return _conditional(render)


@bp.get("/commitments/<int:commitment_id>/evidence/<int:file_id>")
@public
def evidence_file(commitment_id: int, file_id: int):
    """An evidence file a coordinator published with a verified update of a public
    organisation (anything else: 404)."""
    view = View()
    if public_commitment(view, commitment_id) is None:
        abort(404)
    kept = public_file(view, file_id, commitment_id) or abort(404)
    return evidence.download(kept, public=True)


#: The dashboard's charts: (facet, title), each linked to the directory filtered to it.
PANELS = (
    ("status", _l("Commitments by status")),
    ("stakeholder_type", _l("Commitments by stakeholder type")),
    ("region", _l("Commitments by region")),
    ("key_outcome", _l("Commitments by key outcome")),
    ("risk", _l("Commitments by risk addressed")),
)


def _panel(slug: str, name: str, title: str, facets) -> dict:
    """A chart and its data table. A group of fewer organisations than the small-group
    threshold reads "fewer than 3" in the table and has no bar (a bar's length is a count)."""
    rows = [
        {
            "label": f.label,
            "count": f.shown,
            "small": f.is_small,
            "link": url_for("directory.commitments", pledge=slug, **{name: f.value}),
        }
        for f in facets
    ]
    data = {row["label"]: row["count"].value for row in rows if not row["small"]}
    links = {row["label"]: row["link"] for row in rows}
    return {
        "id": name,
        "title": str(title),
        "rows": rows,
        "svg": bar_chart(str(title), data, links, web=True),
    }


@bp.get("/pledges/<slug>/progress")
@public
def progress(slug: str):
    """A pledge's public progress dashboard: its commitments by status, stakeholder type,
    region, key outcome and risk, each chart beside its data, each figure linked to the
    directory filtered to it; and the share that reported in the latest cycle."""

    def render(_version: str):
        pledge = public_pledge(View(), slug) or abort(404)
        figures = pledge_progress(pledge.slug)
        panels = [_panel(pledge.slug, n, t, figures.facets[n]) for n, t in PANELS]
        return render_template(
            "directory/progress.html", pledge=pledge, figures=figures, panels=panels
        )

    return _conditional(render)


@bp.get("/signatories")
@public
def signatories():
    """Every listed signatory across pledges, a page at a time."""
    query = SignatoryQuery.from_args(request.args)

    def render(_version: str):
        view = View()
        page = _page_of(public_signatures, view, query)
        return render_template(
            "directory/signatories.html",
            page=page,
            query=query,
            filters=DirectoryArgs(query, page.page),
            pledges=public_pledges(view),
        )

    return _conditional(render)


@bp.get("/organisations/<int:organisation_id>")
@public
def organisation(organisation_id: int):
    """A public organisation's page: its signatures and commitments (a non-public one has
    none: 404, like an organisation that does not exist)."""

    def render(_version: str):
        profile = public_organisation(View(), organisation_id) or abort(404)
        return render_template("directory/organisation.html", profile=profile)

    return _conditional(render)
