"""Converting an advocacy target asks first and carries its notes and due diligence (unless
unticked); coordinators add an organisation (e.g. an advocacy target) from the UI."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from registry.models import EngagementRecord, EngagementStage, Organisation, Role
from tests.engagements.test_engagements import URL, fresh, make_record


@pytest.fixture
def committed(db, make_org, coordinator):
    return make_record(
        db,
        make_org(name="StreamCast"),
        title="Kiswahili moderation",
        stage=EngagementStage.committed,
        internal_notes="Met their trust and safety lead.",
        hrdd_checked_on=date(2026, 3, 1),
        hrdd_checked_by_id=coordinator.id,
        hrdd_outcome="No adverse findings.",
    )


def test_convert_asks_first_and_a_get_converts_nothing(
    client, db, login_as, coordinator, committed
):
    login_as(coordinator)
    detail = client.get(f"{URL}/{committed.id}").get_data(as_text=True)
    assert f'href="{URL}/{committed.id}/convert">Convert to partnership…</a>' in detail
    page = client.get(f"{URL}/{committed.id}/convert").get_data(as_text=True)
    assert "What the partnership carries over" in page
    assert "Met their trust and safety lead." in page and "No adverse findings." in page
    assert page.count("checked") >= 2  # both carried over unless unticked
    assert db.session.scalar(select(func.count(EngagementRecord.id))) == 1


def test_the_partnership_keeps_the_notes_and_due_diligence(
    client, db, login_as, coordinator, committed
):
    login_as(coordinator)
    response = client.post(
        f"{URL}/{committed.id}/convert", data={"keep_notes": "y", "keep_due_diligence": "y"}
    )
    partnership = fresh(db, committed.id).converted_into
    assert response.headers["Location"].endswith(f"{URL}/{partnership.id}")
    assert partnership.internal_notes == "Met their trust and safety lead."
    assert partnership.hrdd_checked_on == date(2026, 3, 1)
    assert partnership.hrdd_checked_by_id == coordinator.id
    assert partnership.hrdd_outcome == "No adverse findings."


def test_unticked_the_partnership_starts_without_them(client, db, login_as, coordinator, committed):
    login_as(coordinator)
    client.post(f"{URL}/{committed.id}/convert", data={"keep_notes": "y"})
    partnership = fresh(db, committed.id).converted_into
    assert partnership.internal_notes == "Met their trust and safety lead."
    assert partnership.hrdd_checked_on is None and partnership.hrdd_outcome is None


def test_a_coordinator_adds_an_organisation_and_records_it_as_a_target(
    client, db, login_as, coordinator
):
    login_as(coordinator)
    assert client.get("/coordinate/organisations/new").status_code == 200
    response = client.post(
        "/coordinate/organisations/new",
        data={
            "org_name": "StreamCast Video",
            "stakeholder_type": "technology_company",
            "country": "KEN",
            "description": "A video platform.",
            "submit_target": "y",
        },
    )
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == "StreamCast Video")
    )
    assert organisation.description == "A video platform." and organisation.country == "KEN"
    location = response.headers["Location"]
    assert f"organisation_id={organisation.id}" in location and "kind=advocacy_target" in location
    form = client.get(location).get_data(as_text=True)
    assert f'<option selected value="{organisation.id}">' in form
    assert '<option selected value="advocacy_target">' in form
    # The blank choice of the coordination structure is not a second "None".
    assert form.count(">None</option>") == 1


def test_adding_an_organisation_keeps_input_on_errors_and_is_staff_only(
    client, db, login_as, coordinator, make_user
):
    login_as(coordinator)
    page = client.post("/coordinate/organisations/new", data={"org_name": "Half done"})
    assert page.status_code == 200 and 'id="error-summary"' in page.get_data(as_text=True)
    assert 'value="Half done"' in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organisation.id))) == 0
    client.post("/account/logout")
    login_as(make_user(role=Role.stakeholder))
    assert client.get("/coordinate/organisations/new").status_code == 403
