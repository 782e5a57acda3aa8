"""Forms of the staff organisation pages: adding an organisation, merging a duplicate, other
names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.forms import BaseForm, OrganisationFieldsMixin, OtherNamesField, database_id


class NewOrganisationForm(OrganisationFieldsMixin, BaseForm):
    """A coordinator adds an organisation that has not registered itself (a platform the
    agency presses to act, a partner met in the field)."""

    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000)],
        description=_l("What the organisation does, in a sentence or two."),
    )
    submit = SubmitField(_l("Add the organisation"))
    submit_target = SubmitField(_l("Add it and record it as an advocacy target"))

    def new_organisation_data(self) -> dict:
        """The fields as `create_organisation` arguments."""
        return self.organisation_data() | {
            "description": (self.description.data or "").strip() or None
        }


class MergeForm(BaseForm):
    """Merge a duplicate registration into the organisation on screen (which is kept)."""

    duplicate = SelectField(
        _l("Duplicate to merge into this organisation"),
        coerce=int,
        # The view looks the organisation up and the operation refuses this one itself, with
        # a message that says why.
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose the duplicate organisation.")), database_id],
        description=_l(
            "Its signatures, commitments, engagement records, contacts, users, join requests, "
            "invitations and co-implementer links move here; then it is deleted."
        ),
    )
    submit = SubmitField(_l("Merge"))

    def set_choices(self, organisations: list[tuple[int, str]], kept) -> None:
        """Every organisation but the one that is kept, as (id, name)."""
        self.duplicate.choices = [(0, _l("Choose an organisation"))] + [
            choice for choice in organisations if choice[0] != kept.id
        ]


class OtherNamesForm(BaseForm):
    """Coordinator: the organisation's other names (former names, other languages, scripts)."""

    other_names = OtherNamesField()
    submit = SubmitField(_l("Save the other names"))
