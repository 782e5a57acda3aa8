"""The coordinators' verification queue (filters, pages, named buttons, landing back on the
same page) and what a returned update looks like to its reporter."""

from __future__ import annotations

import re

import pytest

from registry.audit import acting_as
from registry.models import CommitmentStatus, ReviewState, Role, WindowKind
from registry.pledges import operations as pledge_ops
from registry.progress import operations as progress_ops
from registry.progress.queries import QUEUE_PAGE_SIZE
from tests.progress.test_progress import REPORT, UPDATE, _signatory, _update

QUEUE = "/coordinate/progress"


@pytest.fixture
def window(db, pledge):
    """An open progress window of the pledge."""
    with acting_as(label="test"):
        opened = pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM 2025 review")
        db.session.commit()
    return opened


def _submit(db, user, signature, window) -> None:
    """The organisation's user submits an update on each of its commitments."""
    with acting_as(user):
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
            progress_ops.save_progress_update(commitment, window, data, user, True)
        db.session.commit()


@pytest.fixture
def submitted(db, pledge, make_org, make_user, window):
    """Two organisations that submitted updates: Tech Co (2) and Radio Vox (1)."""
    tech = _signatory(db, pledge, make_org, make_user, "Tech Co", ["Moderation", "Literacy"])
    radio = _signatory(db, pledge, make_org, make_user, "Radio Vox", ["Fact hour"])
    for user, signature in (tech, radio):
        _submit(db, user, signature, window)
    return {"tech": tech, "radio": radio}


def _cards(html: str) -> list[str]:
    return re.findall(
        r'<h2 class="h5 mb-1" id="update-\d+-title"><a href="[^"]+">([^<]+)</a>', html
    )


def test_the_queue_filters_by_organisation_pledge_window_and_state(
    client, db, submitted, window, staff
):
    html = client.get(QUEUE).get_data(as_text=True)
    assert sorted(_cards(html)) == ["Fact hour", "Literacy", "Moderation"]
    radio = submitted["radio"][1].organisation
    only_radio = client.get(f"{QUEUE}?organisation={radio.id}").get_data(as_text=True)
    assert _cards(only_radio) == ["Fact hour"]
    assert f'<option value="{radio.id}" selected>Radio Vox</option>' in only_radio
    by_window = client.get(f"{QUEUE}?window={window.id}&pledge=digital-protection")
    assert len(_cards(by_window.get_data(as_text=True))) == 3
    assert _cards(client.get(f"{QUEUE}?window=999999").get_data(as_text=True)) == []
    assert _cards(client.get(f"{QUEUE}?q=literacy").get_data(as_text=True)) == ["Literacy"]
    assert _cards(client.get(f"{QUEUE}?status=verified").get_data(as_text=True)) == []
    # Nonsense parameters are dropped, never an error.
    assert client.get(f"{QUEUE}?status=nonsense&window=x&page=-3").status_code == 200


def test_each_card_links_to_its_commitment_and_names_its_buttons(client, db, submitted, staff):
    html = client.get(QUEUE).get_data(as_text=True)
    commitment = submitted["tech"][1].commitments[0]
    assert f'href="/coordinate/commitments/{commitment.id}">Moderation</a>' in html
    names = re.findall(
        r'>Verify<span class="visually-hidden"> the update on “([^”]+)” from ([^<]+)</span>', html
    )
    assert sorted(names) == [
        ("Fact hour", "Radio Vox"),
        ("Literacy", "Tech Co"),
        ("Moderation", "Tech Co"),
    ]
    assert html.count(">Return with comment<span") == 3


def test_the_queue_is_paginated(client, db, pledge, make_org, make_user, window, staff):
    titles = [f"Commitment {n:02d}" for n in range(QUEUE_PAGE_SIZE + 3)]
    _submit(db, *_signatory(db, pledge, make_org, make_user, "Many Co", titles), window)
    first = client.get(QUEUE).get_data(as_text=True)
    assert len(_cards(first)) == QUEUE_PAGE_SIZE and "Page 1 of 2" in first
    second = client.get(f"{QUEUE}?page=2").get_data(as_text=True)
    assert len(_cards(second)) == 3 and 'rel="prev"' in second


def test_an_action_lands_back_on_the_same_filtered_page(client, db, submitted, window, staff):
    radio = submitted["radio"][1]
    update = _update(db, radio.commitments[0], window)
    page = client.get(f"{QUEUE}?organisation={radio.organisation.id}").get_data(as_text=True)
    version = re.search(rf'id="verify-version-{update.id}"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        f"{QUEUE}/{update.id}/verify",
        data={"version": version, "organisation": str(radio.organisation.id)},
    )
    assert response.headers["Location"].endswith(f"{QUEUE}?organisation={radio.organisation.id}")
    assert _update(db, radio.commitments[0], window).review_state is ReviewState.verified


def test_a_returned_update_is_shown_as_returned_with_its_comment_and_a_fix_link(
    client, db, submitted, window, make_user, login_as
):
    user, signature = submitted["tech"]
    update = _update(db, signature.commitments[1], window)
    coordinator = make_user(role=Role.coordinator)
    with acting_as(coordinator):
        progress_ops.return_progress_update(update, coordinator, "Add the number of people.")
        db.session.commit()
    login_as(user)
    fix = f"{REPORT}/commitments/{signature.commitments[1].id}"
    overview = client.get(REPORT).get_data(as_text=True)
    assert 'data-status="returned"' in overview and "Add the number of people." in overview
    # The title is isolated (<bdi>) from the sentence around it, for right-to-left languages.
    assert f'href="{fix}">Fix the report on “<bdi>Literacy</bdi>”</a>' in overview
    mine = client.get("/my-organisation").get_data(as_text=True)
    assert 'id="returned-updates"' in mine and f'href="{fix}"' in mine
    assert "Add the number of people." in mine
    edit = client.get(fix).get_data(as_text=True)
    assert "Returned to you for a change" in edit and "Add the number of people." in edit
    # Submitted again, it waits in the queue again and is no longer listed as returned.
    client.post(fix, data=UPDATE | {"submit_update": "y"})
    assert 'id="returned-updates"' not in client.get("/my-organisation").get_data(as_text=True)
    assert _update(db, signature.commitments[1], window).review_state is ReviewState.submitted


def test_the_queue_tabs_count_each_review_state(client, db, submitted, window, staff):
    html = client.get(QUEUE).get_data(as_text=True)
    assert re.search(r"Waiting for verification <span[^>]*>3</span>", html)
    assert re.search(r"Returned <span[^>]*>0</span>", html)
