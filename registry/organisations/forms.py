"""Forms of the staff organisation pages: merging a duplicate, other names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired

from registry.forms import BaseForm, OtherNamesField, database_id


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
