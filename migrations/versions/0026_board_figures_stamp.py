"""The board's figures stamp: one row, to which every transaction that changes a kept
figure or an organisation adds 1, so that what is read from the kept figures can be kept
per process until it changes

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        'board_figures_stamp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('changes', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_figures_stamp')),
    )
    op.bulk_insert(stamp, [{'id': 1, 'changes': 0}])


def downgrade():
    op.drop_table('board_figures_stamp')
