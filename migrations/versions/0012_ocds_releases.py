"""Open contracting data: one OCDS release per published step of a contracting process,
stored as written (never regenerated), indexed for keyset paging by (date, id) and for a
process's record by ocid

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ocds_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ocid', sa.String(length=80), nullable=False),
    sa.Column('release_id', sa.String(length=120), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('release', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_ocds_releases_need_id_needs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocds_releases')),
    sa.UniqueConstraint('ocid', 'release_id', name='uq_ocds_releases_ocid_release')
    )
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.create_index('ix_ocds_releases_date_id', ['date', 'id'], unique=False)
        batch_op.create_index('ix_ocds_releases_need_id', ['need_id'], unique=False)
        batch_op.create_index('ix_ocds_releases_ocid_date', ['ocid', 'date', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_ocds_releases_ocid_date')
        batch_op.drop_index('ix_ocds_releases_need_id')
        batch_op.drop_index('ix_ocds_releases_date_id')
    op.drop_table('ocds_releases')
