"""Registration of an organisation and its first user (login, reset, change: Flask-Security).

Before a new organisation is created, the registry looks for one with the same name or website:
the person can then ask to join it (a coordinator approves) instead of registering a copy.
"""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import user_logged_out
from flask_security import login_user
from flask_security.utils import validate_redirect_url
from sqlalchemy.exc import IntegrityError
from wtforms.widgets import PasswordInput

from registry.accounts import operations
from registry.accounts.forms import RegistrationForm
from registry.errors import OperationError
from registry.extensions import db, limiter
from registry.geo import country_name
from registry.models import Visibility
from registry.organisations import queries as organisation_queries
from registry.policies import public
from registry.templating import start_page

bp = Blueprint("auth", __name__, url_prefix="/account")


def _said_goodbye(_app, user=None, **_extra) -> None:
    """Logging out says so on the page it lands on."""
    flash(_("You are logged out."), "success")


bp.record_once(lambda state: user_logged_out.connect(_said_goodbye, state.app))


def _commit_and_login(user):
    """Commit the new account and log it in; None when the same form was posted twice at once."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    login_user(user, authn_via=["register"])
    db.session.commit()
    return user


def _save(form: RegistrationForm, matches: list):
    """Register the organisation, or ask to join one of `matches`; the user, or None."""
    try:
        if form.join_organisation_id.data is None:
            return operations.register_organisation(form.organisation_data(), form.user_data())
        organisation = next((o for o in matches if o.id == form.join_organisation_id.data), None)
        if organisation is None:
            raise OperationError(_("Choose one of the organisations listed."))
        join = operations.request_to_join(form.user_data(), organisation, form.join_message.data)
        return join.user
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return None


def _next_url() -> str | None:
    """Where to go after registering (e.g. back to an invitation), only ever within the site."""
    target = request.args.get("next")
    return target if target and validate_redirect_url(target) else None


def _match_rows(matches: list) -> list[dict]:
    """What the warning may say about each match: non-public organisations are never named."""
    return [
        {"id": o.id, "name": o.name, "country": country_name(o.country or ""), "website": o.website}
        if o.visibility is Visibility.public
        else {"id": o.id, "name": None, "country": None, "website": None}
        for o in matches
    ]


def _register_page(form: RegistrationForm, matches: list):
    """The registration form; with matches, the warning and its "ask to join" buttons."""
    if matches:
        # The join buttons post the whole form again, so the password the person has just
        # typed is kept in the page (never cached) rather than asked for a second time.
        for field in (form.password, form.password_confirm):
            field.widget = PasswordInput(hide_value=False)
    response = make_response(
        render_template("accounts/register.html", form=form, matches=_match_rows(matches))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _welcome(user, joining: bool):
    """Log the new user in and send them on, saying what happens next."""
    if _commit_and_login(user) is None:  # the same form posted twice at once
        return redirect(url_for("security.login"))
    if joining:
        flash(_("Your request to join was sent to the coordinators."), "success")
    else:
        flash(_("Welcome! Your organisation is registered."), "success")
    return redirect(_next_url() or start_page(user))


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20/hour", methods=["POST"])
def register():
    """Register an organisation and its first (stakeholder) user, or ask to join a match."""
    form = RegistrationForm()
    form.set_country_choices()
    matches = []
    if form.validate_on_submit():
        joining = form.join_organisation_id.data is not None
        if joining or not form.confirm_new.data:
            matches = organisation_queries.find_similar_organisations(
                form.org_name.data, form.website.data
            )
        if (joining or form.confirm_new.data or not matches) and (user := _save(form, matches)):
            return _welcome(user, joining)
    return _register_page(form, matches)
