"""The API token form: a name, how long it lasts, and its scopes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from registry.forms import BaseForm

#: How long a new token lasts, in days.
LIFETIMES = ((30, _l("30 days")), (90, _l("90 days")), (365, _l("a year")))


class TokenForm(BaseForm):
    """A coordinator creates a personal API token."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What it is for, e.g. “Partner tracker sync”."),
    )
    days = SelectField(_l("Valid for"), choices=LIFETIMES, coerce=int, default=90)
    internal = BooleanField(
        _l("Internal data"),
        description=_l("Protected organisations named, every field shown, as in internal reports."),
    )
    contacts = BooleanField(
        _l("Contacts"),
        description=_l("Organisations' contact people too (each use is audit-logged)."),
    )
    submit = SubmitField(_l("Create the token"))


class RevokeForm(BaseForm):
    """Revoke a token (a button: CSRF only)."""

    submit = SubmitField(_l("Revoke"))
