"""Home page and health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.disclosure import View
from registry.disclosure.pledges import public_pledges
from registry.extensions import db, limiter
from registry.policies import public

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """Landing page: what the registry is, and the pledges it hosts."""
    return render_template("public/home.html", pledges=public_pledges(View()))


@bp.get("/healthz")
@public
@limiter.exempt
def healthz():
    """Liveness and database check for load balancers (DESIGN §7)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
