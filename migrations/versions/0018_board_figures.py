"""Kept bid counts of closed needs (closed_need_bids, for the board's dashboard), and the need of each audit event: audit_events.need_id, set when an event is recorded (and
here for the events already recorded, from the object each is about), indexed with the
time, for the record of decisions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# The object's table, and the SQL for its need's id from the event's object_id (as
# marketplace/audit/needs.py finds it, written out here as it stood at this migration).
NEED_OF = {
    'needs': 'audit_events.object_id',
    'bids': '(SELECT need_id FROM bids WHERE bids.id = audit_events.object_id)',
    'contracts': '(SELECT need_id FROM contracts WHERE contracts.id = audit_events.object_id)',
    'conflict_declarations': '(SELECT need_id FROM conflict_declarations c WHERE c.id = audit_events.object_id)',
    'moderation_closures': '(SELECT l.need_id FROM moderation_closures m JOIN lots l ON l.id = m.lot_id WHERE m.id = audit_events.object_id)',
    'award_decisions': '(SELECT l.need_id FROM award_decisions a JOIN lots l ON l.id = a.lot_id WHERE a.id = audit_events.object_id)',
    'low_bid_reviews': '(SELECT b.need_id FROM low_bid_reviews r JOIN bids b ON b.id = r.bid_id WHERE r.id = audit_events.object_id)',
    'contract_variations': '(SELECT c.need_id FROM contract_variations v JOIN contracts c ON c.id = v.contract_id WHERE v.id = audit_events.object_id)',
    'payments': '(SELECT c.need_id FROM payments p JOIN contracts c ON c.id = p.contract_id WHERE p.id = audit_events.object_id)',
    'partnership_reviews': '(SELECT c.need_id FROM partnership_reviews r JOIN contracts c ON c.id = r.contract_id WHERE r.id = audit_events.object_id)',
}


def upgrade():
    op.create_table('closed_need_bids',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('bids', sa.Integer(), nullable=False),
    sa.Column('kept_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_closed_need_bids_need_id_needs')),
    sa.PrimaryKeyConstraint('need_id', name=op.f('pk_closed_need_bids'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('need_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_need_id_needs'), 'needs', ['need_id'], ['id'])
    for object_type, need in NEED_OF.items():
        op.execute(
            f"UPDATE audit_events SET need_id = {need} "
            f"WHERE object_type = '{object_type}' AND object_id IS NOT NULL"
        )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_need_occurred', ['need_id', 'occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_need_occurred')
        batch_op.drop_constraint(batch_op.f('fk_audit_events_need_id_needs'), type_='foreignkey')
        batch_op.drop_column('need_id')
    op.drop_table('closed_need_bids')
