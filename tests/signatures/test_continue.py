"""Where "Continue" leads on a draft and after a change request, and what an anonymous visitor
of a closed pledge form sees before any login."""

from __future__ import annotations

import pytest

from registry.audit import acting_as
from registry.models import Commitment, Role, SignatureStatus, WindowKind
from registry.pledges import operations as pledge_ops
from registry.signatures import operations as signature_ops
from tests.signatures.test_signing import SIGN


@pytest.fixture
def stakeholder(make_user, make_org):
    return make_user(role=Role.stakeholder, organisation=make_org(name="Kakuma Digital Voices"))


def _draft(db, pledge, user, *, signer=None, commitments=0):
    with acting_as(user):
        signature = signature_ops.start_signature(pledge, user.organisation)
        if signer:
            signature_ops.update_signatory(signature, signer, "Director", "")
        for n in range(commitments):
            db.session.add(Commitment(signature=signature, title=f"C{n}", description="d"))
        db.session.commit()
    return signature


@pytest.mark.parametrize(
    ("signer", "commitments", "step"),
    [(None, 0, "signatory"), ("Amina", 0, "commitments"), ("Amina", 1, "review")],
)
def test_continue_goes_to_the_first_step_still_to_do(
    client, db, pledge, stakeholder, login_as, signer, commitments, step
):
    _draft(db, pledge, stakeholder, signer=signer, commitments=commitments)
    login_as(stakeholder)
    assert client.get(SIGN).headers["Location"].endswith(f"{SIGN}/{step}")
    page = client.get(f"{SIGN}/{step}").get_data(as_text=True)
    assert ("to do" in page) is (step != "review")


def test_without_a_signature_continue_starts_at_the_profile(
    client, db, pledge, stakeholder, login_as
):
    login_as(stakeholder)
    assert client.get(SIGN).headers["Location"].endswith(f"{SIGN}/organisation")


def test_after_a_change_request_continue_shows_the_comment_on_the_check_page(
    client, db, pledge, stakeholder, make_user, login_as
):
    signature = _draft(db, pledge, stakeholder, signer="Amina", commitments=1)
    coordinator = make_user(role=Role.coordinator)
    with acting_as(coordinator):
        signature.status = SignatureStatus.changes_requested
        signature.review_comment = "Please add a target date."
        db.session.commit()
    login_as(stakeholder)
    assert client.get(SIGN).headers["Location"].endswith(f"{SIGN}/review")
    page = client.get(f"{SIGN}/review").get_data(as_text=True)
    assert 'id="changes-requested"' in page and "Please add a target date." in page
    mine = client.get("/my-organisation").get_data(as_text=True)
    assert "asked for changes" in mine and f'href="{SIGN}"' in mine


@pytest.mark.parametrize("path", ["", "/organisation", "/commitments", "/review"])
def test_a_closed_form_shows_its_message_to_anonymous_visitors_before_any_login(
    client, db, pledge, path
):
    with acting_as(label="test"):
        pledge_ops.close_window(pledge, WindowKind.signature, message="Closed until the HLOM.")
        db.session.commit()
    response = client.get(SIGN + path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="form-closed"' in page and "Closed until the HLOM." in page
    assert "/account/login" not in response.headers.get("Location", "")
    # Writing is still refused (a login first; the server refuses the write after it).
    assert client.post(f"{SIGN}/organisation", data={"org_name": "X"}).status_code in (302, 401)


def test_an_open_form_still_asks_anonymous_visitors_to_log_in(client, db, pledge):
    response = client.get(SIGN)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
