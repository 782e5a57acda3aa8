"""One FlaskForm per use case, by area; labels and messages marked for translation.

Re-exported here so that `from registry.forms import RegistrationForm` works for every form.
"""

from registry.forms.accounts import RegistrationForm, UserActiveForm, UserRoleForm
from registry.forms.base import (
    BaseForm,
    EnumSelectField,
    MultiCheckboxField,
    OrganisationFieldsMixin,
    VersionedForm,
    http_url,
    iso_country,
)
from registry.forms.coordinate import InvitationForm, WindowScheduleForm
from registry.forms.signing import (
    CommitmentForm,
    OrganisationProfileForm,
    SignatoryForm,
    SubmitSignatureForm,
)

__all__ = [
    "BaseForm",
    "CommitmentForm",
    "EnumSelectField",
    "InvitationForm",
    "MultiCheckboxField",
    "OrganisationFieldsMixin",
    "OrganisationProfileForm",
    "RegistrationForm",
    "SignatoryForm",
    "SubmitSignatureForm",
    "UserActiveForm",
    "UserRoleForm",
    "VersionedForm",
    "WindowScheduleForm",
    "http_url",
    "iso_country",
]
