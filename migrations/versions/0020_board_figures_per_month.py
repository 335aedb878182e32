"""Figures the board's dashboard keeps per area and month, kept by the flushes that change
what they count: payments paid per area, category, month, lead, locality and days taken
(board_payment_figures); needs published per area, category, month and day of closing,
with their lots and kept bids (board_need_figures); payments not paid per area, category
and day payable (board_unpaid_figures); contracts per area, category, lead and months made,
started and ended (board_contract_figures); bids on lots decided, and won, per area,
category, month decided and bidder (board_success_figures); outcome reports approved per
area, category, month and contract (board_outcome_figures). `flask keep-board-figures` fills them
for what is already there

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
    op.create_table('board_need_figures',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('needs', sa.Integer(), nullable=False),
    sa.Column('lots', sa.Integer(), nullable=False),
    sa.Column('bids', sa.Integer(), nullable=False),
    sa.Column('unkept', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', 'category_id', 'month', 'closes_on', name=op.f('pk_board_need_figures'))
    )
    op.create_index('ix_board_need_figures_month', 'board_need_figures', ['month', 'area_id'], unique=False)
    op.create_table('board_unpaid_figures',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('payable_on', sa.Date(), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', 'category_id', 'payable_on', name=op.f('pk_board_unpaid_figures'))
    )
    op.create_table('board_contract_figures',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('made', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Integer(), nullable=False),
    sa.Column('ends', sa.Integer(), nullable=False),
    sa.Column('contracts', sa.Integer(), nullable=False),
    sa.Column('pence', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', 'category_id', 'organisation_id', 'made', 'starts', 'ends', name=op.f('pk_board_contract_figures'))
    )
    op.create_table('board_success_figures',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('bids', sa.Integer(), nullable=False),
    sa.Column('won', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', 'category_id', 'month', 'organisation_id', name=op.f('pk_board_success_figures'))
    )
    op.create_table('board_outcome_figures',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('expected_people', sa.Integer(), nullable=False),
    sa.Column('approvals', sa.Integer(), nullable=False),
    sa.Column('achieved', sa.Integer(), nullable=False),
    sa.Column('partly', sa.Integer(), nullable=False),
    sa.Column('not_achieved', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area_id', 'category_id', 'month', 'contract_id', 'expected_people', name=op.f('pk_board_outcome_figures'))
    )


def downgrade():
    op.drop_table('board_outcome_figures')
    op.drop_table('board_success_figures')
    op.drop_table('board_contract_figures')
    op.drop_table('board_unpaid_figures')
    op.drop_index('ix_board_need_figures_month', table_name='board_need_figures')
    op.drop_table('board_need_figures')
    op.drop_index('ix_board_payment_figures_month', table_name='board_payment_figures')
    op.drop_table('board_payment_figures')
