"""Staff organisation pages: directory and filters, profile, audited contacts, merging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    Commitment,
    Contact,
    EngagementKind,
    EngagementRecord,
    Invitation,
    JoinRequest,
    Organisation,
    Pledge,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    User,
    Visibility,
    utcnow,
)
from tests.pledges.test_pledge_pages import counting_statements

URL = "/coordinate/organisations"


def count(db, model, **where) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def contact_views(db) -> int:
    return count(db, AuditEvent, action="contact.view")


def test_detail_shows_profile_signatures_commitments_and_engagements(
    client, db, pledge, login_as, coordinator, make_org
):
    org = make_org(name="Lumen Media Trust", acronym="LMT", description="Fact-checks rumours.")
    with acting_as(label="test-setup"):
        signature = Signature(pledge=pledge, organisation=org, status=SignatureStatus.accepted)
        db.session.add_all(
            [
                signature,
                Commitment(signature=signature, title="Train 40 journalists", description="d"),
                EngagementRecord(
                    organisation=org, kind=EngagementKind.partnership, title="Listening pilot"
                ),
                Contact(organisation=org, name="Grace Secret", email="grace@lumen.example"),
            ]
        )
        db.session.commit()
    login_as(coordinator)
    html = client.get(f"{URL}/{org.id}").get_data(as_text=True)
    for text in ("Lumen Media Trust", "LMT", "Fact-checks rumours.", pledge.title, "Accepted"):
        assert text in html
    assert "Train 40 journalists" in html and "Listening pilot" in html
    assert "Show contacts" in html
    assert "grace@lumen.example" not in html  # only behind the explicit button
    assert contact_views(db) == 0


def test_showing_contacts_writes_exactly_one_audit_event(
    client, db, login_as, coordinator, make_org
):
    org = make_org(name="Kakuma Voices")
    with acting_as(label="test-setup"):
        db.session.add(Contact(organisation=org, name="Amina", email="amina@kv.example"))
        db.session.commit()
    login_as(coordinator)
    html = client.get(f"{URL}/{org.id}?contacts=1").get_data(as_text=True)
    assert "amina@kv.example" in html
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.view"))
    [event] = events.all()
    assert (event.entity_type, event.entity_id) == ("Organisation", org.id)
    assert event.actor_id == coordinator.id
    client.get(f"{URL}/{org.id}?contacts=1")
    assert contact_views(db) == 2


def test_unknown_organisation_is_404(client, login_as, coordinator):
    login_as(coordinator)
    assert client.get(f"{URL}/9999").status_code == 404
    assert client.get(f"{URL}/9999/merge").status_code == 404


@pytest.fixture
def directory(db, pledge, make_org):
    """Four organisations: two signatories (one refugee-led, anonymised), two not."""
    other = Pledge(title="Other pledge", slug="other-pledge", summary="")
    db.session.add(other)
    db.session.commit()
    orgs = {
        "alpha": make_org(name="Alpha Tech", acronym="ATX", country="USA",
                          stakeholder_type=StakeholderType.technology_company),
        "bravo": make_org(name="Bravo Refugee Voices", country="KEN",
                          stakeholder_type=StakeholderType.refugee_led_organisation,
                          visibility=Visibility.anonymised),
        "charlie": make_org(name="Charlie Media", country="DEU",
                            stakeholder_type=StakeholderType.media_outlet),
        "delta": make_org(name="Delta Hidden", country="KEN", visibility=Visibility.hidden),
    }  # fmt: skip
    with acting_as(label="test-setup"):
        accepted, draft = SignatureStatus.accepted, SignatureStatus.draft
        db.session.add_all(
            [
                Signature(pledge=pledge, organisation=orgs["alpha"], status=accepted),
                Signature(pledge=other, organisation=orgs["bravo"], status=accepted),
                Signature(pledge=pledge, organisation=orgs["charlie"], status=draft),
            ]
        )
        db.session.commit()
    return orgs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"alpha", "bravo", "charlie", "delta"}),
        ("stakeholder_type=technology_company", {"alpha"}),
        ("region=east_horn_great_lakes", {"bravo", "delta"}),
        ("country=deu", {"charlie"}),
        ("visibility=hidden", {"delta"}),
        ("is_refugee_led=yes", {"bravo"}),
        ("is_refugee_led=no", {"alpha", "charlie", "delta"}),
        ("signatory=any", {"alpha", "bravo"}),
        ("signatory=digital-protection", {"alpha"}),
        ("signatory=other-pledge", {"bravo"}),
        ("q=atx", {"alpha"}),
        ("q=media", {"charlie"}),
        ("country=ZZZ&region=nowhere&page=abc", {"alpha", "bravo", "charlie", "delta"}),
    ],
)
def test_directory_filters(client, login_as, coordinator, directory, query, expected):
    login_as(coordinator)
    html = client.get(f"{URL}?{query}").get_data(as_text=True)
    names = {key: org.name for key, org in directory.items()}
    assert {key for key, name in names.items() if name in html} == expected


def test_directory_paginates_in_a_constant_number_of_statements(
    client, db, pledge, login_as, coordinator, make_org
):
    login_as(coordinator)

    def add(n, offset):
        with acting_as(label="test-setup"):
            for i in range(n):
                org = Organisation(
                    name=f"Org {offset + i:03}",
                    stakeholder_type=StakeholderType.national_ngo,
                    country="KEN",
                )
                db.session.add(org)
                db.session.add(
                    Signature(pledge=pledge, organisation=org, status=SignatureStatus.accepted)
                )
            db.session.commit()

    add(3, 0)
    with counting_statements(db.engine) as few:
        client.get(URL)
    add(40, 3)
    with counting_statements(db.engine) as many:
        html = client.get(URL).get_data(as_text=True)
    assert len(few) == len(many), many
    assert "43 organisations" in html and "Page 1 of 2" in html
    assert "Org 024" in html and "Org 025" not in html
    assert "Org 025" in client.get(f"{URL}?page=2").get_data(as_text=True)


@pytest.fixture
def duplicates(db, pledge, make_org, make_user):
    """`kept` and `duplicate` with overlapping and separate records of every kind."""
    kept = make_org(name="Kakuma Digital Voices")
    duplicate = make_org(name="Kakuma Digital Voices (copy)")
    third = make_org(name="Partner Org")
    other = Pledge(title="Other pledge", slug="other-pledge", summary="", co_leads=[duplicate])
    db.session.add(other)
    db.session.commit()
    window = pledge.windows[0]
    make_user(role=Role.stakeholder, organisation=kept)
    applicant = make_user(role=Role.stakeholder, organisation=None, email="applicant@x.org")
    with acting_as(label="test-setup"):
        kept_sig = Signature(pledge=pledge, organisation=kept)
        dup_same = Signature(pledge=pledge, organisation=duplicate)
        dup_other = Signature(pledge=other, organisation=duplicate)
        third_sig = Signature(pledge=pledge, organisation=third)
        db.session.add_all([kept_sig, dup_same, dup_other, third_sig])
        db.session.add_all(
            [
                Commitment(signature=kept_sig, title="Kept 1", description="d"),
                Commitment(signature=dup_same, title="Dup same 1", description="d"),
                Commitment(signature=dup_same, title="Dup same 2", description="d"),
                Commitment(signature=dup_other, title="Dup other", description="d"),
                Commitment(
                    signature=third_sig, title="Joint", description="d", co_implementers=[duplicate]
                ),
                Commitment(
                    signature=kept_sig,
                    title="Kept joint",
                    description="d",
                    co_implementers=[duplicate],
                ),
                EngagementRecord(
                    organisation=duplicate, kind=EngagementKind.partnership, title="Dup record"
                ),
                Contact(organisation=duplicate, name="Dup contact"),
                Contact(organisation=kept, name="Kept contact"),
                JoinRequest(user=applicant, organisation=duplicate),
                Invitation(
                    window=window,
                    organisation=duplicate,
                    token_hash="f" * 64,
                    expires_at=utcnow() + timedelta(days=3),
                ),
            ]
        )
        db.session.commit()
    make_user(role=Role.stakeholder, organisation=duplicate)
    return kept, duplicate, third


def test_merge_preview_shows_counts(client, login_as, coordinator, duplicates):
    kept, duplicate, _third = duplicates
    login_as(coordinator)
    html = client.get(f"{URL}/{kept.id}/merge?duplicate={duplicate.id}").get_data(as_text=True)
    for key, value in {
        "signatures": 2,
        "commitments": 3,
        "engagement_records": 1,
        "contacts": 1,
        "users": 1,
        "join_requests": 1,
        "invitations": 1,
        "co_implementer_links": 2,
    }.items():
        assert f'data-count="{key}">{value}<' in html, key


def test_merge_moves_everything_and_deletes_the_duplicate(
    client, db, pledge, login_as, coordinator, duplicates
):
    kept, duplicate, third = duplicates
    kept_id, dup_id = kept.id, duplicate.id
    totals = {m: count(db, m) for m in (Commitment, Contact, EngagementRecord, User)}
    assert count(db, Signature, organisation_id=kept_id) == 1
    login_as(coordinator)
    response = client.post(f"{URL}/{kept_id}/merge", data={"duplicate": str(dup_id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{URL}/{kept_id}")

    assert db.session.get(Organisation, dup_id) is None
    for model in (Signature, EngagementRecord, Contact, User, JoinRequest, Invitation):
        assert count(db, model, organisation_id=dup_id) == 0, model
    # Nothing was lost on the way: the same totals, now all under the kept organisation.
    assert {m: count(db, m) for m in totals} == totals
    assert count(db, Signature, organisation_id=kept_id) == 2  # same pledge merged, other moved
    assert count(db, EngagementRecord, organisation_id=kept_id) == 1
    assert count(db, Contact, organisation_id=kept_id) == 2
    assert count(db, User, organisation_id=kept_id) == 2
    assert count(db, JoinRequest, organisation_id=kept_id) == 1
    assert count(db, Invitation, organisation_id=kept_id) == 1
    kept_signature = db.session.scalar(
        select(Signature).where(Signature.organisation_id == kept_id, Signature.pledge == pledge)
    )
    assert sorted(c.title for c in kept_signature.commitments) == [
        "Dup same 1",
        "Dup same 2",
        "Kept 1",
        "Kept joint",
    ]
    joint = db.session.scalar(select(Commitment).where(Commitment.title == "Joint"))
    assert [o.id for o in joint.co_implementers] == [kept_id]
    other = db.session.scalar(select(Pledge).where(Pledge.slug == "other-pledge"))
    assert [o.id for o in other.co_leads] == [kept_id]
    own = db.session.scalar(select(Commitment).where(Commitment.title == "Kept joint"))
    assert own.co_implementers == []  # never a partner of its own commitment
    merge_event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.merge")
    )
    assert merge_event.entity_id == kept_id
    assert merge_event.after["merged"] == dup_id
    assert merge_event.after["name"] == "Kakuma Digital Voices (copy)"
    assert count(db, AuditEvent, action="delete", entity_type="Organisation") == 1


def test_merge_into_itself_is_refused(client, db, login_as, coordinator, duplicates):
    kept, _duplicate, _third = duplicates
    login_as(coordinator)
    response = client.post(f"{URL}/{kept.id}/merge", data={"duplicate": str(kept.id)})
    assert response.status_code == 200
    assert "cannot be merged into itself" in response.get_data(as_text=True)
    assert db.session.get(Organisation, kept.id) is not None
    assert count(db, AuditEvent, action="organisation.merge") == 0


def test_merge_into_itself_is_refused_by_the_operation(db, duplicates):
    from registry import errors
    from registry.organisations import operations as organisation_ops

    kept, _duplicate, _third = duplicates
    with pytest.raises(errors.OperationError):
        organisation_ops.merge_organisations(kept, kept, None)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/{id}"),
        ("GET", "/{id}?contacts=1"),
        ("GET", "/{id}/merge"),
        ("POST", "/{id}/merge"),
    ],
)
def test_stakeholders_get_403(client, db, login_as, make_user, make_org, method, path):
    org = make_org()
    with acting_as(label="test-setup"):
        db.session.add(Contact(organisation=org, name="Secret", email="secret@x.org"))
        db.session.commit()
    login_as(make_user(role=Role.stakeholder, organisation=org))
    response = client.open(URL + path.format(id=org.id), method=method, data={"duplicate": "1"})
    assert response.status_code == 403
    assert "secret@x.org" not in response.get_data(as_text=True)
    assert contact_views(db) == 0


def test_my_organisation_still_works(client, login_as, make_user):
    user = make_user(role=Role.stakeholder)
    login_as(user)
    html = client.get("/my-organisation").get_data(as_text=True)
    assert user.organisation.name in html and "Show contacts" not in html
