"""Forms of the import page: the upload and its confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired

from registry.forms import BaseForm


class ImportUploadForm(BaseForm):
    """Coordinator: a CSV or XLSX file of organisations or commitments to check (dry run)."""

    kind = SelectField(
        _l("What the file holds"),
        choices=[("organisations", _l("Organisations")), ("commitments", _l("Commitments"))],
        validators=[DataRequired()],
    )
    file = FileField(
        _l("File"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
        description=_l("A .csv (UTF-8) or .xlsx file whose first row is the template's header."),
    )
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(BaseForm):
    """Coordinator: import the file that was just checked."""

    token = HiddenField(validators=[DataRequired()])
    allow_duplicates = BooleanField(
        _l("Create the probable duplicates as new organisations anyway"),
        description=_l(
            "Leave unticked to stop the import when a row looks like an organisation already in "
            "the registry or elsewhere in the file."
        ),
    )
    submit = SubmitField(_l("Import"))
