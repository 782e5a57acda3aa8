"""Administration: users and their roles, and the outbox of every e-mail the registry sent
(so that e-mail flows can be completed without a mail server)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts import operations, queries
from registry.accounts.forms import CoordinatorScopeForm, UserActiveForm, UserRoleForm
from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.models import OutboxStatus, Region, Role
from registry.pledges import queries as pledge_queries
from registry.policies import get_outbox_message_or_404, get_user_or_404, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.admin)
def users():
    """List every login with its role, organisation and state."""
    return render_template(
        "accounts/admin/users.html",
        users=queries.all_users(),
        scopes=_scope_names(),
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


def _scope_names() -> dict[int, list[str]]:
    """Per coordinator with a scope, its pledges' titles and its regions' names."""
    titles = {pledge.id: pledge.title for pledge in pledge_queries.all_pledges()}
    return {
        user.id: [titles[i] for i in user.scope_pledge_ids if i in titles]
        + [Region[name].label for name in user.scope_regions if name in Region.__members__]
        for user in queries.all_users()
        if user.role is Role.coordinator and (user.scope_pledge_ids or user.scope_regions)
    }


@bp.route("/users/<int:user_id>/scope", methods=["GET", "POST"])
@role_required(Role.admin)
def scope(user_id: int):
    """Limit a coordinator to some pledges and regions, chosen by name (audited)."""
    user = get_user_or_404(user_id)
    form = CoordinatorScopeForm()
    form.set_choices(pledge_queries.all_pledges())
    if form.validate_on_submit():
        try:
            operations.set_scope(user, form.pledges.data or [], form.regions.data or [])
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("The scope of %(email)s is saved.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    elif not form.is_submitted():
        form.pledges.data = list(user.scope_pledge_ids or [])
        form.regions.data = list(user.scope_regions or [])
    status = 400 if form.errors else 200
    return render_template("accounts/admin/scope.html", user=user, form=form), status


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
