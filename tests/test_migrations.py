"""Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrations_match_models(db):
    """The test database was built by `upgrade()`; comparing it with the models finds nothing."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask --app app db migrate` and commit the migration"


def test_sqlite_upgrade_keeps_child_rows(tmp_path):
    """Batch mode rebuilds tables on SQLite; the rebuild must not cascade-delete children."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = make_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from registry.extensions import db

        upgrade(revision="81bbbdc5e864")  # the first schema, before commitments were altered
        now = "2026-01-01 00:00:00"
        for sql in [
            "INSERT INTO pledges (id, title, slug, summary, created_at, updated_at) "
            f"VALUES (1, 'P', 'p', '', '{now}', '{now}')",
            "INSERT INTO organisations (id, name, stakeholder_type, is_region_overridden, "
            "is_refugee_led, visibility, created_at, updated_at) "
            f"VALUES (1, 'O', 'other', 0, 0, 'public', '{now}', '{now}')",
            "INSERT INTO signatures (id, pledge_id, organisation_id, status, version, "
            f"created_at, updated_at) VALUES (1, 1, 1, 'accepted', 1, '{now}', '{now}')",
            "INSERT INTO commitments (id, signature_id, title, description, languages, status, "
            f"version, created_at, updated_at) VALUES (1, 1, 'C', '', '[]', 'planning', 1, "
            f"'{now}', '{now}')",
            "INSERT INTO commitment_countries (commitment_id, country) VALUES (1, 'KEN')",
        ]:
            db.session.execute(text(sql))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT count(*) FROM commitment_countries")).scalar() == 1
        assert db.session.execute(text("SELECT count(*) FROM commitments")).scalar() == 1
