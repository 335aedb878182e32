"""The record of decisions counts an area's decisions from the index alone: the index of
audit events by need and time also holds the action (the kinds of decision are picked by
it), so counting a region's 10,000 decisions for the page numbers reads no table rows

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_events_need_occurred_action', 'audit_events', ['need_id', 'occurred_at', 'action'], unique=False)
    op.drop_index('ix_audit_events_need_occurred', table_name='audit_events')


def downgrade():
    op.create_index('ix_audit_events_need_occurred', 'audit_events', ['need_id', 'occurred_at'], unique=False)
    op.drop_index('ix_audit_events_need_occurred_action', table_name='audit_events')
