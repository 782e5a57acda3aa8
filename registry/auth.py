"""Registration of an organisation and its first user (login, reset, change: Flask-Security)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_security import login_user
from sqlalchemy.exc import IntegrityError

from registry import operations
from registry.extensions import db, limiter
from registry.forms import RegistrationForm
from registry.policies import public

bp = Blueprint("auth", __name__, url_prefix="/account")


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20/hour", methods=["POST"])
def register():
    """Register an organisation and its first (stakeholder) user, then log them in."""
    form = RegistrationForm()
    form.set_country_choices()
    if form.validate_on_submit():
        try:
            user = operations.register_organisation(form.organisation_data(), form.user_data())
        except operations.OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            try:
                db.session.commit()
            except IntegrityError:  # the same form posted twice at once
                db.session.rollback()
                return redirect(url_for("security.login"))
            login_user(user, authn_via=["register"])
            db.session.commit()
            flash(_("Welcome! Your organisation is registered."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form)
