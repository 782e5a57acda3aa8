"""Engagement records: create, edit, list and filter, stages, conversion, conflicts, privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.audit import acting_as
from registry.engagements import operations as engagement_ops
from registry.models import (
    AuditEvent,
    EngagementKind,
    EngagementRecord,
    EngagementStage,
    Role,
    Signature,
    SignatureStatus,
    StakeholderType,
    VocabularyKind,
    VocabularyTerm,
)
from tests.conftest import PASSWORD

URL = "/coordinate/engagements"
NOTE = "Platform lawyer hinted at a takedown backlog in Tigrinya"


def term(db, kind, code) -> VocabularyTerm:
    return db.session.scalar(
        select(VocabularyTerm).where(VocabularyTerm.kind == kind, VocabularyTerm.code == code)
    )


@pytest.fixture
def org(make_org):
    return make_org(
        name="Chirp Social", acronym="CS", stakeholder_type=StakeholderType.technology_company
    )


@pytest.fixture
def form_data(db, org, coordinator):
    return {
        "organisation": str(org.id),
        "kind": "advocacy_target",
        "title": "Moderation of Tigrinya hate speech",
        "purpose_areas": [str(term(db, VocabularyKind.action_area, "content_moderation").id)],
        "geographic_level": "national",
        "countries": ["ETH", "ERI"],
        "coordination_structure": str(
            term(db, VocabularyKind.coordination_structure, "protection_cluster").id
        ),
        "focal_point": str(coordinator.id),
        "start_date": "2026-01-10",
        "end_date": "2026-12-31",
        "internal_notes": NOTE,
        "hrdd_checked_on": "2026-01-05",
        "hrdd_checked_by": str(coordinator.id),
        "hrdd_outcome": "No red flags",
        "version": "",
    }


def make_record(
    db, org, kind=EngagementKind.advocacy_target, title="Record", **fields
) -> EngagementRecord:
    with acting_as(label="test-setup"):
        record = EngagementRecord(organisation=org, kind=kind, title=title, **fields)
        db.session.add(record)
        db.session.commit()
    return record


def fresh(db, record_id) -> EngagementRecord:
    db.session.expire_all()
    return db.session.get(EngagementRecord, record_id)


def test_create_with_every_field(client, db, login_as, coordinator, org, form_data):
    login_as(coordinator)
    page = client.get(f"{URL}/new?organisation_id={org.id}").get_data(as_text=True)
    assert f'<option selected value="{org.id}">' in page
    response = client.post(f"{URL}/new", data=form_data)
    assert response.status_code == 302
    record = db.session.scalar(select(EngagementRecord))
    assert response.headers["Location"].endswith(f"{URL}/{record.id}")
    assert record.stage is EngagementStage.identified
    assert record.countries == ["ETH", "ERI"]
    assert [t.code for t in record.purpose_areas] == ["content_moderation"]
    assert record.coordination_structure.code == "protection_cluster"
    assert record.focal_point_id == coordinator.id
    assert record.hrdd_checked_by_id == coordinator.id and record.hrdd_outcome == "No red flags"
    assert str(record.end_date) == "2026-12-31" and record.internal_notes == NOTE
    detail = client.get(f"{URL}/{record.id}").get_data(as_text=True)
    assert NOTE in detail and "Chirp Social" in detail and "Carla Coordinator" in detail


def test_end_before_start_is_refused(client, db, login_as, coordinator, form_data):
    login_as(coordinator)
    response = client.post(f"{URL}/new", data=form_data | {"end_date": "2025-01-01"})
    assert response.status_code == 200
    assert "The end date must be on or after the start date" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(EngagementRecord.id))) == 0


def test_edit_saves_and_shows_in_history(client, db, login_as, coordinator, org, form_data):
    record = make_record(db, org)
    login_as(coordinator)
    page = client.get(f"{URL}/{record.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{record.version}"' in page
    data = form_data | {"title": "Renamed target", "version": str(record.version)}
    assert client.post(f"{URL}/{record.id}/edit", data=data).status_code == 302
    assert fresh(db, record.id).title == "Renamed target"
    detail = client.get(f"{URL}/{record.id}").get_data(as_text=True)
    assert "Renamed target" in detail and "update" in detail and "create" in detail


def test_list_filters_and_paginates(client, db, login_as, coordinator, make_org):
    kenya = make_org(name="Nairobi Listening Lab", country="KEN")
    germany = make_org(name="Berlin Media Watch", country="DEU")
    cluster = term(db, VocabularyKind.coordination_structure, "protection_cluster")
    listening = term(db, VocabularyKind.action_area, "social_listening")
    with acting_as(label="test-setup"):
        db.session.add_all(
            [
                EngagementRecord(
                    organisation=kenya,
                    kind=EngagementKind.partnership,
                    title="Kenya listening",
                    coordination_structure=cluster,
                    purpose_areas=[listening],
                    focal_point=coordinator,
                ),
                EngagementRecord(
                    organisation=germany,
                    kind=EngagementKind.advocacy_target,
                    title="German target",
                    geographic_level=None,
                ),
            ]
        )
        db.session.commit()
    login_as(coordinator)

    def titles(query: str) -> set[str]:
        html = client.get(f"{URL}?{query}").get_data(as_text=True)
        return {t for t in ("Kenya listening", "German target") if t in html}

    assert titles("") == {"Kenya listening", "German target"}
    assert titles("kind=partnership") == {"Kenya listening"}
    assert titles("stage=identified") == {"German target"}
    assert titles("region=europe") == {"German target"}
    assert titles("coordination_structure=protection_cluster") == {"Kenya listening"}
    assert titles("purpose_area=social_listening") == {"Kenya listening"}
    assert titles(f"focal_point={coordinator.id}") == {"Kenya listening"}
    assert titles("q=berlin") == {"German target"}
    assert titles("q=listening") == {"Kenya listening"}
    assert titles("kind=nonsense&page=x") == {"Kenya listening", "German target"}

    with acting_as(label="test-setup"):
        for n in range(30):
            db.session.add(
                EngagementRecord(organisation=kenya, kind=EngagementKind.partnership, title=f"P{n}")
            )
        db.session.commit()
    first = client.get(URL).get_data(as_text=True)
    assert "32 records" in first and "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in client.get(f"{URL}?page=2").get_data(as_text=True)


def test_stage_buttons_show_only_valid_next_stages(client, db, login_as, coordinator, org):
    record = make_record(db, org)
    login_as(coordinator)
    page = client.get(f"{URL}/{record.id}").get_data(as_text=True)
    assert 'value="engaged"' in page and 'value="closed"' in page
    assert 'value="committed"' not in page and "Convert to partnership" not in page


def test_valid_move(client, db, login_as, coordinator, org):
    record = make_record(db, org)
    login_as(coordinator)
    response = client.post(f"{URL}/{record.id}/move", data={"stage": "engaged"})
    assert response.status_code == 302
    assert fresh(db, record.id).stage is EngagementStage.engaged


@pytest.mark.parametrize("stage", ["committed", "converted", "active", "nonsense"])
def test_invalid_move_flashes_and_keeps_stage(client, db, login_as, coordinator, org, stage):
    record = make_record(db, org)
    login_as(coordinator)
    response = client.post(f"{URL}/{record.id}/move", data={"stage": stage}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "alert-danger" in page
    assert "cannot move" in page or "Unknown stage" in page
    assert fresh(db, record.id).stage is EngagementStage.identified


def test_convert_keeps_target_history_and_links_both_ways(client, db, login_as, coordinator, org):
    record = make_record(db, org, internal_notes="kept")
    login_as(coordinator)
    for stage in ("engaged", "committed"):
        client.post(f"{URL}/{record.id}/move", data={"stage": stage})
    before = db.session.scalars(
        select(AuditEvent.id).where(
            AuditEvent.entity_type == "EngagementRecord", AuditEvent.entity_id == record.id
        )
    ).all()
    assert len(before) == 3  # created, engaged, committed
    assert "Convert to partnership" in client.get(f"{URL}/{record.id}").get_data(as_text=True)

    response = client.post(f"{URL}/{record.id}/convert")
    assert response.status_code == 302
    target = fresh(db, record.id)
    partnership = target.converted_into
    assert response.headers["Location"].endswith(f"{URL}/{partnership.id}")
    assert target.stage is EngagementStage.converted
    assert target.converted_by_id == coordinator.id and target.converted_at is not None
    assert partnership.kind is EngagementKind.partnership
    assert partnership.stage is EngagementStage.proposed
    assert partnership.converted_from_id == target.id
    assert partnership.converted_by_id == coordinator.id
    after = db.session.scalars(
        select(AuditEvent.id).where(
            AuditEvent.entity_type == "EngagementRecord", AuditEvent.entity_id == record.id
        )
    ).all()
    assert set(before) < set(after)  # history kept and the conversion added to it

    target_page = client.get(f"{URL}/{target.id}").get_data(as_text=True)
    assert "Converted into" in target_page and f"{URL}/{partnership.id}" in target_page
    partner_page = client.get(f"{URL}/{partnership.id}").get_data(as_text=True)
    assert "Converted from" in partner_page and f"{URL}/{target.id}" in partner_page


def test_convert_before_committed_is_refused(client, db, login_as, coordinator, org):
    record = make_record(db, org)
    partnership = make_record(db, org, kind=EngagementKind.partnership)
    login_as(coordinator)
    for target in (record, partnership):
        response = client.post(f"{URL}/{target.id}/convert", follow_redirects=True)
        assert response.status_code == 200
        assert "Only an advocacy target at stage" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(EngagementRecord.id))) == 2
    assert fresh(db, record.id).stage is EngagementStage.identified


def test_kind_cannot_change_after_first_move(client, db, login_as, coordinator, org, form_data):
    record = make_record(db, org)
    with acting_as(label="test-setup"):
        engagement_ops.move_engagement(record, EngagementStage.engaged)
        db.session.commit()
    login_as(coordinator)
    data = form_data | {"kind": "partnership", "version": str(record.version)}
    response = client.post(f"{URL}/{record.id}/edit", data=data)
    assert response.status_code == 200
    assert "The kind can only change" in response.get_data(as_text=True)
    assert fresh(db, record.id).kind is EngagementKind.advocacy_target


def test_concurrent_edit_second_save_gets_conflict_and_keeps_input(
    app, client, db, login_as, make_user, coordinator, org, form_data
):
    record = make_record(db, org)
    colleague = make_user(role=Role.admin)
    other = app.test_client()
    other.post("/account/login", data={"email": colleague.email, "password": PASSWORD})
    login_as(coordinator)
    version = str(record.version)
    first = client.post(
        f"{URL}/{record.id}/edit", data=form_data | {"version": version, "title": "Mine"}
    )
    assert first.status_code == 302
    second = other.post(
        f"{URL}/{record.id}/edit", data=form_data | {"version": version, "title": "Theirs!"}
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Someone else saved this engagement record after you opened it" in page
    assert 'value="Theirs!"' in page  # their input is kept
    assert fresh(db, record.id).title == "Mine"  # no lost update
    # Having seen the conflict, the second editor can save deliberately with the new version.
    new_version = str(fresh(db, record.id).version)
    assert f'value="{new_version}"' in page
    again = other.post(
        f"{URL}/{record.id}/edit", data=form_data | {"version": new_version, "title": "Theirs!"}
    )
    assert again.status_code == 302 and fresh(db, record.id).title == "Theirs!"


def test_internal_notes_and_records_never_on_public_pages(
    client, db, pledge, login_as, make_user, org
):
    make_record(db, org, title="Quiet pressure on Chirp", internal_notes=NOTE)
    db.session.add(Signature(pledge=pledge, organisation=org, status=SignatureStatus.accepted))
    db.session.commit()
    for url in ("/pledges/digital-protection", "/pledges", "/"):
        html = client.get(url).get_data(as_text=True)
        assert NOTE not in html
        assert "Quiet pressure on Chirp" not in html
    assert "Chirp Social" in client.get("/pledges/digital-protection").get_data(as_text=True)
    login_as(make_user(role=Role.stakeholder, organisation=org))
    html = client.get("/my-organisation").get_data(as_text=True)
    assert NOTE not in html


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/new"),
        ("POST", "/new"),
        ("GET", "/{id}"),
        ("GET", "/{id}/edit"),
        ("POST", "/{id}/edit"),
        ("POST", "/{id}/move"),
        ("POST", "/{id}/convert"),
    ],
)
def test_stakeholders_get_403(client, db, login_as, make_user, org, method, path):
    record = make_record(db, org, internal_notes=NOTE)
    login_as(make_user(role=Role.stakeholder, organisation=org))
    response = client.open(URL + path.format(id=record.id), method=method, data={"stage": "x"})
    assert response.status_code == 403
    assert NOTE not in response.get_data(as_text=True)


def test_validation_error_keeps_the_version_the_form_was_opened_at(
    client, db, login_as, coordinator, org, form_data
):
    record = make_record(db, org)
    opened_at = str(record.version)
    with acting_as(label="someone-else"):
        record.title = "Saved by someone else"
        db.session.commit()
    login_as(coordinator)
    data = form_data | {"version": opened_at, "end_date": "2020-01-01"}
    page = client.post(f"{URL}/{record.id}/edit", data=data).get_data(as_text=True)
    assert f'name="version" type="hidden" value="{opened_at}"' in page
    fixed = client.post(f"{URL}/{record.id}/edit", data=data | {"end_date": "2026-12-31"})
    assert "Someone else saved this engagement record" in fixed.get_data(as_text=True)
    assert fresh(db, record.id).title == "Saved by someone else"
