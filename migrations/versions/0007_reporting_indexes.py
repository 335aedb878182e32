"""Reporting indexes: bid revisions by bid and time, for the board's "does this bid count?"

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 22:34:24.250488

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bid_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_bid_revisions_bid_submitted', ['bid_id', 'submitted_at'], unique=False)



def downgrade():
    with op.batch_alter_table('bid_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_bid_revisions_bid_submitted')

