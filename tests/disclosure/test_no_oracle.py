"""No existence oracle: registering with the name or website of a non-public organisation gives
the very page a registration that matches nothing gives, and coordinators get the registration
as a possible duplicate, to merge or keep."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from registry.models import DuplicateStatus, Organisation, PossibleDuplicate, User, Visibility
from tests.accounts.test_accounts import REGISTRATION
from tests.conftest import PASSWORD, finish_registration, register


def _normalised(html: str, *names: str) -> str:
    """A page with the visitor's own name and the CSRF token taken out."""
    for name in names:
        html = html.replace(name, "NAME")
    return re.sub(r'(csrf_token[^>]*value=)"[^"]+"', r"\1", html)


def _register(client, **fields):
    response = client.post("/account/register", data=REGISTRATION | fields)
    if response.status_code != 302:
        return response, None
    return response, client.get(response.headers["Location"])


@pytest.mark.parametrize("visibility", [Visibility.anonymised, Visibility.hidden])
@pytest.mark.parametrize(
    "match",
    [
        {"org_name": "SAUTI YA WAKIMBIZI"},
        {"org_name": "Something else", "website": "https://sauti-wakimbizi.example.org/about"},
        {"org_name": "Voix des refugies de Kakuma"},  # one of its other names
    ],
    ids=["name", "website", "other name"],
)
def test_a_non_public_match_gives_the_same_page_as_no_match(app, db, make_org, visibility, match):
    existing = make_org(
        name="Sauti ya Wakimbizi",
        website="https://www.sauti-wakimbizi.example.org",
        other_names=["Voix des Réfugiés de Kakuma"],
        visibility=visibility,
    )
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        pages = []
        for n, fields in enumerate([match, {"org_name": "Nothing Like It", "website": ""}]):
            client = app.test_client()
            token = re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"',
                client.get("/account/register").get_data(as_text=True),
            ).group(1)
            email = f"person{n}@elsewhere.example.net"
            response, followed = _register(client, csrf_token=token, email=email, **fields)
            pages.append((response, followed, fields["org_name"], client, email))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    (matched, matched_next, name_a, *owner_a), (unmatched, unmatched_next, name_b, *_b) = pages
    assert matched.status_code == unmatched.status_code == 302
    assert matched.headers["Location"] == unmatched.headers["Location"]
    assert sorted(matched.headers.keys()) == sorted(unmatched.headers.keys())
    assert _normalised(matched_next.get_data(as_text=True), name_a) == _normalised(
        unmatched_next.get_data(as_text=True), name_b
    )
    # Behind the scenes, once the person finishes registering, the coordinators are told.
    finish_registration(*owner_a)
    [duplicate] = db.session.scalars(select(PossibleDuplicate)).all()
    assert duplicate.existing == existing and duplicate.status is DuplicateStatus.pending
    assert duplicate.organisation.name == name_a


def test_a_public_match_is_offered_to_join(client, db, make_org):
    existing = make_org(name="Sauti ya Wakimbizi")
    page = client.post("/account/register", data=REGISTRATION | {"org_name": "sauti ya wakimbizi"})
    assert "Is your organisation already registered?" in page.get_data(as_text=True)
    assert f'value="{existing.id}"' in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_coordinators_keep_or_merge_a_possible_duplicate(client, db, make_org, staff):
    existing = make_org(name="Голос Беженцев", visibility=Visibility.hidden)
    other = make_org(name="Голос Беженцев Варшава", visibility=Visibility.hidden)
    anonymous = client.application.test_client()
    register(anonymous, REGISTRATION | {"org_name": "ГОЛОС БЕЖЕНЦЕВ"})
    [duplicate] = db.session.scalars(select(PossibleDuplicate)).all()
    new = duplicate.organisation
    new_id = new.id
    page = client.get("/coordinate/join-requests").get_data(as_text=True)
    assert "Possible duplicates of organisations that are not public" in page
    assert new.name in page and existing.name in page
    merge_url = f"/coordinate/organisations/{existing.id}/merge?duplicate={new.id}"
    assert merge_url.replace("&", "&amp;") in page or merge_url in page
    response = client.post(
        f"/coordinate/organisations/{existing.id}/merge", data={"duplicate": new.id}
    )
    assert response.status_code == 302
    db.session.expire_all()
    duplicate = db.session.get(PossibleDuplicate, duplicate.id)
    assert duplicate.status is DuplicateStatus.merged and duplicate.decided_at is not None
    assert db.session.get(Organisation, new_id) is None
    user = db.session.scalar(select(User).where(User.email == "amina@voices.example.org"))
    assert user.organisation == existing  # the registrant now acts for the one kept
    # Keeping both: a second registration that matches another hidden organisation.
    anonymous.post("/account/logout")
    data = REGISTRATION | {"org_name": "Голос Беженцев Варшава", "email": "b@x.example.net"}
    register(client.application.test_client(), data)
    kept = db.session.scalar(
        select(PossibleDuplicate).where(PossibleDuplicate.existing_id == other.id)
    )
    assert client.post(f"/coordinate/possible-duplicates/{kept.id}/keep").status_code == 302
    db.session.refresh(kept)
    assert kept.status is DuplicateStatus.kept
    assert "No possible duplicate is waiting." in client.get("/coordinate/join-requests").get_data(
        as_text=True
    )
    assert PASSWORD  # the registrations used the suite's password
