"""Forms of the review of signatures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from registry.forms.base import BaseForm
from registry.models import SignatureStatus

DECISIONS = [
    (SignatureStatus.accepted.name, _l("Accept: the organisation becomes a signatory")),
    (SignatureStatus.changes_requested.name, _l("Request changes")),
    (SignatureStatus.rejected.name, _l("Reject")),
]


class DecisionForm(BaseForm):
    """Coordinator: accept a submitted signature, request changes to it, or reject it."""

    decision = RadioField(
        _l("Decision"),
        choices=DECISIONS,
        validators=[DataRequired(message=_l("Choose a decision."))],
    )
    comment = TextAreaField(
        _l("Comment to the organisation"),
        validators=[Length(max=5000)],
        description=_l(
            "Required when you request changes (say what to change) or reject (give the "
            "reason). The organisation receives it by e-mail."
        ),
    )
    submit = SubmitField(_l("Record the decision"))

    def validate_comment(self, field) -> None:
        """Requesting changes needs a comment; rejecting needs a reason."""
        if (field.data or "").strip():
            return
        if self.decision.data == SignatureStatus.changes_requested.name:
            raise ValidationError(_l("Say what the organisation should change."))
        if self.decision.data == SignatureStatus.rejected.name:
            raise ValidationError(_l("Give the reason for the rejection."))

    @property
    def status(self) -> SignatureStatus:
        """The chosen decision as a signature status."""
        return SignatureStatus[self.decision.data]
