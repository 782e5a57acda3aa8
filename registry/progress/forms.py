"""Forms of progress reporting: an update, returning one, sending reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from registry.evidence import EvidenceRefused, check_upload
from registry.forms import (
    BaseForm,
    DisclosureCheckMixin,
    EnumSelectField,
    VersionedForm,
    finite_number,
    http_url_text,
)
from registry.models import CommitmentStatus

MAX_EVIDENCE_LINKS = 10


class ProgressUpdateForm(DisclosureCheckMixin, VersionedForm):
    """One commitment's progress in one reporting window, carrying the version of the update
    it was opened at ("new" when there was none): of two saves at once, one is refused."""

    DISCLOSED_FIELDS = ("achievements", "challenges", "next_steps")

    status = EnumSelectField(
        _l("Status"),
        enum=CommitmentStatus,
        validators=[DataRequired(message=_l("Choose the commitment's status."))],
    )
    progress_percent = IntegerField(
        _l("Progress (%)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("Enter a percentage from 0 to 100.")),
        ],
        description=_l("Leave empty if you cannot say: it is shown as “not reported”, not 0 %."),
    )
    actual_value = FloatField(
        _l("Indicator value reached"),
        validators=[Optional(), finite_number],
        description=_l("The indicator's current value, to compare with its baseline and target."),
    )
    achievements = TextAreaField(_l("Achievements"), validators=[Optional(), Length(max=5000)])
    challenges = TextAreaField(_l("Challenges"), validators=[Optional(), Length(max=5000)])
    next_steps = TextAreaField(_l("Next steps"), validators=[Optional(), Length(max=5000)])
    evidence_links = TextAreaField(
        _l("Evidence links"),
        validators=[Optional(), Length(max=5000)],
        description=_l("One web address per line (http:// or https://), up to 10."),
    )
    evidence_file = FileField(
        _l("Evidence file"),
        description=_l(
            "Optional: a PDF, an image (PNG, JPEG, WebP), a Word, Excel, PowerPoint or "
            "OpenDocument file, or a CSV table, up to the size limit. Coordinators see it; the "
            "public only if a coordinator publishes it."
        ),
    )
    confirm_fulfilled = BooleanField(_l("Yes, the commitment is fulfilled below 100 %"))
    save_draft = SubmitField(_l("Save draft"))
    #: The evidence file that passed the checks (set by validation), else None.
    checked_evidence = None
    submit_update = SubmitField(_l("Submit for verification"))

    def validate_evidence_links(self, field) -> None:
        """Each line a real http(s) address, at most ten."""
        links = self.links()
        if len(links) > MAX_EVIDENCE_LINKS:
            raise ValidationError(_l("Give at most 10 links."))
        for link in links:
            http_url_text(link)

    def validate_evidence_file(self, field) -> None:
        """Read the upload and check its size and real type (its content, never its name);
        the browser cannot keep a chosen file, so the message says to choose it again."""
        upload = field.data
        if upload is None or not getattr(upload, "filename", None):
            return
        try:
            self.checked_evidence = check_upload(upload.stream, upload.filename)
        except EvidenceRefused as exc:
            raise ValidationError(
                _l("%(reason)s Nothing was saved; choose the file again.", reason=str(exc))
            ) from None

    def validate_confirm_fulfilled(self, field) -> None:
        """Ask, never silently fix: fulfilled with a percentage below 100 needs a confirmation."""
        percent = self.progress_percent.data
        if self.status.data == "fulfilled" and percent is not None and percent < 100:
            if not field.data:
                raise ValidationError(
                    _l(
                        "The status is fulfilled but progress is below 100 %. Correct the "
                        "percentage, or tick the box to confirm."
                    )
                )

    def links(self) -> list[str]:
        """The evidence links, one per non-empty line."""
        return [
            line.strip() for line in (self.evidence_links.data or "").splitlines() if line.strip()
        ]

    def load(self, update) -> None:
        """Fill the form from a saved update (on GET)."""
        self.status.data = update.status.name
        self.progress_percent.data = update.progress_percent
        self.actual_value.data = update.actual_value
        self.achievements.data, self.challenges.data = update.achievements, update.challenges
        self.next_steps.data = update.next_steps
        self.evidence_links.data = "\n".join(update.evidence_links or [])

    def update_data(self) -> dict:
        """The fields as `save_progress_update` arguments."""
        return {
            "status": self.status.member,
            "progress_percent": self.progress_percent.data,
            "actual_value": self.actual_value.data,
            "achievements": (self.achievements.data or "").strip() or None,
            "challenges": (self.challenges.data or "").strip() or None,
            "next_steps": (self.next_steps.data or "").strip() or None,
            "evidence_links": self.links(),
        }

    @property
    def submitting(self) -> bool:
        """Whether the person asked to submit rather than save a draft."""
        return bool(self.submit_update.data)


class ReviewUpdateForm(VersionedForm):
    """Coordinator: verify an update, as read on the page (the version it was read at)."""

    def is_stale(self, record) -> bool:
        """Changed since it was read, or never read (no version posted): refuse either way."""
        return not self.version.data or super().is_stale(record)


class VerifyUpdateForm(ReviewUpdateForm):
    """Coordinator: verify an update, and approve its public wording as read."""

    approve_wording = BooleanField(_l("and approve its public wording as shown"))


class ReturnUpdateForm(ReviewUpdateForm):
    """Coordinator: return an update with a comment."""

    comment = TextAreaField(
        _l("Comment for the reporter"),
        validators=[DataRequired(message=_l("Say what needs changing.")), Length(max=5000)],
    )
    submit = SubmitField(_l("Return with comment"))


class RemindForm(BaseForm):
    """Coordinator: send reminders for a progress window."""

    window = SelectField(_l("Progress window"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Send reminders"))


class EvidencePublicForm(BaseForm):
    """A coordinator publishes an evidence file, or takes it back (a button that says which)."""

    public = HiddenField(validators=[AnyOf(["0", "1"])])
