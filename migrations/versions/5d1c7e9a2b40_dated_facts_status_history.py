"""dated facts: status history, when a commitment was pledged and reached its status, when an
engagement target was identified

Existing rows are back-filled from what they already say: a commitment was pledged when it was
recorded or, if earlier, when its signature was submitted; a target was identified when it was
recorded or, if earlier, when it was converted (so time to convert is never negative). The
history gets, per signature, its submission and its decision; per commitment, "planning" when
pledged and the status of each verified update when verified (else its current status when last
changed); per engagement record, its stage when last changed.

Revision ID: 5d1c7e9a2b40
Revises: c4a1d2e3f512
Create Date: 2026-12-02 02:00:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c7e9a2b40'
down_revision = 'c4a1d2e3f512'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('status_changes',
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=40), nullable=True),
    sa.Column('to_status', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_changes'))
    )
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_status_changes_entity', ['entity_type', 'entity_id', 'at'], unique=False)

    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('engagement_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identified_at', sa.DateTime(timezone=True), nullable=True))

    op.execute(
        "UPDATE commitments SET pledged_at = COALESCE((SELECT s.submitted_at FROM signatures s "
        "WHERE s.id = commitments.signature_id AND s.submitted_at < commitments.created_at), "
        "created_at)"
    )
    op.execute(
        "UPDATE engagement_records SET identified_at = CASE WHEN converted_at IS NOT NULL "
        "AND converted_at < created_at THEN converted_at ELSE created_at END"
    )
    now = "CURRENT_TIMESTAMP"
    insert = (
        "INSERT INTO status_changes (entity_type, entity_id, from_status, to_status, at, source, "
        "created_at, updated_at) "
    )
    op.execute(
        insert + f"SELECT 'Signature', id, NULL, 'submitted', submitted_at, 'migration', {now}, "
        f"{now} FROM signatures WHERE submitted_at IS NOT NULL"
    )
    op.execute(
        insert + f"SELECT 'Signature', id, NULL, status, COALESCE(decided_at, updated_at), "
        f"'migration', {now}, {now} FROM signatures WHERE status NOT IN ('submitted') "
        "AND NOT (status = 'draft' AND submitted_at IS NOT NULL)"
    )
    op.execute(
        insert + f"SELECT 'Commitment', id, NULL, 'planning', pledged_at, 'migration', {now}, "
        f"{now} FROM commitments"
    )
    op.execute(
        insert + f"SELECT 'Commitment', u.commitment_id, NULL, u.status, u.reviewed_at, "
        f"'migration', {now}, {now} FROM progress_updates u "
        "WHERE u.review_state = 'verified' AND u.reviewed_at IS NOT NULL"
    )
    op.execute(
        insert + f"SELECT 'Commitment', c.id, NULL, c.status, c.updated_at, 'migration', {now}, "
        f"{now} FROM commitments c WHERE c.status <> 'planning' AND NOT EXISTS (SELECT 1 FROM "
        "progress_updates u WHERE u.commitment_id = c.id AND u.review_state = 'verified' "
        "AND u.reviewed_at IS NOT NULL)"
    )
    op.execute(
        insert + f"SELECT 'EngagementRecord', id, NULL, stage, "
        f"COALESCE(stage_changed_at, identified_at), 'migration', {now}, {now} "
        "FROM engagement_records"
    )

    # SQLite recreates these tables, reflecting the organisations table they refer to, whose
    # expression index (lower(name)) SQLAlchemy cannot reflect and says so: it is not copied
    # and not needed for the copy.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('commitments', schema=None) as batch_op:
            batch_op.alter_column('pledged_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        with op.batch_alter_table('engagement_records', schema=None) as batch_op:
            batch_op.alter_column('identified_at', existing_type=sa.DateTime(timezone=True), nullable=False)
            batch_op.create_check_constraint(
                'converted_after_identified', 'converted_at IS NULL OR converted_at >= identified_at'
            )


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('engagement_records', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_engagement_records_converted_after_identified'), type_='check')
            batch_op.drop_column('identified_at')
        with op.batch_alter_table('commitments', schema=None) as batch_op:
            batch_op.drop_column('status_changed_at')
            batch_op.drop_column('pledged_at')
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_status_changes_entity')
    op.drop_table('status_changes')
