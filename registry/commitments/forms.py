"""Forms of the commitments tracker: the filter (GET), saved filters and bulk actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from registry.commitments.queries import PER_PAGE_CHOICES
from registry.forms import BaseForm, EnumSelectField
from registry.geo import country_choices
from registry.models import CommitmentStatus, Region, ReportingStatus, StakeholderType


class TrackerFilterForm(BaseForm):
    """The tracker's filters: a GET form whose fields are `CommitmentFilters`' URL parameters."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=200)],
        description=_l("Words in the title, the description or the organisation's name."),
    )
    pledge = SelectField(_l("Pledge"), validate_choice=False)
    status = EnumSelectField(_l("Status"), enum=CommitmentStatus, blank=_l("Any status"))
    stakeholder_type = EnumSelectField(
        _l("Type of organisation"), enum=StakeholderType, blank=_l("Any type")
    )
    region = EnumSelectField(_l("Region"), enum=Region, blank=_l("Any region"))
    country = SelectField(_l("Country"), validate_choice=False)
    risk = SelectField(_l("Risk addressed"), validate_choice=False)
    action_area = SelectField(_l("Action area"), validate_choice=False)
    key_outcome = SelectField(_l("Key outcome"), validate_choice=False)
    window = SelectField(
        _l("Progress window"),
        validate_choice=False,
        description=_l("Shows whether each commitment has reported in this cycle."),
    )
    reporting_status = EnumSelectField(
        _l("Reporting status"),
        enum=ReportingStatus,
        blank=_l("Any"),
        description=_l("Needs a progress window."),
    )
    target_passed = BooleanField(_l("Target date passed, not finished"))
    per_page = SelectField(
        _l("Rows per page"),
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        default="25",
        validate_choice=False,
    )
    sort = HiddenField()
    direction = HiddenField()
    submit = SubmitField(_l("Filter"))

    def set_choices(self, pledges, terms: dict, key_outcomes, windows) -> None:
        """Fill the selects from the pledges, vocabularies, key outcomes and progress windows."""
        self.pledge.choices = [("", _l("Any pledge"))] + [(p.slug, p.title) for p in pledges]
        self.country.choices = [("", _l("Any country"))] + country_choices()
        self.risk.choices = [("", _l("Any risk"))] + [(t.code, t.label) for t in terms["risk"]]
        self.action_area.choices = [("", _l("Any action area"))] + [
            (t.code, t.label) for t in terms["action_area"]
        ]
        self.key_outcome.choices = [("", _l("Any key outcome"))] + [
            (str(o.id), o.title) for o in key_outcomes
        ]
        self.window.choices = [("", _l("None"))] + [
            (str(w.id), f"{w.pledge.title} — {w.label}") for w in windows
        ]

    def load(self, filters) -> None:
        """Show the filters actually applied (invalid input was dropped by `from_args`)."""
        for name, value in filters.to_args(sort=None, direction=None, page=None).items():
            if name == "target_passed":
                self.target_passed.data = True
            elif name in self._fields:
                self[name].data = str(value)
        self.per_page.data = str(filters.per_page)
        self.sort.data, self.direction.data = filters.sort, filters.direction


class SavedFilterForm(BaseForm):
    """Name the tracker's current filters and keep them."""

    name = StringField(
        _l("Name these filters"),
        validators=[DataRequired(message=_l("Give the filter a name.")), Length(max=100)],
        description=_l('For example "Overdue in East Africa".'),
    )
    query = HiddenField()
    submit = SubmitField(_l("Save filters"))


class _SelectedCommitmentsForm(BaseForm):
    """The commitments ticked in the tracker's table, and the list to go back to."""

    ids = SelectMultipleField(
        _l("Selected commitments"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Select at least one commitment."))],
    )
    back = HiddenField()


class BulkStatusForm(_SelectedCommitmentsForm):
    """Change the status of the selected commitments, saying why."""

    status = EnumSelectField(
        _l("New status"),
        enum=CommitmentStatus,
        blank=_l("Choose a status"),
        validators=[DataRequired(message=_l("Choose the new status."))],
    )
    comment = TextAreaField(
        _l("Why (recorded in the history)"),
        validators=[Length(max=2000)],
        description=_l("Required when changing the status."),
    )
    submit_status = SubmitField(_l("Change status"))

    def validate_comment(self, field) -> None:
        """A status change always carries its reason."""
        if not (field.data or "").strip():
            raise ValidationError(_l("Say why the status changes."))


class BulkReminderForm(_SelectedCommitmentsForm):
    """E-mail the organisations of the selected commitments."""

    window = HiddenField()
    submit_reminder = SubmitField(_l("Send a reminder"))
