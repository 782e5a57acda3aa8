"""Signatory reports made on the spot for one organisation: the public preview (the PDF exactly
as the public report prints it) and the organisation's own report (its own data, marked as
such), for its own people or coordinators."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

from flask import Blueprint, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user

from registry.disclosure import View
from registry.errors import Refused
from registry.policies import STAFF, get_organisation_or_404, login_required, role_required
from registry.reports import signatory
from registry.reports.common import ReportParameterError
from registry.reports.render import render_pdf

bp = Blueprint("report_preview", __name__)


def _send(html: str, name: str):
    return send_file(
        BytesIO(render_pdf(html).pdf),
        mimetype="application/pdf",
        download_name=name,
        as_attachment=False,
        max_age=0,
    )


def _pdf(organisation, view: View):
    """The public signatory report of `organisation` through `view`, as a PDF response."""
    try:
        params = signatory.parse_params({"organisation": organisation.id, "audience": "public"})
    except ReportParameterError:
        return render_template("reports/preview_hidden.html", organisation=organisation), 200
    data = signatory.gather(params, view)
    html = signatory.render_html(params, data, fingerprint=None, generated_at=datetime.now(UTC))
    return _send(html, f"public-report-preview-{organisation.id}.pdf")


@bp.get("/my-organisation/public-report.pdf")
@login_required
def mine():
    """My organisation's public signatory report, as the public will read it. Only its own
    identifiers are replaced here: the preview never tells whether another organisation it
    names is protected (that would reveal that it is registered)."""
    organisation = current_user.organisation
    if organisation is None:
        raise Refused(_("Your account is not linked to an organisation yet."))
    return _pdf(organisation, View(only=organisation))


@bp.get("/coordinate/organisations/<int:organisation_id>/public-report.pdf")
@role_required(*STAFF)
def organisation(organisation_id: int):
    """An organisation's public signatory report, exactly as the public will read it."""
    return _pdf(get_organisation_or_404(organisation_id), View())


@bp.get("/organisations/<int:organisation_id>/own-report.pdf")
@login_required
def own(organisation_id: int):
    """The organisation's own signatory report: its own data in full, marked as such on every
    page; its own people only (another organisation's: 404), and coordinators."""
    organisation = get_organisation_or_404(organisation_id)
    params = signatory.own_params(organisation)
    data = signatory.gather(params)
    html = signatory.render_html(params, data, fingerprint=None, generated_at=datetime.now(UTC))
    return _send(html, f"signatory-report-{organisation.id}.pdf")
