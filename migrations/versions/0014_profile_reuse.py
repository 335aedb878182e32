"""Asked once, reused everywhere: an organisation's social value statement and its
safeguarding arrangements, on its profile

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('social_value_statement', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('safeguarding', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('safeguarding')
        batch_op.drop_column('social_value_statement')
