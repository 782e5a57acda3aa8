"""Forms of the pledges area: scheduling a submission window, inviting into a closed form."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from registry.forms import (
    BaseForm,
)

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

    def set_choices(self, windows, organisations: list[tuple[int, str]]) -> None:
        """Fill the selects: windows as "Pledge — window", organisations as (id, name)."""
        self.window.choices = [("", _l("Choose a form"))] + [
            (w.id, f"{w.pledge.title} — {w.label}") for w in windows
        ]
        self.organisation.choices = [
            ("", _l("No organisation (use the address below)")),
            *organisations,
        ]

    def validate_organisation(self, field) -> None:
        """Exactly one invitee: an organisation or an address."""
        if not field.data and not self.email.data:
            raise ValidationError(_l("Choose an organisation or enter an e-mail address."))
        if field.data and self.email.data:
            raise ValidationError(_l("Invite an organisation or an e-mail address, not both."))
