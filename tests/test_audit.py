"""The audit trail: written by the flush itself, in the same transaction as the change."""

from sqlalchemy import select

from registry.audit import acting_as, record
from registry.models import AuditEvent, Organisation, Role, StakeholderType, Visibility
from tests.conftest import PASSWORD


def events(db, entity_type="Organisation"):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == entity_type).order_by(AuditEvent.id)
    ).all()


def test_create_update_delete_write_events_with_before_and_after(db, make_user):
    actor = make_user()
    with acting_as(actor):
        organisation = Organisation(
            name="Tech for Good", stakeholder_type=StakeholderType.technology_company
        )
        db.session.add(organisation)
        db.session.commit()
        organisation.name = "Tech for Good Ltd"
        organisation.visibility = Visibility.hidden
        db.session.commit()
        db.session.delete(organisation)
        db.session.commit()
    created, updated, deleted = events(db)[-3:]
    assert (created.action, created.actor_id, created.actor_label) == (
        "create",
        actor.id,
        actor.email,
    )
    assert created.entity_id == organisation.id
    assert created.before is None and created.after["name"] == "Tech for Good"
    assert updated.action == "update"
    assert updated.before == {"name": "Tech for Good", "visibility": "public"}
    assert updated.after == {"name": "Tech for Good Ltd", "visibility": "hidden"}
    assert deleted.action == "delete" and deleted.before["name"] == "Tech for Good Ltd"
    assert deleted.after is None


def test_audit_events_roll_back_with_their_transaction(db):
    before = len(events(db))
    db.session.add(Organisation(name="Never saved", stakeholder_type=StakeholderType.other))
    db.session.flush()
    assert len(events(db)) == before + 1  # written in the same transaction …
    db.session.rollback()
    assert len(events(db)) == before  # … and gone with it
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Never saved")) is None


def test_secrets_never_reach_the_audit_log(db, make_user):
    user = make_user()
    [created] = [e for e in events(db, "User") if e.entity_id == user.id]
    assert "password" not in created.after and "fs_uniquifier" not in created.after
    assert created.after["email"] == user.email


def test_request_changes_record_actor_and_ip(client, db, make_user, login_as):
    admin = make_user(role=Role.admin)
    target = make_user()
    login_as(admin)
    client.post(f"/admin/users/{target.id}/role", data={"role": "coordinator"})
    [event] = [e for e in events(db, "User") if e.action == "update" and e.entity_id == target.id]
    assert event.actor_id == admin.id and event.ip == "127.0.0.1"
    assert event.before == {"role": "stakeholder"} and event.after == {"role": "coordinator"}
    assert PASSWORD not in str(event.after)


def test_audit_events_are_append_only(db, make_org):
    make_org()
    event = events(db)[-1]
    event.action = "tampered"
    try:
        db.session.flush()
    except RuntimeError as exc:
        assert "append-only" in str(exc)
    else:
        raise AssertionError("an audit event was rewritten")
    db.session.rollback()


def test_record_logs_events_that_change_nothing(db, make_org):
    organisation = make_org()
    with acting_as(label="cli"):
        record(db.session, "contact.view", organisation)
        db.session.commit()
    event = events(db)[-1]
    assert (event.action, event.entity_id, event.actor_label) == (
        "contact.view",
        organisation.id,
        "cli",
    )


def test_orphans_removed_from_a_collection_are_audited(db, pledge, make_org):
    from registry.models import Commitment, Signature

    with acting_as(label="test"):
        signature = Signature(pledge=pledge, organisation=make_org())
        db.session.add(signature)
        signature.commitments = [Commitment(title="Kept"), Commitment(title="Dropped")]
        db.session.commit()
        dropped = signature.commitments[1]
        dropped_id = dropped.id
        signature.commitments.remove(dropped)  # delete-orphan: not in session.deleted
        db.session.commit()
    [event] = [
        e for e in events(db, "Commitment") if e.action == "delete" and e.entity_id == dropped_id
    ]
    assert event.before["title"] == "Dropped" and event.after is None
