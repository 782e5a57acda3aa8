"""Coordinators scoped to pledges and regions (registry/policies.py): outside the scope every
coordinator route answers 404, or a list without the rows outside it; admins are unaffected.

The walk reads `app.url_map`: a route taking an object id is built with an object outside the
scope (by the name of its URL argument); a route without one must be listed below as a list
page (checked for rows outside the scope) or as an exemption with its reason, so a new
coordinator route that is neither fails the suite.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.evidence import CheckedFile
from registry.models import (
    Commitment,
    CommitmentStatus,
    EngagementKind,
    EngagementRecord,
    Invitation,
    JoinRequest,
    KeyOutcome,
    Pledge,
    PossibleDuplicate,
    Region,
    ReportRun,
    ReportStatus,
    Role,
    Signature,
    SignatureStatus,
    WindowKind,
)
from registry.pledges import operations as pledge_ops
from registry.progress import operations as progress_ops
from registry.signatures import amendments as signature_ops
from registry.transfer.queries import KINDS
from tests.conftest import browser_of, make_app

pytestmark = pytest.mark.usefixtures("evidence_dir")

#: Every name outside the scope carries this word; nothing inside does.
OUT = "quokka"

#: Routes without an object id that list records: the scoped coordinator's page must hold
#: nothing outside the scope (an admin's page holds some, so the check can fail).
LIST_ROUTES = {
    ("GET", "auditlog.index"),
    ("GET", "commitments.index"),
    ("GET", "dashboard.index"),
    ("GET", "engagements.index"),
    ("GET", "invitations.index"),
    ("GET", "membership.requests"),
    ("GET", "organisations.index"),
    ("GET", "progress.queue"),
    ("GET", "reports.index"),
    ("GET", "review.queue"),
    ("GET", "review.amendment_queue"),
    ("GET", "coordinate.windows"),
    ("GET", "engagements.new"),
}

#: Routes a scoped coordinator may not use at all (404): they act on the whole registry.
UNSCOPED_ONLY = {
    ("GET", "transfer.import_page"),
    ("POST", "transfer.check_import"),
    ("POST", "transfer.confirm_import"),
    ("GET", "transfer.import_run"),
    ("GET", "api_tokens.index"),
    ("POST", "api_tokens.index"),
}

#: Routes not walked, each with the reason (and the test that covers it, if any).
EXEMPT = {
    ("POST", "api_tokens.revoke"): "the coordinator's own token (another user's answers 404)",
    ("POST", "commitments.save_filter"): "the coordinator's own saved filter",
    ("POST", "commitments.delete_filter"): "the coordinator's own saved filter (other: 404)",
    ("POST", "commitments.bulk_status"): "ids outside the scope are ignored: test below",
    ("POST", "commitments.bulk_remind"): "ids outside the scope are ignored: test below",
    ("POST", "progress.remind"): "windows outside the scope are refused: test below",
    ("POST", "reports.create"): "parameters outside the scope are refused: test below",
    ("POST", "invitations.index"): "windows and organisations outside are refused: test below",
    ("POST", "engagements.new"): "organisations outside the scope are refused: test below",
    ("GET", "organisations.new"): "an empty form for a new organisation",
    ("POST", "organisations.new"): "registers a new organisation (it is in no list yet)",
    ("GET", "transfer.template"): "an empty import file: column names only",
    ("GET", "organisations.mine"): "the user's own organisation",
    ("GET", "report_preview.mine"): "the user's own organisation",
    ("GET", "following.index"): "the user's own follows (what can no longer be seen: unnamed)",
    ("POST", "following.follow"): "get_followable_or_404: 404 outside the scope (tests/following)",
    ("POST", "following.unfollow"): "the user's own follow; else as following.follow",
}

#: URL argument -> the key of the objects outside the scope it is built with.
ARGUMENTS = {
    "commitment_id": "commitments",
    "signature_id": "signatures",
    "update_id": "updates",
    "record_id": "engagements",
    "organisation_id": "organisations",
    "window_id": "windows",
    "run_id": "runs",
    "request_id": "join_requests",
    "duplicate_id": "duplicates",
    "file_id": "evidence",
    "amendment_id": "amendments",
}


def _coordinator_routes(app) -> list[tuple[str, str, object]]:
    """(method, endpoint, rule) of every route a coordinator may open."""
    routes = []
    for rule in app.url_map.iter_rules():
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if access in (None, "public") or Role.coordinator not in access:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.endpoint, rule))
    return routes


def _walked(app) -> list:
    return [
        pytest.param(method, endpoint, rule.rule, id=f"{method} {endpoint}")
        for method, endpoint, rule in _coordinator_routes(app)
        if rule.arguments & set(ARGUMENTS) and (method, endpoint) not in UNSCOPED_ONLY
    ]


WALK_APP = make_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_every_coordinator_route_is_walked_listed_or_exempt():
    uncovered = []
    for method, endpoint, rule in _coordinator_routes(WALK_APP):
        key = (method, endpoint)
        by_id = bool(rule.arguments & set(ARGUMENTS))
        exports = endpoint == "transfer.export"
        listed = key in LIST_ROUTES | UNSCOPED_ONLY or key in EXEMPT
        if not (by_id or exports or listed):
            uncovered.append(f"{method} {endpoint} {rule.rule}")
    assert uncovered == [], "walk these routes, list them, or exempt them with a reason"
    stale = {key for key in LIST_ROUTES | UNSCOPED_ONLY | set(EXEMPT)} - {
        (method, endpoint) for method, endpoint, _rule in _coordinator_routes(WALK_APP)
    }
    assert stale == set(), "these routes no longer exist"


def _signature(db, pledge, organisation, titles, status=SignatureStatus.accepted):
    with acting_as(label="test-setup"):
        signature = Signature(pledge=pledge, organisation=organisation)
        db.session.add(signature)
        signature.commitments = [
            Commitment(title=title, description="d", key_outcome=pledge.key_outcomes[0])
            for title in titles
        ]
        signature.status = status
        db.session.commit()
    return signature


def _submit_updates(db, user, signature, window):
    with acting_as(user):
        updates = []
        for commitment in signature.commitments:
            data = {
                "status": CommitmentStatus.in_progress,
                "progress_percent": 40,
                "actual_value": None,
                "achievements": f"Did {commitment.title}",
                "challenges": None,
                "next_steps": None,
                "evidence_links": [],
            }
            updates.append(progress_ops.save_progress_update(commitment, window, data, user, True))
        db.session.commit()
    return updates


@pytest.fixture
def world(db, pledge, make_org, make_user):
    """Two pledges (the seeded one inside the scope, "Quokka pledge" outside) and two regions
    (East Africa inside, Europe outside), with records of every kind on both sides."""
    with acting_as(label="test-setup"):
        other = Pledge(title="Quokka pledge", slug="quokka", summary="s")
        other.key_outcomes = [KeyOutcome(title="Quokka outcome", position=1)]
        db.session.add(other)
        db.session.commit()
        inside_window = pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM 2025")
        other_window = pledge_ops.open_window(other, WindowKind.progress, label="Quokka cycle")
        db.session.commit()
    kenya = make_org(name="Nairobi Listening Lab", country="KEN")
    kenya2 = make_org(name="Kisumu Radio", country="KEN")
    europe = make_org(name="Quokka Verein", country="DEU")
    europe2 = make_org(name="Quokka Stiftung", country="DEU")
    kenya_user = make_user(organisation=kenya)
    europe_user = make_user(organisation=europe)
    inside = _signature(db, pledge, kenya, ["Inside moderation", "Inside literacy"])
    other_pledge = _signature(db, other, kenya, ["Quokka pledge work"])
    other_region = _signature(db, pledge, europe, ["Quokka region work"])
    submitted_in = _signature(db, pledge, kenya2, ["Kisumu hour"], SignatureStatus.submitted)
    submitted_out = [
        _signature(db, other, kenya2, ["Quokka submitted"], SignatureStatus.submitted),
        _signature(db, pledge, europe2, ["Quokka submitted too"], SignatureStatus.submitted),
    ]
    in_updates = _submit_updates(db, kenya_user, inside, inside_window)
    out_updates = _submit_updates(db, kenya_user, other_pledge, other_window)
    out_updates += _submit_updates(db, europe_user, other_region, inside_window)
    joiner = make_user(role=Role.stakeholder, organisation=None)
    newcomer = make_org(name="Quokka Verein e.V.", country="DEU")
    with acting_as(label="test-setup"):
        engagements = [
            EngagementRecord(
                organisation=europe, kind=EngagementKind.advocacy_target, title="Quokka target"
            )
        ]
        inside_engagement = EngagementRecord(
            organisation=kenya, kind=EngagementKind.partnership, title="Nairobi partnership"
        )
        db.session.add_all([*engagements, inside_engagement])
        join = JoinRequest(user=joiner, organisation=europe)
        duplicate = PossibleDuplicate(organisation=newcomer, existing=europe)
        runs = [
            ReportRun(kind="grf", parameters={"pledge": "quokka"}, status=ReportStatus.done),
            ReportRun(
                kind="grf",
                parameters={"pledge": pledge.slug, "region": "europe"},
                status=ReportStatus.done,
            ),
            ReportRun(kind="signatory", parameters={"organisation": europe.id}),
        ]
        for run in runs:
            run.pdf = b"%PDF-1.4 quokka"
        db.session.add_all([*engagements, inside_engagement, join, duplicate, *runs])
        kept = [
            progress_ops.attach_evidence(
                update, CheckedFile(b"%PDF-1.4 quokka", "quokka.pdf", "application/pdf"), None
            )
            for update in out_updates
        ]
        proposals = [
            (inside, kenya_user),
            (other_pledge, kenya_user),
            (other_region, europe_user),
        ]
        amendments = []
        for signature, proposer in proposals:
            commitment = signature.commitments[0]
            data = signature_ops.published_values(commitment) | {
                "title": f"{commitment.title} amended"
            }
            amendments.append(
                signature_ops.propose_amendment(
                    signature,
                    data,
                    proposer,
                    commitment=commitment,
                    read_version=str(commitment.version),
                    read_proposal="new",
                )
            )
        pledge_ops.create_invitation(other_window, organisation=kenya)
        pledge_ops.create_invitation(inside_window, organisation=europe)
        db.session.commit()
    return {
        "pledge": pledge,
        "other": other,
        "inside_window": inside_window,
        "inside": inside,
        "kenya": kenya,
        "europe": europe,
        "in_updates": in_updates,
        "submitted_in": submitted_in,
        "inside_engagement": inside_engagement,
        # outside the scope, by URL argument
        "commitments": other_pledge.commitments + other_region.commitments,
        "signatures": [other_pledge, other_region, *submitted_out],
        "updates": out_updates,
        "engagements": engagements,
        "organisations": [europe, newcomer],
        "windows": [other_window],
        "runs": runs,
        "join_requests": [join],
        "duplicates": [duplicate],
        "evidence": kept,
        "amendments": amendments[1:],
    }


@pytest.fixture
def scoped(db, make_user, world):
    """A coordinator scoped to the seeded pledge in East and Horn of Africa."""
    from registry.accounts import operations as account_ops

    user = make_user(role=Role.coordinator, name="Scoped Sam")
    with acting_as(label="test-setup"):
        account_ops.set_scope(user, [world["pledge"].id], [Region.east_horn_great_lakes.name])
        db.session.commit()
    return user


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.admin, name="Ada Admin")


def _urls(rule: str, world) -> list[str]:
    """The rule built with each object outside the scope its id arguments name."""
    arguments = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    objects = [world[ARGUMENTS[name]] for name in arguments if name in ARGUMENTS]
    assert len(objects) == 1, rule
    return [re.sub(r"<[^<>]+>", str(obj.id), rule) for obj in objects[0]]


@pytest.mark.parametrize(("method", "endpoint", "rule"), _walked(WALK_APP))
def test_a_scoped_coordinator_gets_404_outside_the_scope(
    client, login_as, world, scoped, method, endpoint, rule
):
    login_as(scoped)
    for url in _urls(rule, world):
        response = client.open(url, method=method)
        assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize(("method", "endpoint", "rule"), _walked(WALK_APP))
def test_an_admin_reaches_the_same_objects(client, login_as, world, admin, method, endpoint, rule):
    login_as(admin)
    url = _urls(rule, world)[0]
    assert client.open(url, method=method).status_code != 404, url


def _text(response) -> str:
    return response.get_data(as_text=True).lower()


@pytest.mark.parametrize(("method", "endpoint"), sorted(LIST_ROUTES))
def test_a_scoped_coordinators_lists_hold_nothing_outside_the_scope(
    app, client, login_as, world, scoped, admin, method, endpoint
):
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint)
    login_as(scoped)
    response = client.open(url, method=method)
    assert response.status_code == 200
    assert OUT not in _text(response)
    other = browser_of(app, admin)
    assert OUT in _text(other.open(url, method=method))


@pytest.mark.parametrize(("method", "endpoint"), sorted(UNSCOPED_ONLY))
def test_whole_registry_routes_are_closed_to_a_scoped_coordinator(
    app, client, login_as, world, scoped, method, endpoint
):
    rule = next(r for r in WALK_APP.url_map.iter_rules() if r.endpoint == endpoint)
    login_as(scoped)
    assert client.open(re.sub(r"<[^<>]+>", "1", rule.rule), method=method).status_code == 404


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("kind", KINDS)
def test_exports_hold_exactly_the_rows_inside_the_scope(
    app, client, login_as, world, scoped, admin, kind
):
    login_as(scoped)
    response = client.get(f"/coordinate/export/{kind}.csv")
    assert response.status_code == 200
    assert OUT not in _text(response)
    scoped_rows = _rows(response)
    everything = _rows(browser_of(app, admin).get(f"/coordinate/export/{kind}.csv"))
    inside = [row for row in everything if OUT not in " ".join(map(str, row.values())).lower()]
    assert scoped_rows == inside and len(everything) > len(inside)


def test_the_tracker_and_queues_show_exactly_the_rows_inside(client, login_as, world, scoped):
    login_as(scoped)
    tracker = client.get("/coordinate/commitments?per_page=100").get_data(as_text=True)
    titles = set(re.findall(r">(Inside [a-z]+|Kisumu hour)<", tracker))
    assert titles == {"Inside moderation", "Inside literacy", "Kisumu hour"}
    queue = client.get("/coordinate/progress").get_data(as_text=True)
    assert "Inside moderation" in queue and "Inside literacy" in queue
    review = client.get("/coordinate/review").get_data(as_text=True)
    assert "Kisumu Radio" in review
    engagements = client.get("/coordinate/engagements").get_data(as_text=True)
    assert "Nairobi partnership" in engagements


def test_inside_the_scope_a_scoped_coordinator_works_as_before(client, db, login_as, world, scoped):
    login_as(scoped)
    update = world["in_updates"][0]
    assert client.get(f"/coordinate/commitments/{update.commitment_id}").status_code == 200
    assert client.get(f"/coordinate/review/{world['submitted_in'].id}").status_code == 200
    assert client.get(f"/coordinate/organisations/{world['kenya'].id}").status_code == 200
    engagement = world["inside_engagement"]
    assert client.get(f"/coordinate/engagements/{engagement.id}").status_code == 200
    response = client.post(
        f"/coordinate/progress/{update.id}/verify", data={"version": str(update.version)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(update), update.id).review_state.name == "verified"


def test_bulk_actions_ignore_commitments_outside_the_scope(client, db, login_as, world, scoped):
    login_as(scoped)
    outside = world["commitments"]
    inside = world["inside"].commitments[0]
    client.post(
        "/coordinate/commitments/bulk/status",
        data={
            "ids": [c.id for c in outside] + [inside.id],
            "status": "discontinued",
            "comment": "Stopped",
        },
    )
    db.session.expire_all()
    assert db.session.get(Commitment, inside.id).status is CommitmentStatus.discontinued
    assert all(
        db.session.get(Commitment, c.id).status is not CommitmentStatus.discontinued
        for c in outside
    )


def test_reports_outside_the_scope_are_refused(client, db, login_as, world, scoped):
    login_as(scoped)
    before = db.session.scalar(select(func.count(ReportRun.id)))
    for data in (
        {"report": "grf", "grf_pledge": "quokka", "grf_region": "east_horn_great_lakes"},
        {"report": "grf", "grf_pledge": "all", "grf_region": "east_horn_great_lakes"},
        {"report": "grf", "grf_pledge": world["pledge"].slug},
        {"report": "signatory", "signatory_organisation": world["europe"].id},
        {"report": "engagement", "engagement_region": "europe"},
    ):
        response = client.post("/coordinate/reports", data=data | {"grf_audience": "public"})
        assert response.status_code == 400, data
    assert db.session.scalar(select(func.count(ReportRun.id))) == before


def test_forms_refuse_windows_and_organisations_outside_the_scope(
    client, db, login_as, world, scoped
):
    login_as(scoped)
    invitations = db.session.scalar(select(func.count(Invitation.id)))
    response = client.post(
        "/coordinate/invitations",
        data={"window": world["windows"][0].id, "organisation": world["kenya"].id, "days": 7},
    )
    assert response.status_code in (200, 400)
    response = client.post(
        "/coordinate/invitations",
        data={"window": world["inside_window"].id, "organisation": world["europe"].id, "days": 7},
    )
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(func.count(Invitation.id))) == invitations
    records = db.session.scalar(select(func.count(EngagementRecord.id)))
    response = client.post(
        "/coordinate/engagements/new",
        data={
            "organisation": world["europe"].id,
            "kind": "partnership",
            "title": "Sneaky",
        },
    )
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(func.count(EngagementRecord.id))) == records
    response = client.post("/coordinate/progress/remind", data={"window": world["windows"][0].id})
    assert response.status_code == 302
    assert "Choose an open progress window." in client.get("/coordinate/progress").get_data(
        as_text=True
    )


def test_admins_set_a_scope_by_name_and_it_is_audited(client, db, login_as, world, admin):
    from registry.models import AuditEvent, User

    coordinator = db.session.scalar(select(User).where(User.role == Role.coordinator))
    if coordinator is None:
        from registry.accounts import operations as account_ops

        with acting_as(label="test-setup"):
            coordinator = account_ops.create_user(
                "cora@agency.example.org", "Cora", "a long pass phrase here", Role.coordinator
            )
            db.session.commit()
    login_as(admin)
    page = client.get(f"/admin/users/{coordinator.id}/scope").get_data(as_text=True)
    assert "Quokka pledge" in page and "Europe" in page
    response = client.post(
        f"/admin/users/{coordinator.id}/scope",
        data={"pledges": [world["other"].id], "regions": ["europe"]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, coordinator.id)
    assert saved.scope_pledge_ids == [world["other"].id] and saved.scope_regions == ["europe"]
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "User", AuditEvent.entity_id == coordinator.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["scope_regions"] == ["europe"]
    users = client.get("/admin/users").get_data(as_text=True)
    assert "Quokka pledge; Europe" in users
    # A region that is none, and admins, who are always unscoped: refused, nothing saved.
    response = client.post(f"/admin/users/{coordinator.id}/scope", data={"regions": ["atlantis"]})
    assert response.status_code == 400 and "atlantis" not in str(saved.scope_regions)
    response = client.post(f"/admin/users/{admin.id}/scope", data={"regions": ["europe"]})
    assert response.status_code == 400
    assert "Only coordinators work within a scope" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).scope_regions == []


def test_a_scoped_coordinators_api_token_does_not_work(client, db, world, scoped):
    """The API reads the whole registry: a token of a coordinator with a scope is refused."""
    from registry.api import operations as api_ops

    with acting_as(scoped):
        _token, secret = api_ops.create_token(scoped, "laptop", ["internal"], 30)
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/commitments", headers=headers).status_code == 401
    from registry.accounts import operations as account_ops

    with acting_as(label="test-setup"):
        account_ops.set_scope(db.session.merge(scoped), [], [])
        db.session.commit()
    assert client.get("/api/v1/commitments", headers=headers).status_code == 200


def test_the_merge_page_shows_no_duplicate_outside_the_scope(client, db, login_as, world, scoped):
    """The merge page chooses its duplicate by a query argument (not walked above): one
    outside the scope is neither named nor counted, and cannot be merged."""
    login_as(scoped)
    kenya, europe = world["kenya"], world["europe"]
    url = f"/coordinate/organisations/{kenya.id}/merge"
    page = client.get(f"{url}?duplicate={europe.id}")
    assert page.status_code == 200
    assert OUT not in _text(page)
    response = client.post(url, data={"duplicate": str(europe.id), "confirm": "y"})
    assert OUT not in _text(response)
    db.session.expire_all()
    assert db.session.get(type(europe), europe.id) is not None


def test_editing_on_behalf_offers_no_protected_organisation_outside_the_scope(
    app, client, db, login_as, world, scoped, admin, make_org
):
    """A scoped coordinator names co-implementers among the public organisations and those of
    its scope: a hidden or anonymised one of another region is not offered (an admin's is)."""
    from registry.models import Visibility

    make_org(name="Quokka Hidden Circle", country="DEU", visibility=Visibility.hidden)
    make_org(name="Quokka Quiet Society", country="DEU", visibility=Visibility.anonymised)
    commitment = world["inside"].commitments[0]
    url = f"/coordinate/review/commitments/{commitment.id}/edit"
    login_as(scoped)
    response = client.get(url)
    assert response.status_code == 200
    page = _text(response)
    assert "quokka verein" in page  # a public organisation of another region: offered
    assert "quokka hidden circle" not in page and "quokka quiet society" not in page
    page = _text(browser_of(app, admin).get(url))
    assert "quokka hidden circle" in page and "quokka quiet society" in page
