"""Welsh: each person's language (English or Cymraeg) in their profile, and a need's Welsh
title and summary beside the English ones (needs of areas in Wales are published in both),
and the language each email is written in

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_cy', sa.String(length=150), server_default='', nullable=False))
        batch_op.add_column(sa.Column('summary_cy', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('summary_cy')
        batch_op.drop_column('title_cy')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
