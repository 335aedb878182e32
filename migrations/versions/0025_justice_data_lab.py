"""What works, in public: the figures /what-works adds up, kept per service category, month
approved and lead organisation (what_works_people: reports approved, people started and
completed; what_works_outcomes: each desired outcome's lines), and the Justice Data Lab
results an admin records for a provider's service (justice_data_lab_results). `flask
keep-board-figures` fills the kept figures for what is already there

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('what_works_people',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('approvals', sa.Integer(), nullable=False),
    sa.Column('started', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('category_id', 'month', 'organisation_id', name=op.f('pk_what_works_people'))
    )
    op.create_table('what_works_outcomes',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('achieved', sa.Integer(), nullable=False),
    sa.Column('partly', sa.Integer(), nullable=False),
    sa.Column('not_achieved', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('category_id', 'month', 'organisation_id', 'outcome_id', name=op.f('pk_what_works_outcomes'))
    )
    op.create_table('justice_data_lab_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service_name', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('cohort_size', sa.Integer(), nullable=False),
    sa.Column('cohort_rate_tenths', sa.Integer(), nullable=False),
    sa.Column('comparison_rate_tenths', sa.Integer(), nullable=False),
    sa.Column('difference_lower_tenths', sa.Integer(), nullable=False),
    sa.Column('difference_upper_tenths', sa.Integer(), nullable=False),
    sa.Column('significance', sa.Enum('reduction', 'increase', 'not_significant', name='significance', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('cohort_size >= 1', name=op.f('ck_justice_data_lab_results_cohort_positive')),
    sa.CheckConstraint('cohort_rate_tenths BETWEEN 0 AND 1000 AND comparison_rate_tenths BETWEEN 0 AND 1000', name=op.f('ck_justice_data_lab_results_rates_percent')),
    sa.CheckConstraint('difference_lower_tenths BETWEEN -1000 AND 1000 AND difference_upper_tenths BETWEEN -1000 AND 1000', name=op.f('ck_justice_data_lab_results_interval_points')),
    sa.CheckConstraint('difference_lower_tenths <= difference_upper_tenths', name=op.f('ck_justice_data_lab_results_interval_in_order')),
    sa.CheckConstraint("url LIKE 'https://%'", name=op.f('ck_justice_data_lab_results_url_https')),
    sa.CheckConstraint('(withdrawn_at IS NULL) = (withdrawn_reason IS NULL) AND (withdrawn_at IS NULL) = (withdrawn_by_id IS NULL)', name=op.f('ck_justice_data_lab_results_withdrawn_with_reason')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_justice_data_lab_results_category_id_service_categories')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_justice_data_lab_results_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_justice_data_lab_results_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_justice_data_lab_results_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_justice_data_lab_results'))
    )
    with op.batch_alter_table('justice_data_lab_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_justice_data_lab_results_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_justice_data_lab_results_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('justice_data_lab_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_justice_data_lab_results_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_justice_data_lab_results_category_id'))
    op.drop_table('justice_data_lab_results')
    op.drop_table('what_works_outcomes')
    op.drop_table('what_works_people')
