"""Payments paid kept per area, category, month, lead, locality and days taken
(board_payment_figures) for the board's dashboard, kept by the flushes that change
payments; `flask keep-board-figures` fills it for the payments already made

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_payment_figures',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('local', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('pence', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', 'category_id', 'month', 'organisation_id', 'local', 'days', name=op.f('pk_board_payment_figures'))
    )
    op.create_index('ix_board_payment_figures_month', 'board_payment_figures', ['month', 'area_id'], unique=False)


def downgrade():
    op.drop_index('ix_board_payment_figures_month', table_name='board_payment_figures')
    op.drop_table('board_payment_figures')
