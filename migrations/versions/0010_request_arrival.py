"""Request arrival: when each bid revision was written, beside the time its submission
reached our servers (submitted_at, the time that counts against the closing time)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:12:41.318207

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Only while the column is added: SQLite adds a NOT NULL column only with a default.
# Every row is then given its own time below.
PLACEHOLDER = '1970-01-01 00:00:00'


def upgrade():
    with op.batch_alter_table('bid_revisions', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(), nullable=False, server_default=PLACEHOLDER))

    # Until now a revision was stamped when it was written: both times are that one.
    op.execute('UPDATE bid_revisions SET recorded_at = submitted_at')

    # The placeholder goes where the database can drop a default in place. SQLite would
    # have to rebuild the table, which the score sheets' foreign keys to it forbid; there
    # it stays, unused (the app always gives the time).
    if op.get_bind().dialect.name != 'sqlite':
        with op.batch_alter_table('bid_revisions', schema=None) as batch_op:
            batch_op.alter_column('recorded_at', existing_type=sa.DateTime(), existing_nullable=False, server_default=None)


def downgrade():
    with op.batch_alter_table('bid_revisions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('recorded_at')
