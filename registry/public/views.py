"""Home page and health check."""

from flask import Blueprint, current_app, jsonify, redirect, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.extensions import db, limiter
from registry.pledges import queries as pledge_queries
from registry.policies import public
from registry.templating import start_page

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """Landing page: what the registry is, and the pledges it hosts."""
    return render_template("public/home.html", pledges=pledge_queries.all_pledges())


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
    """Liveness and database check for load balancers (DESIGN §7)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
