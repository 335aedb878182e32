"""Home page indexes: partial indexes on the few rows the commissioner's to-do and the
home pages look for among many (needs in progress by area, questions unanswered, reports
undecided, payments unpaid, awards waiting for sign-off) and awards by standstill end

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

UNENDED = 'withdrawn_at IS NULL AND cancelled_at IS NULL AND awarded_at IS NULL AND not_awarded_at IS NULL'
WAITING_SIGN_OFF = 'needs_sign_off IS true AND signed_off_at IS NULL AND refused_at IS NULL'


def upgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index('ix_needs_area_unended', ['area_id', 'closes_at'], unique=False, sqlite_where=sa.text(UNENDED), postgresql_where=sa.text(UNENDED))
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('ix_questions_unanswered', ['need_id'], unique=False, sqlite_where=sa.text('answered_at IS NULL'), postgresql_where=sa.text('answered_at IS NULL'))
    with op.batch_alter_table('award_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_award_decisions_waiting_sign_off', ['lot_id'], unique=False, sqlite_where=sa.text(WAITING_SIGN_OFF), postgresql_where=sa.text(WAITING_SIGN_OFF))
        batch_op.create_index('ix_award_decisions_standstill_ends_at', ['standstill_ends_at'], unique=False)
    with op.batch_alter_table('report_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_report_submissions_undecided', ['report_id'], unique=False, sqlite_where=sa.text('decision IS NULL'), postgresql_where=sa.text('decision IS NULL'))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_unpaid', ['payable_at', 'contract_id'], unique=False, sqlite_where=sa.text("status != 'paid'"), postgresql_where=sa.text("status != 'paid'"))


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_unpaid')
    with op.batch_alter_table('report_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_report_submissions_undecided')
    with op.batch_alter_table('award_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_award_decisions_standstill_ends_at')
        batch_op.drop_index('ix_award_decisions_waiting_sign_off')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_unanswered')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_area_unended')
