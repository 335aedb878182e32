"""Email preferences: each person chooses each email as it happens or one a day with
everything (users.email_frequency); the outbox holds the emails of a daily summary
(held_for_summary) and points each at the summary that carried it (summary_id)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_frequency', sa.Enum('immediate', 'daily', name='emailfrequency', native_enum=False, create_constraint=True, length=16), nullable=False, server_default='immediate'))
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_for_summary', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('summary_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_emails_summary_id_outbox_emails'), 'outbox_emails', ['summary_id'], ['id'])


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_emails_summary_id_outbox_emails'), type_='foreignkey')
        batch_op.drop_column('summary_id')
        batch_op.drop_column('held_for_summary')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_frequency')
