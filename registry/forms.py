"""One FlaskForm per use case; labels and messages marked for translation."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
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
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from registry.geo import country_choices, is_country
from registry.models import GeographicLevel, Role, StakeholderType, Visibility


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
    confirm_new = BooleanField(
        _l("This is a different organisation — register it anyway"),
    )
    # Set by the "Ask to join this organisation" buttons (never a hidden input: the button's
    # value must be the only one posted).
    join_organisation_id = IntegerField(validators=[Optional()])
    join_message = TextAreaField(
        _l("A note for the coordinators (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("For example your role in the organisation, so they can check it."),
    )
    submit = SubmitField(_l("Register"))

    def user_data(self) -> dict:
        """The user fields as operation arguments."""
        return {"name": self.name.data, "email": self.email.data, "password": self.password.data}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable on a phone, no JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VersionedForm(BaseForm):
    """A form editing a record several people may edit: carries the version it was opened at."""

    version = HiddenField()

    def is_stale(self, record) -> bool:
        """True when the record was saved by someone else since this form was opened."""
        return bool(self.version.data) and self.version.data != str(record.version)


class OrganisationProfileForm(OrganisationFieldsMixin, BaseForm):
    """Pledge form, step 1: confirm or edit the organisation profile."""

    submit = SubmitField(_l("Save and continue"))

    def load(self, organisation) -> None:
        """Fill the form from the organisation (on GET)."""
        self.org_name.data, self.acronym.data = organisation.name, organisation.acronym
        self.stakeholder_type.data = organisation.stakeholder_type.name
        self.country.data, self.website.data = organisation.country, organisation.website
        self.is_refugee_led.data = organisation.is_refugee_led
        self.visibility.data = organisation.visibility.name


class SignatoryForm(VersionedForm):
    """Pledge form, step 2: who signs, and the organisation's statement."""

    signed_by_name = StringField(
        _l("Name of the person signing"), validators=[DataRequired(), Length(max=200)]
    )
    signed_by_title = StringField(
        _l("Their title or position"), validators=[DataRequired(), Length(max=200)]
    )
    statement = TextAreaField(
        _l("Statement of support"),
        validators=[Optional(), Length(max=5000)],
        description=_l(
            "Why your organisation joins the pledge (optional, up to 5,000 characters)."
        ),
    )
    submit = SubmitField(_l("Save and continue"))


def _split_languages(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class CommitmentForm(VersionedForm):
    """Pledge form, step 3: one commitment with every field of the registry's model."""

    token = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        _l("What you will do"), validators=[DataRequired(), Length(max=5000)]
    )
    key_outcome = SelectField(
        _l("Key outcome"),
        coerce=int,
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose the key outcome this commitment serves."))],
    )
    action_areas = MultiCheckboxField(
        _l("Action areas"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one action area."))],
    )
    risks = MultiCheckboxField(
        _l("Risks addressed"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one risk."))],
    )
    target_populations = MultiCheckboxField(_l("Target populations"), coerce=int)
    geographic_level = EnumSelectField(
        _l("Geographic level"),
        enum=GeographicLevel,
        blank=_l("Choose a level"),
        validators=[DataRequired(message=_l("Choose the geographic level."))],
    )
    countries = SelectMultipleField(
        _l("Countries"),
        choices=[],
        description=_l(
            "Required for national and local commitments. Hold Ctrl or ⌘ to pick several."
        ),
    )
    languages = StringField(
        _l("Languages"),
        validators=[Optional(), Length(max=300)],
        description=_l("Languages the work happens in, separated by commas, e.g. Arabic, Somali"),
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    target_date = DateField(_l("Target date"), validators=[Optional()])
    indicator_text = TextAreaField(
        _l("Indicator"),
        validators=[Optional(), Length(max=1000)],
        description=_l("How progress will be measured, e.g. number of moderators trained."),
    )
    indicator_unit = StringField(_l("Unit"), validators=[Optional(), Length(max=100)])
    indicator_baseline = FloatField(_l("Baseline"), validators=[Optional()])
    indicator_target = FloatField(_l("Target"), validators=[Optional()])
    co_implementers = SelectMultipleField(
        _l("Co-implementing organisations"),
        coerce=int,
        choices=[],
        description=_l("For a joint commitment: the other registered organisations involved."),
    )
    submit = SubmitField(_l("Save commitment"))

    def set_choices(self, pledge, terms: dict, organisations: list) -> None:
        """Fill the choices from the pledge, the vocabularies and the registered organisations."""
        self.key_outcome.choices = [(0, _l("Choose a key outcome"))] + [
            (o.id, o.title) for o in pledge.key_outcomes
        ]
        self.action_areas.choices = [(t.id, t.label) for t in terms["action_area"]]
        self.risks.choices = [(t.id, t.label) for t in terms["risk"]]
        self.target_populations.choices = [(t.id, t.label) for t in terms["target_population"]]
        self.countries.choices = country_choices()
        self.co_implementers.choices = [(o.id, o.name) for o in organisations]

    def validate_countries(self, field) -> None:
        """National and local commitments say where; every code must be a real country."""
        if any(not is_country(code) for code in field.data or []):
            raise ValidationError(_l("Choose countries from the list."))
        level = self.geographic_level.data
        if level in ("national", "local") and not field.data:
            raise ValidationError(_l("Choose the country or countries."))

    def validate_target_date(self, field) -> None:
        """The target date cannot come before the start date."""
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The target date must be on or after the start date."))

    def load(self, commitment) -> None:
        """Fill the form from a saved commitment (on GET)."""
        self.process(obj=commitment)
        self.key_outcome.data = commitment.key_outcome_id or 0
        self.action_areas.data = [t.id for t in commitment.action_areas]
        self.risks.data = [t.id for t in commitment.risks]
        self.target_populations.data = [t.id for t in commitment.target_populations]
        self.countries.data = list(commitment.countries)
        self.languages.data = ", ".join(commitment.languages or [])
        self.co_implementers.data = [o.id for o in commitment.co_implementers]
        self.version.data = str(commitment.version)

    def commitment_data(self) -> dict:
        """The fields as `save_commitment` arguments."""
        return {
            "title": self.title.data.strip(),
            "description": self.description.data.strip(),
            "key_outcome_id": self.key_outcome.data or None,
            "geographic_level": self.geographic_level.member,
            "languages": _split_languages(self.languages.data),
            "start_date": self.start_date.data,
            "target_date": self.target_date.data,
            "indicator_text": self.indicator_text.data or None,
            "indicator_unit": self.indicator_unit.data or None,
            "indicator_baseline": self.indicator_baseline.data,
            "indicator_target": self.indicator_target.data,
            "action_area_ids": self.action_areas.data or [],
            "risk_ids": self.risks.data or [],
            "target_population_ids": self.target_populations.data or [],
            "countries": [c.upper() for c in self.countries.data or []],
            "co_implementer_ids": self.co_implementers.data or [],
        }


class SubmitSignatureForm(BaseForm):
    """Check your answers: the submit button."""

    submit = SubmitField(_l("Submit for review"))


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


def _optional_id(value):
    """A select value as an id, or None for the empty choice."""
    return int(value) if value not in ("", None) else None


class InvitationForm(BaseForm):
    """Coordinator: invite one organisation or e-mail address to submit while a form is closed."""

    window = SelectField(
        _l("Form"),
        coerce=_optional_id,
        validators=[DataRequired(message=_l("Choose the form to invite to."))],
        description=_l("The pledge form (signatures or a progress review) the invitation opens."),
    )
    organisation = SelectField(
        _l("Organisation"),
        coerce=_optional_id,
        description=_l("Its users receive the link. Choose an organisation or give an address."),
    )
    email = EmailField(
        _l("Or an e-mail address"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("For someone whose organisation is not registered yet."),
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=14,
        validators=[
            DataRequired(message=_l("Say for how many days the link works.")),
            NumberRange(min=1, max=60, message=_l("Between 1 and 60 days.")),
        ],
    )
    submit = SubmitField(_l("Send the invitation"))

    def set_choices(self, windows, organisations) -> None:
        """Fill the selects: windows as "Pledge — window", organisations by name."""
        self.window.choices = [("", _l("Choose a form"))] + [
            (w.id, f"{w.pledge.title} — {w.label}") for w in windows
        ]
        self.organisation.choices = [("", _l("No organisation (use the address below)"))] + [
            (o.id, o.name) for o in organisations
        ]

    def validate_organisation(self, field) -> None:
        """Exactly one invitee: an organisation or an address."""
        if not field.data and not self.email.data:
            raise ValidationError(_l("Choose an organisation or enter an e-mail address."))
        if field.data and self.email.data:
            raise ValidationError(_l("Invite an organisation or an e-mail address, not both."))
