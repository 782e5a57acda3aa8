"""Read-only queries of the report pages: the latest runs, the windows and organisations a
report can cover, and a run's parameters in words."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.extensions import db
from registry.geo import Region
from registry.models import (
    Audience,
    EngagementKind,
    Organisation,
    Pledge,
    ReportRun,
    StakeholderType,
    SubmissionWindow,
    WindowKind,
)
from registry.policies import current_scope, in_scope, report_in_scope


def recent_runs(limit: int) -> list[ReportRun]:
    """The `limit` latest report runs, newest first (their PDFs stay unloaded); for a scoped
    coordinator, the latest of those within the scope (among the last few hundred)."""
    if not current_scope().is_scoped:
        statement = select(ReportRun).order_by(ReportRun.id.desc()).limit(limit)
        return list(db.session.scalars(statement))
    statement = select(ReportRun).order_by(ReportRun.id.desc()).limit(limit * 20)
    runs = [r for r in db.session.scalars(statement) if report_in_scope(r.kind, r.parameters)]
    return runs[:limit]


def progress_windows() -> list[SubmissionWindow]:
    """Every progress window, newest first, with its pledge (the report form's window list)."""
    return list(
        db.session.scalars(
            in_scope(
                select(SubmissionWindow)
                .options(joinedload(SubmissionWindow.pledge))
                .where(SubmissionWindow.kind == WindowKind.progress)
                .order_by(SubmissionWindow.id.desc()),
                pledge_id=SubmissionWindow.pledge_id,
            )
        )
    )


#: How the Reports pages name each parameter.
PARAMETER_LABELS = {
    "pledge": _l("Pledge"),
    "window": _l("Reporting window"),
    "as_of": _l("As of"),
    "stakeholder_type": _l("Type"),
    "region": _l("Region"),
    "audience": _l("Audience"),
    "organisation": _l("Organisation"),
    "kind": _l("Partners or targets"),
}
ENUMS = {
    "stakeholder_type": StakeholderType,
    "region": Region,
    "audience": Audience,
    "kind": EngagementKind,
}


def describe_parameters(runs: list[ReportRun]) -> dict[int, list[tuple[str, str]]]:
    """Each run's parameters as (label, value) in words: pledges, windows and organisations by
    name, vocabularies by label (one query per kind of name, whatever the number of runs)."""
    wanted = {key: set() for key in ("pledge", "window", "organisation")}
    for run in runs:
        for key in wanted:
            if (run.parameters or {}).get(key) not in (None, "all"):
                wanted[key].add(run.parameters[key])
    names = {
        "pledge": dict(
            db.session.execute(
                select(Pledge.slug, Pledge.title).where(Pledge.slug.in_(wanted["pledge"]))
            ).all()
        ),
        "window": dict(
            db.session.execute(
                select(SubmissionWindow.id, SubmissionWindow.label).where(
                    SubmissionWindow.id.in_(wanted["window"])
                )
            ).all()
        ),
        "organisation": dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_(wanted["organisation"])
                )
            ).all()
        ),
    }
    return {run.id: _in_words(run.parameters or {}, names) for run in runs}


def _in_words(parameters: dict, names: dict) -> list[tuple[str, str]]:
    words = []
    for key, value in sorted(parameters.items()):
        if value in (None, ""):
            continue
        if key in ENUMS and value in ENUMS[key].__members__:
            text = ENUMS[key][value].label
        elif value == "all" and key == "pledge":
            text = gettext("All pledges")
        else:
            text = names.get(key, {}).get(value, value)
        words.append((str(PARAMETER_LABELS.get(key, key)), str(text)))
    return words
