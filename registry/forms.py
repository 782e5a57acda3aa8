"""One FlaskForm per use case; labels and messages marked for translation."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
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
    ValidationError,
)

from registry.geo import country_choices, is_country
from registry.models import Role, StakeholderType, Visibility


def http_url(_form, field) -> None:
    """Only http and https addresses (never javascript:, data: or file:)."""
    if field.data:
        parts = urlsplit(field.data.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(_l("Enter a web address starting with http:// or https://"))


def iso_country(_form, field) -> None:
    """A real ISO 3166-1 alpha-3 code."""
    if field.data and not is_country(field.data):
        raise ValidationError(_l("Choose a country from the list."))


class BaseForm(FlaskForm):
    """A FlaskForm that can show an operation's refusal next to the field it concerns."""

    def add_error(self, exc) -> None:
        """Attach an `OperationError` to its field, or to the form as a whole."""
        field = getattr(self, getattr(exc, "field", None) or "", None)
        if field is not None:
            field.errors = [*field.errors, str(exc)]
        else:
            self.form_errors.append(str(exc))


class EnumSelectField(SelectField):
    """A select over a `LabelledEnum`, returning the member."""

    def __init__(self, label=None, validators=None, enum=None, blank=None, **kwargs):
        choices = ([("", blank)] if blank else []) + enum.choices()
        super().__init__(label, validators, choices=choices, **kwargs)
        self.enum = enum

    def process_data(self, value):
        self.data = value.name if hasattr(value, "name") else value

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0]

    def pre_validate(self, form):
        if self.data and self.data not in self.enum.__members__:
            raise ValidationError(self.gettext("Not a valid choice."))

    @property
    def member(self):
        """The chosen enum member, or None."""
        return self.enum[self.data] if self.data else None


class OrganisationFieldsMixin:
    """The organisation profile fields shared by registration and profile editing."""

    org_name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=300)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    stakeholder_type = EnumSelectField(
        _l("Type of organisation"),
        enum=StakeholderType,
        blank=_l("Choose a type"),
        validators=[DataRequired(message=_l("Choose the type of organisation."))],
    )
    country = SelectField(
        _l("Country"),
        choices=[],
        validators=[Optional(), iso_country],
        description=_l("Where the organisation is based; its UNHCR region follows from it."),
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=500), http_url],
        description=_l("For example https://example.org"),
    )
    is_refugee_led = BooleanField(_l("The organisation is led by refugees or displaced people"))
    visibility = EnumSelectField(
        _l("How public pages show the organisation"),
        enum=Visibility,
        blank=_l("Default (refugee-led organisations are anonymised)"),
        validators=[Optional()],
        description=_l(
            "Being named publicly can put refugee-led organisations and their members at risk. "
            "Anonymised organisations are described only by type and region; hidden ones are "
            "only counted."
        ),
    )

    def set_country_choices(self) -> None:
        """Fill the country list (done per request so it follows the language)."""
        self.country.choices = [("", _l("Choose a country"))] + country_choices()

    def organisation_data(self) -> dict:
        """The organisation fields as operation arguments."""
        return {
            "name": self.org_name.data,
            "acronym": self.acronym.data or None,
            "stakeholder_type": self.stakeholder_type.member,
            "country": self.country.data or None,
            "website": (self.website.data or "").strip() or None,
            "is_refugee_led": self.is_refugee_led.data,
            "visibility": self.visibility.member,
        }


class RegistrationForm(OrganisationFieldsMixin, BaseForm):
    """Register an organisation and its first user."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Your e-mail address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters; a few unrelated words make a strong password."),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Register"))

    def user_data(self) -> dict:
        """The user fields as operation arguments."""
        return {"name": self.name.data, "email": self.email.data, "password": self.password.data}


class UserRoleForm(BaseForm):
    """Admin: change a user's role."""

    role = EnumSelectField(_l("Role"), enum=Role, validators=[DataRequired()])
    submit = SubmitField(_l("Change role"))


class UserActiveForm(BaseForm):
    """Admin: deactivate or reactivate a user (a button that says which)."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
    submit = SubmitField(_l("Apply"))


# The browser's date+time input sends "2027-03-31T23:59"; the registry reads it as UTC.
UTC_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class WindowScheduleForm(BaseForm):
    """Coordinator: when a submission window opens and closes, its name and closed message."""

    opens_at = DateTimeLocalField(
        _l("Opens at (UTC)"),
        validators=[Optional()],
        format=UTC_INPUT_FORMATS,
        tz=UTC,
        description=_l("Date and time in UTC; leave empty to accept input from now on."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at (UTC)"),
        validators=[Optional()],
        format=UTC_INPUT_FORMATS,
        tz=UTC,
        description=_l("Date and time in UTC; leave empty to keep the form open."),
    )
    label = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=300)],
        description=_l('For example "High-Level Officials Meeting 2025 progress review".'),
    )
    closed_message = TextAreaField(
        _l("Message shown while closed"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Leave empty for: This form is closed to new submissions."),
    )
    submit = SubmitField(_l("Save schedule"))

    def validate_closes_at(self, field) -> None:
        """The window must close after it opens."""
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The closing time must be after the opening time."))

    def schedule_data(self) -> dict:
        """The fields as `schedule_window` arguments (times are timezone-aware UTC)."""
        return {
            "opens_at": self.opens_at.data,
            "closes_at": self.closes_at.data,
            "label": self.label.data,
            "closed_message": self.closed_message.data,
        }
