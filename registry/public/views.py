"""Home page and health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.disclosure import View
from registry.disclosure.pledges import public_pledges
from registry.extensions import db, limiter
from registry.jobs import redis_answers, redis_urls
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
    """Liveness for load balancers (DESIGN §7): the database, and Redis when one is configured
    (jobs, shared rate limits or sessions); 503 when either is unreachable."""
    status, code = {"status": "ok", "database": "ok"}, 200
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        status, code = {"status": "error", "database": "unreachable"}, 503
    for name, url in redis_urls().items():
        if not redis_answers(url):
            status |= {"status": "error", name: "unreachable"}
            code = 503
        else:
            status.setdefault(name, "ok")
    return jsonify(status), code
