"""Forms of the staff areas: engagement records, their stage buttons, organisation merges."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from registry.forms import BaseForm, EnumSelectField, MultiCheckboxField, VersionedForm
from registry.geo import country_choices, is_country
from registry.i18n import current_language
from registry.models import EngagementKind, GeographicLevel, utcnow


class EngagementForm(VersionedForm):
    """Create or edit an engagement record (partnership or protection advocacy target)."""

    organisation = SelectField(
        _l("Organisation"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the organisation."))],
    )
    kind = EnumSelectField(
        _l("Kind"),
        enum=EngagementKind,
        blank=_l("Choose a kind"),
        validators=[DataRequired(message=_l("Choose partnership or advocacy target."))],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    purpose_areas = MultiCheckboxField(_l("Purpose areas"), coerce=int)
    geographic_level = EnumSelectField(
        _l("Geographic level"),
        enum=GeographicLevel,
        blank=_l("Not set"),
        validators=[Optional()],
    )
    countries = SelectMultipleField(
        _l("Countries"),
        choices=[],
        description=_l("Hold Ctrl or ⌘ to pick several."),
    )
    coordination_structure = SelectField(_l("Coordination structure"), coerce=int)
    focal_point = SelectField(
        _l("Focal point"), coerce=int, description=_l("The coordinator who follows this record.")
    )
    identified_on = DateField(
        _l("Identified on"),
        validators=[Optional()],
        description=_l(
            "When the organisation was identified as a target (or the partnership proposed); "
            "time to convert runs from this date. Blank: the day it is recorded."
        ),
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    internal_notes = TextAreaField(
        _l("Internal notes"),
        validators=[Optional(), Length(max=10000)],
        description=_l("Never shown outside the coordination team."),
    )
    hrdd_checked_on = DateField(_l("Human-rights due diligence: date"), validators=[Optional()])
    hrdd_checked_by = SelectField(_l("Human-rights due diligence: checked by"), coerce=int)
    hrdd_outcome = TextAreaField(
        _l("Human-rights due diligence: outcome"), validators=[Optional(), Length(max=5000)]
    )
    submit = SubmitField(_l("Save"))

    def set_choices(self, organisations: list, terms: dict, staff: list) -> None:
        """Fill the choices from the organisations, the vocabularies and the staff users."""
        none = [(0, _l("Not set"))]
        self.organisation.choices = [(0, _l("Choose an organisation"))] + list(organisations)
        self.purpose_areas.choices = [(t.id, t.label) for t in terms["action_area"]]
        self.countries.choices = country_choices(current_language())
        # The vocabulary has a term "None" of its own: the blank choice says "Not recorded".
        self.coordination_structure.choices = [(0, _l("Not recorded"))] + [
            (t.id, t.label) for t in terms["coordination_structure"]
        ]
        people = [(u.id, f"{u.name} ({u.email})") for u in staff]
        self.focal_point.choices = none + people
        self.hrdd_checked_by.choices = none + people

    def validate_countries(self, field) -> None:
        """Every code must be a real country."""
        if any(not is_country(code) for code in field.data or []):
            raise ValidationError(_l("Choose countries from the list."))

    def validate_identified_on(self, field) -> None:
        """Not in the future (it is a fact)."""
        if field.data and field.data > utcnow().date():
            raise ValidationError(_l("The date it was identified cannot be in the future."))

    def validate_end_date(self, field) -> None:
        """The end date cannot come before the start date."""
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date must be on or after the start date."))

    def load(self, record) -> None:
        """Fill the form from a saved record (on GET)."""
        self.process(obj=record)
        self.organisation.data = record.organisation_id
        self.purpose_areas.data = [t.id for t in record.purpose_areas]
        self.countries.data = list(record.countries or [])
        self.coordination_structure.data = record.coordination_structure_id or 0
        self.focal_point.data = record.focal_point_id or 0
        self.hrdd_checked_by.data = record.hrdd_checked_by_id or 0
        self.identified_on.data = record.identified_at.date() if record.identified_at else None
        self.version.data = str(record.version)

    def engagement_data(self) -> dict:
        """The fields as `save_engagement` arguments."""
        return {
            "organisation_id": self.organisation.data,
            "kind": self.kind.member,
            "title": self.title.data.strip(),
            "purpose_area_ids": self.purpose_areas.data or [],
            "geographic_level": self.geographic_level.member,
            "countries": [c.upper() for c in self.countries.data or []],
            "coordination_structure_id": self.coordination_structure.data or None,
            "focal_point_id": self.focal_point.data or None,
            "identified_on": self.identified_on.data,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "internal_notes": (self.internal_notes.data or "").strip() or None,
            "hrdd_checked_on": self.hrdd_checked_on.data,
            "hrdd_checked_by_id": self.hrdd_checked_by.data or None,
            "hrdd_outcome": (self.hrdd_outcome.data or "").strip() or None,
        }


class StageForm(BaseForm):
    """A stage button: the stage to move the record to."""

    stage = HiddenField(validators=[DataRequired()])


class ConvertForm(BaseForm):
    """Confirm converting an advocacy target into a partnership, and what it carries over."""

    keep_notes = BooleanField(_l("Copy the internal notes to the partnership"))
    keep_due_diligence = BooleanField(
        _l("Copy the human-rights due-diligence check (date, by whom, outcome)"),
        description=_l("Untick it if the partnership needs a check of its own."),
    )
    submit = SubmitField(_l("Convert to partnership"))
