"""Administration: users and their roles."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry import operations
from registry.extensions import db
from registry.forms import UserActiveForm, UserRoleForm
from registry.models import Role, User
from registry.policies import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _get_user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
@role_required(Role.admin)
def users():
    """List every login with its role, organisation and state."""
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template(
        "admin/users.html", users=rows, role_form=UserRoleForm(), active_form=UserActiveForm()
    )


@bp.post("/users/<int:user_id>/role")
@role_required(Role.admin)
def change_role(user_id: int):
    """Give a user another role."""
    user = _get_user_or_404(user_id)
    form = UserRoleForm()
    if form.validate_on_submit():
        try:
            operations.change_role(user, form.role.member, by=current_user)
        except operations.OperationError as exc:
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
    user = _get_user_or_404(user_id)
    form = UserActiveForm()
    if form.validate_on_submit():
        try:
            # The button says which state it asks for, so a double click cannot undo itself.
            operations.set_active(user, form.active.data == "1", by=current_user)
        except operations.OperationError as exc:
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
