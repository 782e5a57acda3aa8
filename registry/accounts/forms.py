"""Forms of accounts: registration, user administration, and Flask-Security's login and
password forms in the registry's words."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from flask_security import forms as security_forms
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
    MultiCheckboxField,
    OrganisationFieldsMixin,
    database_id,
)
from registry.i18n import LANGUAGE_NAMES
from registry.models import Region, Role
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


class LanguageForm(BaseForm):
    """Every page: the language switcher (one submit button per language)."""

    language = StringField(validators=[DataRequired(), AnyOf(list(LANGUAGE_NAMES))])
    next = HiddenField()


class UserRoleForm(BaseForm):
    """Admin: change a user's role."""

    role = EnumSelectField(_l("Role"), enum=Role, validators=[DataRequired()])
    submit = SubmitField(_l("Change role"))


class CoordinatorScopeForm(BaseForm):
    """Admin: the pledges and regions a coordinator works on (none ticked: all of them)."""

    pledges = MultiCheckboxField(
        _l("Pledges"),
        choices=[],
        coerce=int,
        description=_l("Tick none for every pledge."),
    )
    regions = MultiCheckboxField(
        _l("Regions"),
        choices=[(region.name, region.label) for region in Region],
        description=_l("Tick none for every region."),
    )
    submit = SubmitField(_l("Save the scope"))

    def set_choices(self, pledges) -> None:
        """The pledges to choose from, by title."""
        self.pledges.choices = [(pledge.id, pledge.title) for pledge in pledges]


class UserActiveForm(BaseForm):
    """Admin: deactivate or reactivate a user (a button that says which)."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
    submit = SubmitField(_l("Apply"))


def _relabel(form, labels: dict) -> None:
    """Give Flask-Security's fields the registry's words ("Log in", "E-mail address")."""
    for name, text in labels.items():
        if name in form:
            form[name].label.text = str(text)


class LoginForm(security_forms.LoginForm):
    """Flask-Security's login form in the registry's words, with one "forgot" link (below the
    form), not a second one in the password's help text; no "remember me" (a login lasts one
    session), and every failed attempt is logged, for unknown addresses too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password.description = ""
        _relabel(self, {"email": _l("E-mail address"), "submit": _l("Log in")})

    def validate(self, **kwargs) -> bool:
        """Check the credentials; log a failure with the address tried."""
        self.remember.data = False
        if super().validate(**kwargs):
            return True
        email = (self.email.data or "")[:254]
        security_log.event("login.failure", email=email, level=logging.WARNING)
        return False


class ForgotPasswordForm(security_forms.ForgotPasswordForm):
    """Ask for a password-reset link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self, {"email": _l("E-mail address"), "submit": _l("Send the link")})


class ResetPasswordForm(security_forms.ResetPasswordForm):
    """Choose a new password from a reset link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "password": _l("New password"),
                "password_confirm": _l("Repeat the new password"),
                "submit": _l("Save the new password"),
            },
        )


class ChangePasswordForm(security_forms.ChangePasswordForm):
    """Change one's password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self,
            {
                "password": _l("Current password"),
                "new_password": _l("New password"),
                "new_password_confirm": _l("Repeat the new password"),
                "submit": _l("Change password"),
            },
        )


#: Flask-Security's forms, as the factory passes them to `security.init_app`.
SECURITY_FORMS = {
    "login_form": LoginForm,
    "forgot_password_form": ForgotPasswordForm,
    "reset_password_form": ResetPasswordForm,
    "change_password_form": ChangePasswordForm,
}
