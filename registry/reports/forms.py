"""The Reports page's form: one set of fields per report, chosen by name (pledges, windows and
organisations by their names, never a number copied from an address), checked in the words of
the page before the report module checks the parameters again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from registry.forms import BaseForm, EnumSelectField
from registry.geo import Region
from registry.i18n import LANGUAGE_NAMES, current_language, day
from registry.models import Audience, EngagementKind, StakeholderType, utcnow

KINDS = {
    "grf": _l("GRF progress report"),
    "signatory": _l("Signatory report (one organisation)"),
    "engagement": _l("Engagement report (internal)"),
}


class ReportForm(BaseForm):
    """Ask for a report: its kind, then only that report's parameters."""

    report = SelectField(_l("Report"), choices=[])
    grf_pledge = SelectField(
        _l("Pledge"),
        choices=[],
        default="all",
        description=_l("One pledge, or all pledges together."),
    )
    grf_window = SelectField(
        _l("Reporting window"),
        choices=[],
        default="",
        description=_l(
            "The progress reported in one reporting cycle of the pledge. Leave it empty for "
            "the current cycle, or give a date below instead."
        ),
    )
    grf_as_of = DateField(
        _l("As of (UTC)"),
        validators=[Optional()],
        description=_l("The registry as it was at the end of this day, instead of a window."),
    )
    grf_stakeholder_type = EnumSelectField(
        _l("Only one type of organisation"), enum=StakeholderType, blank=_l("All types")
    )
    grf_region = EnumSelectField(_l("Only one region"), enum=Region, blank=_l("All regions"))
    grf_audience = EnumSelectField(
        _l("Audience"),
        enum=Audience,
        default="public",
        description=_l(
            "Internal reports name every organisation and carry an “Internal — not for "
            "distribution” header on every page."
        ),
    )
    grf_language = SelectField(
        _l("Language"),
        choices=list(LANGUAGE_NAMES.items()),
        default="en",
        description=_l("The language the report is written in."),
    )
    signatory_language = SelectField(
        _l("Language"),
        choices=list(LANGUAGE_NAMES.items()),
        default="en",
        description=_l("The language the report is written in."),
    )
    engagement_language = SelectField(
        _l("Language"),
        choices=list(LANGUAGE_NAMES.items()),
        default="en",
        description=_l("The language the report is written in."),
    )
    signatory_organisation = SelectField(_l("Organisation"), choices=[], coerce=int, default=0)
    signatory_pledge = SelectField(_l("Pledge"), choices=[], default="")
    signatory_audience = EnumSelectField(_l("Audience"), enum=Audience, default="public")
    engagement_kind = SelectField(_l("Partners or targets"), choices=[], default="")
    engagement_region = EnumSelectField(_l("Only one region"), enum=Region, blank=_l("All regions"))
    submit = SubmitField(_l("Make the report"))

    def set_choices(self, pledges, windows, organisations) -> None:
        """Fill the menus: pledges (slug, title), progress windows (with their pledge) and
        organisations (id, name)."""
        self.report.choices = [(kind, str(label)) for kind, label in KINDS.items()]
        if not self.is_submitted():
            for field in (self.grf_language, self.signatory_language, self.engagement_language):
                field.data = current_language()
        titles = [(p.slug, p.title) for p in pledges]
        self.grf_pledge.choices = [("all", _l("All pledges"))] + titles
        self.grf_window.choices = [("", _l("The current reporting cycle"))] + [
            (str(w.id), f"{w.pledge.title} — {w.label}") for w in windows
        ]
        self._windows = {str(w.id): w for w in windows}
        self._titles = dict(titles)
        self.signatory_organisation.choices = [(0, _l("Choose an organisation"))] + list(
            organisations
        )
        self.signatory_pledge.choices = [("", _l("All its pledges"))] + titles
        self.engagement_kind.choices = [
            ("", _l("Both")),
            (EngagementKind.partnership.name, EngagementKind.partnership.label),
            (EngagementKind.advocacy_target.name, EngagementKind.advocacy_target.label),
        ]

    def validate(self, extra_validators=None) -> bool:
        """The chosen report's fields only, in the page's words (the others are ignored)."""
        kind = self.report.data
        mine = [
            field
            for name, field in self._fields.items()
            if name in ("report", "csrf_token") or name.startswith(f"{kind}_")
        ]
        valid = [field.validate(self) for field in mine]
        if not all(valid):
            return False
        if kind == "grf":
            self._check_grf()
        elif kind == "signatory" and not self.signatory_organisation.data:
            self.signatory_organisation.errors.append(_l("Choose the organisation."))
        return not any(field.errors for field in mine)

    def _check_grf(self) -> None:
        window = self._windows.get(self.grf_window.data or "")
        if window is not None and self.grf_as_of.data:
            self.grf_as_of.errors.append(_l("Give a date or a reporting window, not both."))
        if window is not None and window.pledge.slug != self.grf_pledge.data:
            self.grf_window.errors.append(
                _l(
                    "This window belongs to the pledge “%(title)s”: choose that pledge, or "
                    "no window.",
                    title=window.pledge.title,
                )
            )
        if self.grf_as_of.data and self.grf_as_of.data > utcnow().date():
            self.grf_as_of.errors.append(
                _l(
                    "Choose today or a day before (%(date)s is ahead).",
                    date=day(self.grf_as_of.data),
                )
            )

    def parameters(self) -> tuple[str, dict]:
        """The report kind and its parameters, as the report modules name them."""
        kind = self.report.data
        if kind == "grf":
            values = {
                "pledge": self.grf_pledge.data,
                "window": self.grf_window.data,
                "as_of": self.grf_as_of.data.isoformat() if self.grf_as_of.data else None,
                "stakeholder_type": self.grf_stakeholder_type.data,
                "region": self.grf_region.data,
                "audience": self.grf_audience.data,
                "language": self.grf_language.data,
            }
        elif kind == "signatory":
            values = {
                "organisation": self.signatory_organisation.data,
                "pledge": self.signatory_pledge.data,
                "audience": self.signatory_audience.data,
                "language": self.signatory_language.data,
            }
        else:
            values = {
                "kind": self.engagement_kind.data,
                "region": self.engagement_region.data,
                "language": self.engagement_language.data,
            }
        return kind, {key: value for key, value in values.items() if value}
