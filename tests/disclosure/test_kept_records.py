"""A report's commitment records are kept between runs (`kept_records`): after one commitment
changed only its record, and those of the commitments showing it as a match, are built again,
and every kept set reads as a fresh build, whoever wrote the change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit import acting_as
from registry.disclosure import (
    View,
    commitment_loads,
    commitment_records,
    forget_kept,
    kept_records,
)
from registry.models import (
    Commitment,
    CommitmentStatus,
    Signature,
    SignatureStatus,
    StakeholderType,
    Visibility,
    utcnow,
)


def _records(db, audience: str = "public") -> dict:
    """The records as a report run builds them, from a session that starts afresh."""
    db.session.expire_all()
    view = View(audience)
    rows = list(
        db.session.scalars(
            sa.select(Commitment).options(*commitment_loads(view)).order_by(Commitment.id)
        )
    )
    view.include([c.signature.organisation for c in rows])
    return commitment_records(view, rows)


def _fresh(db, audience: str = "public") -> dict:
    forget_kept()
    return _records(db, audience)


@pytest.fixture
def three(db, pledge, make_org):
    """Three public organisations' commitments; the second shows the first as a match."""
    made, outcome = [], pledge.key_outcomes[0]
    with acting_as(label="test-setup"):
        for n, name in enumerate(("Coastal Fact Check", "Harbour Media", "Delta Radio")):
            organisation = make_org(name=name, stakeholder_type=StakeholderType.media_outlet)
            signature = Signature(
                pledge=pledge,
                organisation=organisation,
                status=SignatureStatus.accepted,
                decided_at=utcnow(),
            )
            commitment = Commitment(
                signature=signature,
                title=f"Rumour desk {n}",
                status=CommitmentStatus.in_progress,
                key_outcome=outcome,
            )
            db.session.add_all([signature, commitment])
            made.append(commitment)
        db.session.flush()
        made[1].matches = [made[0]]
        db.session.commit()
    return [c.id for c in made]


def test_a_changed_title_builds_only_its_record_again(db, three):
    first, second, third = three
    assert len(_fresh(db)) == 3 and kept_records.last_built == 3
    _records(db)
    assert kept_records.last_built == 0  # nothing changed: every record kept
    with acting_as(label="test"):
        db.session.get(Commitment, third).title = "Verification hotline"
        db.session.commit()
    records = _records(db)
    assert kept_records.last_built == 1
    assert records[third].title == "Verification hotline"
    assert records == _fresh(db)


def test_a_match_changed_builds_the_record_showing_it_again(db, three):
    first, second, _third = three
    _fresh(db)
    with acting_as(label="test"):
        db.session.get(Commitment, first).title = "Fact-check line"
        db.session.commit()
    records = _records(db)
    assert kept_records.last_built == 2  # the match and the record that shows it
    assert [m.title for m in records[second].matches] == ["Fact-check line"]
    assert records == _fresh(db)


def test_a_write_from_outside_the_registry_is_seen(app, db, three):
    """A database console's update, leaving `version` and `updated_at` alone."""
    _first, _second, third = three
    _fresh(db)
    with app.extensions["sqlalchemy"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE commitments SET title = 'Console title' WHERE id = :id"),
            {"id": third},
        )
    records = _records(db)
    assert records[third].title == "Console title"
    assert records == _fresh(db)


def test_an_organisation_protected_since_is_not_named_by_a_kept_record(app, db, three):
    _first, second, third = three
    assert _records(db)[third].organisation.name == "Delta Radio"
    with app.extensions["sqlalchemy"].engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE organisations SET visibility = 'anonymised' WHERE name = 'Delta Radio'")
        )
    records = _records(db)
    assert kept_records.last_built == 3  # the protected state changed: the set is built afresh
    assert records[third].organisation.name != "Delta Radio"
    assert "Delta Radio" not in repr(records)
    assert records == _fresh(db)


def test_records_made_from_a_sessions_own_changes_are_never_kept(db, three):
    _first, _second, third = three
    _fresh(db)
    commitment = db.session.get(Commitment, third)
    commitment.title = "Uncommitted title"
    db.session.flush()
    view = View()
    rows = list(db.session.scalars(sa.select(Commitment).options(*commitment_loads(view))))
    view.include([c.signature.organisation for c in rows])
    assert commitment_records(view, rows)[third].title == "Uncommitted title"
    db.session.rollback()
    assert _records(db)[third].title == "Rumour desk 2"


def test_each_audience_keeps_its_own_records(db, three):
    _first, _second, third = three
    with acting_as(label="test"):
        db.session.get(Commitment, third).signature.organisation.visibility = Visibility.anonymised
        db.session.commit()
    forget_kept()
    public, internal = _records(db, "public"), _records(db, "internal")
    assert internal[third].organisation.name == "Delta Radio"
    assert public[third].organisation.name != "Delta Radio"
    assert _records(db, "public") == public and kept_records.last_built == 0
