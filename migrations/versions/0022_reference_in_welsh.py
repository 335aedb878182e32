"""Reference data in Welsh: each area's and service category's Welsh name and each desired
outcome's Welsh text beside the English (empty: the same as the English)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_cy', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_cy', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('desired_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_cy', sa.String(length=300), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('desired_outcomes', schema=None) as batch_op:
        batch_op.drop_column('text_cy')
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.drop_column('name_cy')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_column('name_cy')
