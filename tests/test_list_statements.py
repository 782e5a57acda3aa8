"""Every list page sends the same number of SQL statements whatever the data size and the
number of rows per page: no statement per row (an N+1 query) anywhere."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from registry.audit import acting_as
from registry.disclosure import forget_kept
from registry.models import (
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    Invitation,
    JoinRequest,
    ProgressUpdate,
    ReportRun,
    ReportStatus,
    ReviewState,
    Role,
    Signature,
    SignatureStatus,
    SubmissionWindow,
    WindowKind,
    utcnow,
)
from tests.conftest import PASSWORD
from tests.statements import counting_statements

#: (URL, the same list at another page size or None)
LIST_PAGES = [
    ("/", None),
    ("/pledges", None),
    ("/pledges/digital-protection", "/pledges/digital-protection?page=2"),
    ("/admin/users", None),
    ("/coordinate/organisations", "/coordinate/organisations?page=2"),
    ("/coordinate/windows", None),
    ("/coordinate/invitations", None),
    ("/coordinate/join-requests", None),
    ("/coordinate/review", None),
    ("/coordinate/progress", None),
    ("/coordinate/commitments", "/coordinate/commitments?per_page=100"),
    ("/coordinate/commitments?q=Commitment", "/coordinate/commitments?q=Commitment&per_page=10"),
    ("/coordinate/engagements", "/coordinate/engagements?page=2"),
    ("/coordinate/dashboard", "/coordinate/dashboard?pledge=digital-protection"),
    ("/coordinate/audit", "/coordinate/audit?page=2"),
    ("/coordinate/reports", None),
    ("/commitments", "/commitments?page=2"),
    ("/commitments?q=Commitment&status=in_progress", "/commitments?q=Commitment&page=2"),
    ("/signatories", "/signatories?page=2"),
    ("/pledges/digital-protection/progress", None),
    ("/api/v1/pledges", None),
    ("/api/v1/commitments", "/api/v1/commitments?per_page=100"),
    ("/api/v1/commitments?q=Commitment", "/api/v1/commitments?q=Commitment&per_page=10"),
    ("/api/v1/signatories", "/api/v1/signatories?per_page=100"),
    ("/open-data/commitments.csv", None),
    ("/open-data/signatories.json", None),
]


def _units(db, pledge, make_org, make_user, start: int, count: int, admin) -> None:
    """`count` organisations, each with what every list page lists: a stakeholder, an accepted
    and a submitted signature, commitments with updates waiting for verification, an
    engagement record, a join request, an invitation and a report run."""
    window = SubmissionWindow(
        pledge=pledge,
        kind=WindowKind.progress,
        label=f"Window {start}",
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=30),
    )
    with acting_as(label="test-setup"):
        db.session.add(window)
        db.session.commit()
    for n in range(start, start + count):
        org, waiting = make_org(name=f"Org {n:03d}"), make_org(name=f"Waiting {n:03d}")
        user = make_user(organisation=org, email=f"member{n}@example.org")
        joiner = make_user(role=Role.stakeholder, email=f"joiner{n}@example.org")
        with acting_as(label="test-setup"), db.session.no_autoflush:
            signature = Signature(pledge=pledge, organisation=org, status=SignatureStatus.accepted)
            db.session.add(signature)
            db.session.add(
                Signature(pledge=pledge, organisation=waiting, status=SignatureStatus.submitted)
            )
            for k in range(3):
                commitment = Commitment(
                    signature=signature,
                    title=f"Commitment {n}.{k}",
                    status=CommitmentStatus.in_progress,
                    key_outcome=pledge.key_outcomes[k % len(pledge.key_outcomes)],
                )
                commitment.progress_updates.append(
                    ProgressUpdate(
                        window=window,
                        status=CommitmentStatus.in_progress,
                        review_state=ReviewState.submitted,
                        submitted_at=utcnow(),
                        submitted_by_id=user.id,
                    )
                )
                db.session.add(commitment)
            db.session.add_all(
                [
                    EngagementRecord(
                        organisation=org,
                        kind=EngagementKind.partnership,
                        title=f"Partnership {n}",
                        stage=EngagementStage.active,
                        focal_point_id=admin.id,
                    ),
                    JoinRequest(user=joiner, organisation=org),
                    Invitation(
                        window=pledge.windows[0],
                        organisation=org,
                        token_hash=Invitation.hash_token(secrets.token_urlsafe(8)),
                        expires_at=utcnow() + timedelta(days=7),
                        created_by_id=admin.id,
                    ),
                    ReportRun(kind="signatory", status=ReportStatus.done, requested_by_id=admin.id),
                ]
            )
            db.session.commit()


def _statements(app, client, url: str) -> int:
    """The page's own statements (not the session store's, read and written on any request)."""
    # The directory's facets are counted, the protected organisations' identifiers loaded and
    # the pledges' signatories sorted once per data version: every time here (the dearest case).
    forget_kept()
    with counting_statements(app.extensions["sqlalchemy"].engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.admin, email="admin@agency.example.org")


def test_list_pages_send_as_many_statements_for_more_rows_and_other_page_sizes(
    app, client, db, pledge, make_org, make_user, admin
):
    client.post("/account/login", data={"email": admin.email, "password": PASSWORD})
    _units(db, pledge, make_org, make_user, 0, 3, admin)
    few = {url: _statements(app, client, url) for url, _other in LIST_PAGES}
    _units(db, pledge, make_org, make_user, 3, 27, admin)
    many = {url: _statements(app, client, url) for url, _other in LIST_PAGES}
    assert {u: (few[u], many[u]) for u in few if few[u] != many[u]} == {}
    # Another page or page size: the same statements as the first page.
    for url, other in LIST_PAGES:
        if other is not None:
            assert _statements(app, client, other) == many[url], other
