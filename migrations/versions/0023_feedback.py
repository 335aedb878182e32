"""Feedback from the people a contract supports: each contract's short link, and the
anonymous answers given through it (the day only, never a time), with the ticks of what
changed and any comment, held until published

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_feedback_links_changed_by_id_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_feedback_links_contract_id_contracts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_feedback_links_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_links')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_links_code')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_feedback_links_contract_id'))
    )
    op.create_table('feedback_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('helped', sa.Enum('yes', 'partly', 'no', name='helped', native_enum=False, length=16, create_constraint=True), nullable=False),
    sa.Column('treated', sa.Integer(), nullable=False),
    sa.Column('recommend', sa.Enum('yes', 'no', 'not_sure', name='recommend', native_enum=False, length=16, create_constraint=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_state', sa.Enum('held', 'published', 'declined', name='commentstate', native_enum=False, length=16, create_constraint=True), nullable=True),
    sa.Column('published_comment', sa.Text(), nullable=True),
    sa.CheckConstraint('(comment IS NULL) = (comment_state IS NULL)', name=op.f('ck_feedback_responses_comment_has_state')),
    sa.CheckConstraint('treated BETWEEN 1 AND 5', name=op.f('ck_feedback_responses_treated_range')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_feedback_responses_contract_id_contracts')),
    sa.ForeignKeyConstraint(['link_id'], ['feedback_links.id'], name=op.f('fk_feedback_responses_link_id_feedback_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_responses'))
    )
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_responses_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_responses_link_id'), ['link_id'], unique=False)
    op.create_table('feedback_changes',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['feedback_responses.id'], name=op.f('fk_feedback_changes_response_id_feedback_responses')),
    sa.PrimaryKeyConstraint('response_id', 'code', name=op.f('pk_feedback_changes'))
    )


def downgrade():
    op.drop_table('feedback_changes')
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_responses_link_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_responses_contract_id'))
    op.drop_table('feedback_responses')
    op.drop_table('feedback_links')
