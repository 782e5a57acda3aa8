"""Registration of an organisation and its first user (login, reset, change: Flask-Security).

Before a new organisation is created, the registry looks for one with the same name or website.
A public one is shown: the person can ask to join it (a coordinator approves) instead of
registering a copy. A non-public one is never revealed (no existence oracle, DESIGN §4): the
page is the same as when nothing matches, and the new registration is queued to coordinators as
a possible duplicate, to merge or keep.
"""

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out
from flask_security import login_user
from flask_security.utils import validate_redirect_url
from sqlalchemy.exc import IntegrityError
from wtforms.widgets import PasswordInput

from registry.accounts import operations
from registry.accounts.forms import LanguageForm, RegistrationForm
from registry.errors import OperationError
from registry.extensions import db, limiter
from registry.forms import BaseForm
from registry.geo import country_name
from registry.i18n import current_language, remember_language
from registry.limits import REGISTRATION
from registry.models import Visibility
from registry.organisations import queries as organisation_queries
from registry.policies import public
from registry.signatures import operations as signature_operations
from registry.templating import start_page

bp = Blueprint("auth", __name__, url_prefix="/account")


def _said_goodbye(_app, user=None, **_extra) -> None:
    """Logging out says so on the page it lands on."""
    flash(_("You are logged out."), "success")


bp.record_once(lambda state: user_logged_out.connect(_said_goodbye, state.app))


def _start(form: RegistrationForm, matches: list, protected: list) -> bool:
    """Send the link that finishes the registration (or, for an address already registered,
    tell its owner); False with the reason on the form when it cannot be sent. The new
    organisation will be queued as a possible duplicate of the `protected` matches."""
    join_id = form.join_organisation_id.data
    try:
        if join_id is not None and not any(o.id == join_id for o in matches):
            raise OperationError(_("Choose one of the organisations listed."))
        operations.start_registration(
            form.organisation_data(),
            form.user_data(),
            join_id,
            form.join_message.data,
            _next_url(),
            possible_duplicate_ids=[o.id for o in protected],
        )
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return False
    db.session.commit()
    return True


@bp.route("/language", methods=["POST"])
@public
def language():
    """The signed-in switcher: keep the language on the account (its pages and e-mails), then
    go back to the page it was on. (Visitors switch with `?lang=` links, kept in a cookie.)"""
    form = LanguageForm()
    chosen = None
    if form.validate_on_submit():
        chosen = form.language.data
        if current_user.is_authenticated:
            operations.set_language(current_user, chosen)
            db.session.commit()
    target = form.next.data
    if not (target and target.startswith("/") and validate_redirect_url(target)):
        target = url_for("main.home")
    response = redirect(target)
    response.mimetype = "text/html"
    return remember_language(response, chosen)


def _next_url() -> str | None:
    """Where to go after registering (e.g. back to an invitation), only ever within the site."""
    target = request.args.get("next")
    return target if target and validate_redirect_url(target) else None


def _match_rows(matches: list) -> list[dict]:
    """What the warning says about each (public) match."""
    return [
        {
            "id": o.id,
            "name": o.name,
            "country": country_name(o.country or "", current_language()),
            "website": o.website,
        }
        for o in matches
    ]


def _split(matches: list) -> tuple[list, list]:
    """(public matches, which the page may show; non-public ones, which it never reveals)."""
    public = [o for o in matches if o.visibility is Visibility.public]
    return public, [o for o in matches if o.visibility is not Visibility.public]


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


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(REGISTRATION, methods=["POST"])
def register():
    """Register an organisation and its first (stakeholder) user, or ask to join a match."""
    form = RegistrationForm()
    form.set_country_choices()
    matches = []
    if form.validate_on_submit():
        joining = form.join_organisation_id.data is not None
        matches, protected = _split(
            organisation_queries.find_similar_organisations(form.org_name.data, form.website.data)
        )
        if (joining or form.confirm_new.data or not matches) and _start(form, matches, protected):
            return redirect(url_for("auth.registration_sent"))
    return _register_page(form, matches)


@bp.get("/register/sent")
@public
def registration_sent():
    """The same answer for every registration: look in your mailbox."""
    return render_template("accounts/registration_sent.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_registration(token: str):
    """The link e-mailed to finish a registration: a button (a mail scanner that follows
    links does not register anyone), then the account is created and logged in."""
    pending = operations.pending_registration(token)
    if pending is None:
        return render_template("accounts/registration_confirm.html", expired=True), 404
    form = BaseForm()
    if not form.validate_on_submit():
        return render_template("accounts/registration_confirm.html", form=form, pending=pending)
    try:
        user, joining, next_url = operations.finish_registration(pending)
        if not joining:
            # A co-implementer invited by e-mail: its new organisation is named on the
            # joint commitments it was invited to.
            signature_operations.link_invited_partner(user)
        db.session.commit()
    except (OperationError, IntegrityError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, OperationError) else _("This link was used already."))
        return redirect(url_for("security.login"))
    login_user(user, authn_via=["register"])
    db.session.commit()
    flash(
        _("Your request to join was sent to the coordinators.")
        if joining
        else _("Welcome! Your organisation is registered."),
        "success",
    )
    return redirect(next_url if next_url and validate_redirect_url(next_url) else start_page(user))
