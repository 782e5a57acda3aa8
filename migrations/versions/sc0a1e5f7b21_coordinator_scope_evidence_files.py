"""coordinator scope (pledges and regions on users) and evidence files of progress updates

Revision ID: sc0a1e5f7b21
Revises: life1a2b3c4d
Create Date: 2026-12-02 06:00:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'sc0a1e5f7b21'
down_revision = 'life1a2b3c4d'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (no table copy on SQLite); the server default fills existing users with
    # "unscoped" and stays harmless for new rows, which the model fills itself.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_pledge_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('scope_regions', sa.JSON(), nullable=False, server_default='[]'))

    op.create_table('evidence_files',
    sa.Column('progress_update_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['progress_update_id'], ['progress_updates.id'], name=op.f('fk_evidence_files_progress_update_id_progress_updates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_evidence_files_storage_key'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_progress_update_id'), ['progress_update_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_progress_update_id'))
    op.drop_table('evidence_files')
    # SQLite copies the users table, reflecting the organisations table it refers to, whose
    # expression index (lower(name)) SQLAlchemy cannot reflect and says so: it is not needed.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('users', schema=None) as batch_op:
            batch_op.drop_column('scope_regions')
            batch_op.drop_column('scope_pledge_ids')
