"""Proportionate bids: each need's social value word limit (within its word budget) and
whether it uses the short grant form. Needs made before keep the old fixed limit of 500
words and their own questions.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('social_value_word_limit', sa.Integer(), nullable=False, server_default='500'))
        batch_op.add_column(sa.Column('short_form', sa.Boolean(), nullable=False, server_default=sa.false()))
    # The existing rows have their values; new needs get theirs from the model (250 words).
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.alter_column('social_value_word_limit', server_default=None)
        batch_op.alter_column('short_form', server_default=None)
        batch_op.create_check_constraint(
            'social_value_word_limit_range', 'social_value_word_limit BETWEEN 50 AND 500'
        )


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_needs_social_value_word_limit_range'), type_='check')
        batch_op.drop_column('short_form')
        batch_op.drop_column('social_value_word_limit')
