"""Invitations: coordinators invite one organisation or address to submit while a form is closed."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.errors import OperationError
from registry.extensions import db
from registry.models import Invitation, Organisation, SubmissionWindow, WindowKind, utcnow
from registry.organisations import queries as organisation_queries
from registry.pledges import operations, queries
from registry.pledges.forms import InvitationForm
from registry.policies import INVITATIONS_SESSION_KEY, STAFF, is_staff, public, role_required

bp = Blueprint("invitations", __name__)


def _invitation_form() -> InvitationForm:
    """The invitation form with every window and organisation to choose from."""
    form = InvitationForm()
    organisations = organisation_queries.organisation_choices(with_acronym=False)
    form.set_choices(queries.all_windows(), organisations)
    return form


def _invite(form: InvitationForm) -> Invitation | None:
    """Create the invitation the form asks for, or show the refusal on the form."""
    window = db.session.get(SubmissionWindow, form.window.data)
    org_id = form.organisation.data
    try:
        invitation, _token = operations.create_invitation(
            window,
            organisation=db.session.get(Organisation, org_id) if org_id else None,
            email=form.email.data,
            by=current_user,
            days=form.days.data,
        )
    except OperationError as exc:
        db.session.rollback()
        form.add_error(exc)
        return None
    return invitation


@bp.route("/coordinate/invitations", methods=["GET", "POST"])
@role_required(*STAFF)
def index():
    """Invite an organisation or address into a closed form; list every invitation."""
    form = _invitation_form()
    if form.validate_on_submit() and (invitation := _invite(form)):
        invitee = invitation.organisation.name if invitation.organisation else invitation.email
        db.session.commit()
        flash(_("Invitation sent to %(invitee)s.", invitee=invitee), "success")
        return redirect(url_for("invitations.index"))
    return render_template(
        "pledges/invitations/index.html",
        form=form,
        invitations=queries.all_invitations(),
        now=utcnow(),
    )


def _is_invitee(invitation: Invitation) -> bool:
    """The logged-in user is the one invited (their organisation, or their address)."""
    if invitation.organisation_id is not None:
        return current_user.organisation_id == invitation.organisation_id
    return invitation.email == current_user.email


def _form_url(window: SubmissionWindow) -> str:
    """Where an invitee goes: the pledge form, or the progress report of the pledge."""
    endpoint = "signing.start" if window.kind is WindowKind.signature else "progress.overview"
    return url_for(endpoint, slug=window.pledge.slug)


@bp.get("/invitations/<token>")
@public
def accept(token: str):
    """Open an invitation link: remember it in the session, then send the invitee to the form."""
    invitation = queries.find_invitation(token)
    if invitation is None:
        message = _("This invitation link is not valid.")
        return render_template("pledges/invitations/accept.html", message=message), 404
    if message := operations.invitation_refusal(invitation):
        return render_template("pledges/invitations/accept.html", message=message), 410
    if current_user.is_authenticated and not (is_staff() or _is_invitee(invitation)):
        message = _("This invitation was sent to someone else. Log in with the account it is for.")
        return render_template("pledges/invitations/accept.html", message=message), 403
    held = session.get(INVITATIONS_SESSION_KEY) or []
    if invitation.id not in held:
        session[INVITATIONS_SESSION_KEY] = [*held, invitation.id]
    if not current_user.is_authenticated:
        here = url_for("invitations.accept", token=token)
        return render_template(
            "pledges/invitations/accept.html",
            invitation=invitation,
            login_url=url_for("security.login", next=here),
            register_url=url_for("auth.register", next=here),
        )
    return redirect(_form_url(invitation.window))
