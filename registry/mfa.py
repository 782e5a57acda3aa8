"""Multi-factor authentication (Flask-Security two-factor): an authenticator app (TOTP) and
single-use recovery codes. Coordinators and admins must have it before any internal page
(`User.check_tf_required` at login, `policies.role_required` after); stakeholders may turn it
on at /account/tf-setup.

A code works once: the last time step used is kept on the user, so a code seen over a
shoulder or in a proxy log cannot be replayed within its 30 seconds.
"""

from __future__ import annotations

from flask import current_app
from flask_security import Totp


class OnceOnlyTotp(Totp):
    """Flask-Security's TOTP with replay protection (its documented extension point)."""

    def get_last_counter(self, user) -> int | None:
        """The time step of the last code this user logged in with."""
        return getattr(user, "tf_totp_last_counter", None)

    def set_last_counter(self, user, tmatch) -> None:
        """Remember the time step just used (saved with the login's commit)."""
        user.tf_totp_last_counter = tmatch.counter


def needs_setup(user) -> bool:
    """A coordinator or admin without a second factor, while staff must have one."""
    return bool(
        user.is_authenticated
        and user.is_staff
        and current_app.config["MFA_REQUIRED_FOR_STAFF"]
        and not user.tf_primary_method
    )
