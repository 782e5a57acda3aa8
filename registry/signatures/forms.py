"""Forms of signatures: the pledge form's steps (profile, signatory, commitments, submit) and
the coordinator's review decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    ValidationError,
)

from registry.forms import (
    BaseForm,
    DisclosureCheckMixin,
    EnumSelectField,
    MultiCheckboxField,
    OrganisationFieldsMixin,
    OtherNamesField,
    VersionedForm,
    finite_number,
)
from registry.geo import country_choices, is_country
from registry.lists import MAX_ID
from registry.models import AmendmentStatus, GeographicLevel, PartnerStatus, SignatureStatus


class OrganisationProfileForm(DisclosureCheckMixin, OrganisationFieldsMixin, BaseForm):
    """Pledge form, step 1: confirm or edit the organisation profile."""

    DISCLOSED_FIELDS = ("description",)

    description = TextAreaField(
        _l("About the organisation"),
        validators=[Optional(), Length(max=5000)],
        description=_l("What the organisation does (optional, up to 5,000 characters)."),
    )
    other_names = OtherNamesField()
    submit = SubmitField(_l("Save and continue"))

    def load(self, organisation) -> None:
        """Fill the form from the organisation (on GET)."""
        self.org_name.data, self.acronym.data = organisation.name, organisation.acronym
        self.stakeholder_type.data = organisation.stakeholder_type.name
        self.country.data, self.website.data = organisation.country, organisation.website
        self.is_refugee_led.data = organisation.is_refugee_led
        self.visibility.data = organisation.visibility.name
        self.description.data = organisation.description
        self.other_names.data = list(organisation.other_names or [])

    def organisation_data(self) -> dict:
        """The profile fields as `update_organisation_profile` arguments."""
        return super().organisation_data() | {
            "description": (self.description.data or "").strip() or None,
            "other_names": self.other_names.data or [],
        }

    def profile(self, organisation) -> dict:
        """What the profile is about to be, for the warnings of its own text."""
        data = self.organisation_data()
        return data | {"visibility": data["visibility"] or organisation.visibility}


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


class CommitmentForm(DisclosureCheckMixin, VersionedForm):
    """Pledge form, step 3: one commitment with every field of the registry's model."""

    DISCLOSED_FIELDS = ("title", "description", "indicator_text", "indicator_unit", "languages")

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
    indicator_baseline = FloatField(_l("Baseline"), validators=[Optional(), finite_number])
    indicator_target = FloatField(_l("Target"), validators=[Optional(), finite_number])
    co_implementers = SelectMultipleField(
        _l("Co-implementing organisations"),
        coerce=int,
        choices=[],
        description=_l("For a joint commitment: the other registered organisations involved."),
    )
    matches = StringField(
        _l("Matching commitments"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "The numbers of published commitments this one matches or supports, separated "
            "by commas, e.g. 12, 40. Find them with the search below the form."
        ),
    )
    submit = SubmitField(_l("Save commitment"))

    def validate_matches(self, field) -> None:
        """Commitment numbers only (whether they are published is the operation's check)."""
        try:
            match_ids(field.data)
        except ValueError:
            raise ValidationError(
                _l("Give the numbers of the commitments, separated by commas.")
            ) from None

    def set_choices(self, pledge, terms: dict, organisations: list[tuple[int, str]]) -> None:
        """Fill the choices from the pledge, the vocabularies and (id, name) of the
        organisations that may be named as co-implementers."""
        self.key_outcome.choices = [(0, _l("Choose a key outcome"))] + [
            (o.id, o.title) for o in pledge.key_outcomes
        ]
        self.action_areas.choices = [(t.id, t.label) for t in terms["action_area"]]
        self.risks.choices = [(t.id, t.label) for t in terms["risk"]]
        self.target_populations.choices = [(t.id, t.label) for t in terms["target_population"]]
        self.countries.choices = country_choices()
        self.co_implementers.choices = list(organisations)

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
        self.matches.data = ", ".join(str(c.id) for c in commitment.matches)
        self.version.data = str(commitment.version)

    def load_proposal(self, data: dict) -> None:
        """Fill the form from a proposal's values (`commitment_data` keys, on GET)."""
        self.title.data, self.description.data = data["title"], data["description"]
        self.key_outcome.data = data["key_outcome_id"] or 0
        self.action_areas.data = list(data["action_area_ids"])
        self.risks.data = list(data["risk_ids"])
        self.target_populations.data = list(data["target_population_ids"])
        level = data["geographic_level"]
        self.geographic_level.data = level.name if level else ""
        self.countries.data = list(data["countries"])
        self.languages.data = ", ".join(data["languages"])
        self.start_date.data, self.target_date.data = data["start_date"], data["target_date"]
        for name in ("indicator_text", "indicator_unit", "indicator_baseline", "indicator_target"):
            getattr(self, name).data = data[name]
        self.co_implementers.data = list(data["co_implementer_ids"])
        self.matches.data = ", ".join(str(i) for i in data["match_ids"])

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
            "match_ids": match_ids(self.matches.data),
        }


def match_ids(text: str | None) -> list[int]:
    """Commitment numbers from "12, #40 41" (ValueError on anything else)."""
    parts = (text or "").replace(",", " ").replace(";", " ").split()
    ids = [int(part.removeprefix("#")) for part in parts]
    if any(not 0 < i <= MAX_ID for i in ids):
        raise ValueError("not a commitment number")
    return list(dict.fromkeys(ids))


class AmendmentForm(CommitmentForm):
    """An accepted signatory proposes a change to a published commitment, or a new one. It
    carries the commitment's version and the open proposal's ("new": none) as read."""

    proposal_version = HiddenField()
    submit = SubmitField(_l("Send the proposal for review"))


class OnBehalfForm(CommitmentForm):
    """A coordinator changes a published commitment on its organisation's behalf."""

    submit = SubmitField(_l("Save on the organisation's behalf"))


class AmendmentDecisionForm(BaseForm):
    """Coordinator: accept a proposed amendment, request changes to it, or reject it."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            (AmendmentStatus.accepted.name, _l("Accept: the change is published")),
            (AmendmentStatus.changes_requested.name, _l("Request changes")),
            (AmendmentStatus.rejected.name, _l("Reject: the published version stays")),
        ],
        validators=[DataRequired(message=_l("Choose a decision."))],
    )
    comment = TextAreaField(
        _l("Comment to the organisation"),
        validators=[Length(max=5000)],
        description=_l("Required when you request changes or reject."),
    )
    version = HiddenField()
    submit = SubmitField(_l("Record the decision"))

    def validate_comment(self, field) -> None:
        """Requesting changes needs a comment; rejecting needs a reason."""
        if (field.data or "").strip() or self.decision.data == AmendmentStatus.accepted.name:
            return
        raise ValidationError(_l("Say what the organisation should change, or why not."))

    @property
    def status(self) -> AmendmentStatus:
        """The chosen decision as an amendment status."""
        return AmendmentStatus[self.decision.data]


class PartnerAnswerForm(BaseForm):
    """A co-implementing organisation confirms or declines its part in a joint commitment."""

    answer = RadioField(
        _l("Your part in this joint commitment"),
        choices=[
            (PartnerStatus.confirmed.name, _l("We confirm our part")),
            (PartnerStatus.declined.name, _l("We are not part of it")),
        ],
        validators=[DataRequired(message=_l("Choose confirm or decline."))],
    )
    submit_answer = SubmitField(_l("Send the answer"))

    @property
    def status(self) -> PartnerStatus:
        """The answer as a partner status."""
        return PartnerStatus[self.answer.data]


class PartnerNoteForm(BaseForm):
    """A co-implementing organisation's own progress note on a joint commitment."""

    text = TextAreaField(
        _l("Your progress note"),
        validators=[DataRequired(message=_l("Write the note.")), Length(max=5000)],
        description=_l(
            "For the lead organisation and the coordinators; the lead's progress report stays "
            "the consolidated one. Not published."
        ),
    )
    submit_note = SubmitField(_l("Add the note"))


class PartnerInvitationForm(BaseForm):
    """The lead invites a co-implementer that is not registered yet, by e-mail."""

    organisation_name = StringField(
        _l("Organisation name"), validators=[DataRequired(), Length(max=300)]
    )
    email = EmailField(
        _l("E-mail address of a person there"),
        validators=[DataRequired(), Email(message=_l("Enter an e-mail address.")), Length(max=320)],
    )
    submit_invitation = SubmitField(_l("Invite"))


class SubmitSignatureForm(BaseForm):
    """Check your answers: the submit button."""

    submit = SubmitField(_l("Submit for review"))


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
    approve_wording = BooleanField(
        _l("Approve the public wording shown above"),
        description=_l(
            "The organisation is not public: its own words appear in public outputs only once "
            "approved, as shown (names of protected organisations replaced)."
        ),
    )
    wording_version = HiddenField()
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
