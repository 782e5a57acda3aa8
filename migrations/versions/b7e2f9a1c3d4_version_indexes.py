"""Indexes on updated_at for the public data's version (its latest change, one index step)

Revision ID: b7e2f9a1c3d4
Revises: 5d1c7e9a2b40
Create Date: 2026-12-02 06:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2f9a1c3d4'
down_revision = '5d1c7e9a2b40'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_organisations_updated_at', 'organisations'),
    ('ix_contacts_updated_at', 'contacts'),
    ('ix_signatures_updated_at', 'signatures'),
    ('ix_progress_updates_updated_at', 'progress_updates'),
]


def upgrade():
    for name, table in INDEXES:
        op.create_index(name, table, ['updated_at'], unique=False)


def downgrade():
    for name, table in reversed(INDEXES):
        op.drop_index(name, table_name=table)
