"""Object loaders: another organisation's objects are a 404 for stakeholders, visible to staff."""

import pytest
from flask_login import login_user
from sqlalchemy import text
from werkzeug.exceptions import Forbidden, NotFound

from registry.models import Role, Signature, SignatureStatus
from registry.policies import get_organisation_or_404, get_signature_or_404


@pytest.fixture
def signatures(db, pledge, make_org):
    own, other = make_org(), make_org()
    mine = Signature(pledge=pledge, organisation=own)
    theirs = Signature(pledge=pledge, organisation=other, status=SignatureStatus.submitted)
    db.session.add_all([mine, theirs])
    db.session.commit()
    return own, other, mine, theirs


def _as(app, user):
    ctx = app.test_request_context()
    ctx.push()
    login_user(user)
    return ctx


def test_stakeholder_sees_own_and_gets_404_for_others(app, make_user, signatures):
    own, other, mine, theirs = signatures
    ctx = _as(app, make_user(role=Role.stakeholder, organisation=own))
    try:
        assert get_organisation_or_404(own.id).id == own.id
        assert get_signature_or_404(mine.id, for_edit=True).id == mine.id
        with pytest.raises(NotFound):
            get_organisation_or_404(other.id)
        with pytest.raises(NotFound):
            get_signature_or_404(theirs.id)
        with pytest.raises(NotFound):
            get_signature_or_404(999_999)
    finally:
        ctx.pop()


def test_stakeholder_cannot_edit_a_submitted_signature(app, db, make_user, signatures):
    own, _other, mine, _theirs = signatures
    mine.submit(None, mine.created_at)
    db.session.commit()
    ctx = _as(app, make_user(role=Role.stakeholder, organisation=own))
    try:
        assert get_signature_or_404(mine.id).id == mine.id
        with pytest.raises(Forbidden):
            get_signature_or_404(mine.id, for_edit=True)
    finally:
        ctx.pop()


@pytest.mark.parametrize("role", [Role.coordinator, Role.admin])
def test_staff_load_any_organisation(app, make_user, signatures, role):
    _own, other, _mine, theirs = signatures
    ctx = _as(app, make_user(role=role))
    try:
        assert get_organisation_or_404(other.id).id == other.id
        assert get_signature_or_404(theirs.id, for_edit=True).id == theirs.id
    finally:
        ctx.pop()


def test_sqlite_is_set_up_for_a_web_server(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000
