"""Organisations: a stakeholder's own page, and the staff directory, profile and merge.

The staff pages show protected data (contacts, engagement records, review comments); they are
for coordinators and admins only, and every page that shows contacts writes one audit event.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit import record
from registry.errors import OperationError
from registry.extensions import db
from registry.forms import BaseForm
from registry.geo import country_choices
from registry.lists import url_int
from registry.models import Organisation, Region, StakeholderType, Visibility
from registry.organisations import operations, queries
from registry.organisations.forms import MergeForm, NewOrganisationForm, OtherNamesForm
from registry.policies import (
    STAFF,
    current_scope,
    get_organisation_or_404,
    login_required,
    role_required,
)

bp = Blueprint("organisations", __name__)
staff_only = role_required(*STAFF)


@bp.get("/my-organisation")
@login_required
def mine():
    """The user's organisation with each signature's status and the reviewers' comments, and
    the progress reports returned for a fix (a stakeholder's start page)."""
    organisation = current_user.organisation
    return render_template(
        "organisations/mine.html",
        organisation=organisation,
        signatures=queries.signatures_of(organisation) if organisation else [],
        returned=queries.returned_updates(organisation) if organisation else [],
        joint=queries.joint_entries(organisation) if organisation else [],
        withdraw_form=BaseForm(),
    )


@bp.get("/coordinate/organisations")
@staff_only
def index():
    """Every organisation, filtered and paginated."""
    filters = queries.OrganisationFilters.from_args(request.args)
    return render_template(
        "organisations/index.html",
        page=queries.organisation_page(filters),
        filters=filters,
        pledges=queries.pledge_choices(),
        stakeholder_types=StakeholderType,
        regions=Region,
        visibilities=Visibility,
        country_choices=country_choices(),
    )


@bp.route("/coordinate/organisations/new", methods=["GET", "POST"])
@staff_only
def new():
    """Add an organisation (e.g. an advocacy target that will never register itself)."""
    form = NewOrganisationForm()
    form.set_country_choices()
    if form.validate_on_submit():
        organisation = operations.create_organisation(**form.new_organisation_data())
        db.session.commit()
        flash(_("%(name)s was added.", name=organisation.name), "success")
        if form.submit_target.data:
            return redirect(
                url_for("engagements.new", organisation_id=organisation.id, kind="advocacy_target")
            )
        return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/new.html", form=form)


@bp.get("/coordinate/organisations/<int:organisation_id>")
@staff_only
def detail(organisation_id: int):
    """An organisation's profile, signatures, commitments, engagement records and, on request,
    its contacts (each showing is audit-logged)."""
    organisation = get_organisation_or_404(organisation_id)
    show_contacts = request.args.get("contacts") == "1"
    if show_contacts:
        record(db.session, "contact.view", organisation)
        db.session.commit()
    return _detail_page(organisation, show_contacts=show_contacts)


def _detail_page(organisation, names_form=None, show_contacts=False, status=200):
    if names_form is None:
        names_form = OtherNamesForm(formdata=None, other_names=organisation.other_names)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        signatures=queries.signatures_of(organisation),
        engagements=queries.organisation_engagements(organisation),
        show_contacts=show_contacts,
        names_form=names_form,
    ), status


@bp.post("/coordinate/organisations/<int:organisation_id>/other-names")
@staff_only
def other_names(organisation_id: int):
    """Set the organisation's other names (redacted from public text like its name)."""
    organisation = get_organisation_or_404(organisation_id)
    form = OtherNamesForm()
    if not form.validate_on_submit():
        return _detail_page(organisation, form, status=400)
    operations.set_other_names(organisation, form.other_names.data)
    db.session.commit()
    flash(_("The other names are saved."), "success")
    return redirect(url_for("organisations.detail", organisation_id=organisation.id))


@bp.route("/coordinate/organisations/<int:organisation_id>/merge", methods=["GET", "POST"])
@staff_only
def merge(organisation_id: int):
    """Merge a duplicate into this organisation: choose it, check what moves, confirm."""
    kept = get_organisation_or_404(organisation_id)
    form = MergeForm(formdata=request.form if request.method == "POST" else request.args)
    form.set_choices(queries.organisation_choices(), kept)
    # A number no id can be (too large for the database) is no organisation, not a 500.
    duplicate = db.session.get(Organisation, url_int(form.duplicate.data, default=0))
    if duplicate is not None and not current_scope().allows_organisation(duplicate):
        duplicate = None  # outside a scoped coordinator's scope: no such organisation
    if request.method == "POST" and form.validate():
        name = duplicate.name if duplicate else None
        try:
            operations.merge_organisations(kept, duplicate, current_user._get_current_object())
        except OperationError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            db.session.commit()
            flash(_("%(name)s was merged into %(kept)s.", name=name, kept=kept.name), "success")
            return redirect(url_for("organisations.detail", organisation_id=kept.id))
    counts = queries.merge_counts(duplicate) if duplicate and duplicate.id != kept.id else None
    return render_template(
        "organisations/merge.html", kept=kept, duplicate=duplicate, form=form, counts=counts
    )
