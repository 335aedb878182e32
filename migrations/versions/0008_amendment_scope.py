"""Amendment scope: which lots' bids a change returns to reconfirmation (amendment_lots,
or every lot), and corrections that return none

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('affects_all_lots', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Before this, a material change returned every bid on the need.
    op.execute("UPDATE amendments SET affects_all_lots = material")
    op.create_table('amendment_lots',
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_amendment_lots_amendment_id_amendments')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_amendment_lots_lot_id_lots')),
    sa.PrimaryKeyConstraint('amendment_id', 'lot_id', name=op.f('pk_amendment_lots'))
    )
    with op.batch_alter_table('amendment_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_lots_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('amendment_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_lots_lot_id'))
    op.drop_table('amendment_lots')
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_column('affects_all_lots')
        batch_op.drop_column('correction')
