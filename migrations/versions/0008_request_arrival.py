"""Request arrival: when each bid revision was written, beside the time its submission
reached our servers (submitted_at, the time that counts against the closing time)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:12:41.318207

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bid_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(), nullable=True))

    # Until now a revision was stamped when it was written: both times are that one.
    op.execute('UPDATE bid_revisions SET recorded_at = submitted_at')

    with op.batch_alter_table('bid_revisions', schema=None) as batch_op:
        batch_op.alter_column('recorded_at', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('bid_revisions', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')
