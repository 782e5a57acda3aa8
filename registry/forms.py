"""What every area's forms share: validators, base classes, field types, the organisation
fields, and optimistic locking (`VersionedForm` + `commit_or_conflict`)."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from registry.disclosure.forms import own_identifier_warnings, texts_digest
from registry.extensions import db
from registry.geo import country_choices, is_country
from registry.i18n import current_language
from registry.lists import MAX_ID
from registry.models import StakeholderType, Visibility


def http_url_text(value: str) -> None:
    """Raise unless `value` is an http or https address (never javascript:, data: or file:)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a web address starting with http:// or https://"))


def http_url(_form, field) -> None:
    """Validator: only http and https addresses."""
    if field.data:
        http_url_text(field.data)


def database_id(_form, field) -> None:
    """Validator: a number a database id can be (a huge number is no id, not a 500)."""
    if field.data is not None and not 0 <= field.data <= MAX_ID:
        raise ValidationError(_l("Choose one of the listed options."))


def finite_number(_form, field) -> None:
    """Validator: a real number (not "inf" or "nan", which no figure can add up)."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


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
        self.country.choices = [("", _l("Choose a country"))] + country_choices(current_language())

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


class OtherNamesField(TextAreaField):
    """Other names of an organisation, one per line: never shown publicly, but redacted from
    public text like its name."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault(
            "description",
            _l(
                "Former names, and the name in other languages and scripts, one per line. "
                "They are never shown publicly; if the organisation is anonymised or hidden, "
                "they are removed from public text like its name."
            ),
        )
        super().__init__(label or _l("Other names"), validators or [Optional()], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = list(
                dict.fromkeys(" ".join(line.split()) for line in valuelist[0].splitlines())
            )
            self.data = [name for name in self.data if name]

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def pre_validate(self, form):
        if len(self.data or []) > 20:
            raise ValidationError(_l("Give at most 20 other names."))
        if any(len(name) > 300 for name in self.data or []):
            raise ValidationError(_l("Each name can have at most 300 characters."))


class DisclosureCheckMixin:
    """A form of free text that a non-public organisation may publish: before it is saved, the
    form says which of the organisation's own identifiers it contains and how public reports
    will read it (DESIGN §4). Saving the same text again confirms."""

    disclosure_ack = HiddenField()

    def disclosure_texts(self) -> dict[str, str | None]:
        """Field label -> text, for the fields public outputs may print."""
        return {
            str(getattr(self, name).label.text): _as_text(getattr(self, name).data)
            for name in self.DISCLOSED_FIELDS
        }

    def disclosure_warnings(self, organisation, profile: dict | None = None) -> list:
        """The warnings to show before saving; empty when there are none or the person saw
        them for this very text and saves again."""
        texts = self.disclosure_texts()
        warnings = own_identifier_warnings(organisation, texts, profile=profile)
        if not warnings:
            return []
        digest = texts_digest(texts)
        if self.disclosure_ack.data == digest:
            return []
        self.disclosure_ack.data = digest
        return warnings


def _as_text(value) -> str | None:
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return value


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable on a phone, no JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VersionedForm(BaseForm):
    """A form acting on a record several people may change: it carries the version of the
    record it was opened at, and a save over a newer version is refused (optimistic locking,
    with `commit_or_conflict` for the race at the commit itself)."""

    version = HiddenField()

    @staticmethod
    def version_of(record) -> str:
        """The version a record is at: its version counter, else the time of its last change
        ("new" while there is no record yet)."""
        if record is None:
            return "new"
        counter = getattr(record, "version", None)
        return str(counter) if counter is not None else record.updated_at.isoformat()

    def is_stale(self, record) -> bool:
        """True when the record was saved by someone else since this form was opened."""
        return bool(self.version.data) and self.version.data != self.version_of(record)


class ApproveWordingForm(VersionedForm):
    """Coordinator: approve a record's public wording as read on the page; `version` is what
    was read (the record's version, or a digest of the wording of several records)."""

    submit = SubmitField(_l("Approve the public wording"))

    def is_stale(self, record) -> bool:
        """Changed since it was read, or never read (no version posted)."""
        return not self.version.data or super().is_stale(record)


def commit_or_conflict(form: BaseForm, message: str) -> bool:
    """Commit, or refuse the save when someone else saved the same record first (optimistic
    locking: the row's version moved on; or a unique row was created meanwhile). The refusal
    is shown on `form`, whose input stays."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        form.form_errors.append(message)
        return False
    return True
