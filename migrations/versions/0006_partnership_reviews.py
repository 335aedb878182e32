"""Partnership reviews: a board's yearly and end-of-contract ratings of each partnership, and the commissioner's and provider's answers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:52:04.895784

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partnership_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('yearly', 'end', name='reviewkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('financial_year', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('good', 'approaching_target', 'requires_improvement', 'inadequate', name='rating', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('financial_year BETWEEN 2000 AND 2200', name=op.f('ck_partnership_reviews_year_sensible')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_partnership_reviews_contract_id_contracts')),
    sa.ForeignKeyConstraint(['rated_by_id'], ['users.id'], name=op.f('fk_partnership_reviews_rated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_reviews')),
    sa.UniqueConstraint('contract_id', 'kind', 'financial_year', name='uq_partnership_reviews_year')
    )
    with op.batch_alter_table('partnership_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_reviews_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index('uq_partnership_reviews_end', ['contract_id'], unique=True, postgresql_where=sa.text("kind = 'end'"), sqlite_where=sa.text("kind = 'end'"))

    op.create_table('review_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('commissioner', 'provider', name='responseside', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('responded_by_id', sa.Integer(), nullable=False),
    sa.Column('responded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['responded_by_id'], ['users.id'], name=op.f('fk_review_responses_responded_by_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['partnership_reviews.id'], name=op.f('fk_review_responses_review_id_partnership_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_responses')),
    sa.UniqueConstraint('review_id', 'side', name='uq_review_responses_side')
    )
    with op.batch_alter_table('review_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_responses_review_id'), ['review_id'], unique=False)



def downgrade():
    with op.batch_alter_table('review_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_responses_review_id'))

    op.drop_table('review_responses')
    with op.batch_alter_table('partnership_reviews', schema=None) as batch_op:
        batch_op.drop_index('uq_partnership_reviews_end', postgresql_where=sa.text("kind = 'end'"), sqlite_where=sa.text("kind = 'end'"))
        batch_op.drop_index(batch_op.f('ix_partnership_reviews_contract_id'))

    op.drop_table('partnership_reviews')
