"""change counters: one row per table, renewed by triggers in every writing transaction

Revision ID: cc01a2b3c4d5
Revises: fo11a2b3c4d5
Create Date: 2026-12-02 09:40:00

"""
from alembic import op
import sqlalchemy as sa

from registry.versions import install_counters, remove_counters


# revision identifiers, used by Alembic.
revision = 'cc01a2b3c4d5'
down_revision = 'fo11a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_counters',
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('table_name', name=op.f('pk_change_counters'))
    )
    op.create_index(op.f('ix_change_counters_version'), 'change_counters', ['version'], unique=False)
    op.create_table('change_marks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_marks'))
    )
    connection = op.get_bind()
    install_counters(connection, sa.inspect(connection).get_table_names())


def downgrade():
    connection = op.get_bind()
    remove_counters(connection, sa.inspect(connection).get_table_names())
    if connection.dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS renew_counters ON change_marks')
        op.execute('DROP FUNCTION IF EXISTS registry_renew_counters()')
        op.execute('DROP FUNCTION IF EXISTS registry_note_change()')
        op.execute('DROP SEQUENCE IF EXISTS change_counter_versions')
    op.drop_table('change_marks')
    op.drop_index(op.f('ix_change_counters_version'), table_name='change_counters')
    op.drop_table('change_counters')
