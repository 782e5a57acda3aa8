"""The audit log: every change to the registry's records, filtered and paginated."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from registry.auditlog import queries
from registry.policies import STAFF, role_required

bp = Blueprint("auditlog", __name__)


@bp.get("/coordinate/audit")
@role_required(*STAFF)
def index():
    """Audit events, newest first, filtered by actor, entity, action and date (GET parameters)."""
    filters = queries.AuditFilters.from_args(request.args)
    return render_template(
        "auditlog/index.html",
        filters=filters,
        page=queries.audit_page(filters),
        choices=queries.audit_choices(),
        diff=queries.audit_diff,
    )
