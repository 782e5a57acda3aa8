"""Public pledge pages."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from registry.extensions import db
from registry.models import Pledge, SubmissionWindow, WindowKind, utcnow
from registry.policies import public

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


def get_pledge_or_404(slug: str) -> Pledge:
    """Load a pledge by slug or answer 404."""
    return db.session.scalar(select(Pledge).where(Pledge.slug == slug)) or abort(404)


def signature_window(pledge: Pledge) -> SubmissionWindow | None:
    """The pledge's current signature window: the open one, else the next, else the latest."""
    windows = [w for w in pledge.windows if w.kind is WindowKind.signature]
    now = utcnow()
    for window in windows:
        if window.is_open(now):
            return window
    upcoming = [w for w in windows if w.reopens_at(now)]
    if upcoming:
        return min(upcoming, key=lambda w: w.opens_at)
    return max(windows, key=lambda w: w.id, default=None)


@bp.get("")
@public
def index():
    """Every pledge the registry hosts."""
    pledges = db.session.scalars(select(Pledge).order_by(Pledge.title)).all()
    return render_template("pledges/index.html", pledges=pledges)


@bp.get("/<slug>")
@public
def detail(slug: str):
    """A pledge's public page."""
    pledge = get_pledge_or_404(slug)
    return render_template(
        "pledges/detail.html", pledge=pledge, window=signature_window(pledge), now=utcnow()
    )
