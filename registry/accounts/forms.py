"""Forms of accounts: registration, user administration."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from flask_security.forms import LoginForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
)

from registry import security_log
from registry.forms import (
    BaseForm,
    EnumSelectField,
    OrganisationFieldsMixin,
    database_id,
)
from registry.models import Role
from registry.passwords import MAX_LENGTH, MIN_LENGTH


class RegistrationForm(OrganisationFieldsMixin, BaseForm):
    """Register an organisation and its first user."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Your e-mail address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l(
            "12 to 128 characters; a few unrelated words make a strong password. Common and "
            "leaked passwords are refused."
        ),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    confirm_new = BooleanField(
        _l("This is a different organisation — register it anyway"),
    )
    # Set by the "Ask to join this organisation" buttons (never a hidden input: the button's
    # value must be the only one posted).
    join_organisation_id = IntegerField(validators=[Optional(), database_id])
    join_message = TextAreaField(
        _l("A note for the coordinators (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("For example your role in the organisation, so they can check it."),
    )
    submit = SubmitField(_l("Register"))

    def user_data(self) -> dict:
        """The user fields as operation arguments."""
        return {"name": self.name.data, "email": self.email.data, "password": self.password.data}


class RegistryLoginForm(LoginForm):
    """Flask-Security's login form: no "remember me" (a login lasts one session), and every
    failed attempt is logged, for unknown addresses too."""

    def validate(self, **kwargs) -> bool:
        """Check the credentials; log a failure with the address tried."""
        self.remember.data = False
        if super().validate(**kwargs):
            return True
        email = (self.email.data or "")[:254]
        security_log.event("login.failure", email=email, level=logging.WARNING)
        return False


class UserRoleForm(BaseForm):
    """Admin: change a user's role."""

    role = EnumSelectField(_l("Role"), enum=Role, validators=[DataRequired()])
    submit = SubmitField(_l("Change role"))


class UserActiveForm(BaseForm):
    """Admin: deactivate or reactivate a user (a button that says which)."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
    submit = SubmitField(_l("Apply"))
