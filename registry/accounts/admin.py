"""Administration: users and their roles, and the outbox of every e-mail the registry sent
(so that e-mail flows can be completed without a mail server)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts import operations, queries
from registry.accounts.forms import UserActiveForm, UserRoleForm
from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.models import OutboxStatus, Role
from registry.policies import get_outbox_message_or_404, get_user_or_404, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.admin)
def users():
    """List every login with its role, organisation and state."""
    return render_template(
        "accounts/admin/users.html",
        users=queries.all_users(),
        role_form=UserRoleForm(),
        active_form=UserActiveForm(),
    )


@bp.post("/users/<int:user_id>/role")
@role_required(Role.admin)
def change_role(user_id: int):
    """Give a user another role."""
    user = get_user_or_404(user_id)
    form = UserRoleForm()
    if form.validate_on_submit():
        try:
            operations.change_role(user, form.role.member, by=current_user)
        except OperationError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(
                _("%(email)s is now %(role)s.", email=user.email, role=user.role.label), "success"
            )
    else:
        flash(_("Choose a role."), "danger")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@role_required(Role.admin)
def toggle_active(user_id: int):
    """Deactivate a user (ending their sessions) or reactivate them."""
    user = get_user_or_404(user_id)
    form = UserActiveForm()
    if form.validate_on_submit():
        try:
            # The button says which state it asks for, so a double click cannot undo itself.
            operations.set_active(user, form.active.data == "1", by=current_user)
        except OperationError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            message = (
                _("%(email)s can log in again.")
                if user.active
                else _("%(email)s is deactivated and logged out everywhere.")
            )
            flash(message % {"email": user.email}, "success")
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
@role_required(Role.admin)
def outbox():
    """Every e-mail the registry sent or tried to send, newest first, with its status."""
    filters = queries.OutboxFilters.from_args(request.args)
    return render_template(
        "accounts/admin/outbox.html",
        page=queries.outbox_page(filters),
        filters=filters,
        statuses=OutboxStatus,
    )


@bp.get("/outbox/<int:message_id>")
@role_required(Role.admin)
def outbox_message(message_id: int):
    """One e-mail with its body (which may hold a reset link: each showing is audit-logged)."""
    message = get_outbox_message_or_404(message_id)
    record(db.session, "outbox.view", message)
    db.session.commit()
    return render_template("accounts/admin/outbox_message.html", message=message)
