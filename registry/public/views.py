"""Home page and health check."""

from flask import Blueprint, current_app, jsonify, redirect, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.disclosure import View
from registry.disclosure.pledges import public_pledges
from registry.extensions import db, limiter
from registry.jobs import redis_answers, redis_urls
from registry.policies import public
from registry.templating import start_page

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """Landing page: what the registry is, and the pledges it hosts."""
    return render_template("public/home.html", pledges=public_pledges(View()))


@bp.get("/start")
@public
def start():
    """Where a user begins after logging in: the dashboard for staff, My organisation for
    stakeholders (Flask-Security's post-login view), the home page for visitors."""
    return redirect(start_page(current_user))


@bp.get("/favicon.ico")
@public
@limiter.exempt
def favicon():
    """The registry's mark for browsers that ask for /favicon.ico."""
    return current_app.send_static_file("img/favicon.ico")


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
