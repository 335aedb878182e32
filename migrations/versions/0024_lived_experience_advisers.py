"""Lived-experience advisers: the adviser role, the parts a panel member scores (an
adviser's, none for an evaluator: every part), and each adviser's place on a need's panel
(invited by email, paid or not, the parts chosen)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


ROLES_BEFORE = ("owner", "member", "commissioner", "evaluator", "board_member", "finance")
ROLES_AFTER = ROLES_BEFORE + ("adviser",)


def _roles(values):
    return ", ".join(f"'{v}'" for v in values)


def _role_constraints(roles):
    """The checks on memberships.role and invitations.role (see accounts/models.py)."""
    area_roles = tuple(r for r in roles if r not in ("owner", "member"))
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_invitations_role"), type_="check")
        batch_op.create_check_constraint("role", f"role IN ({_roles(roles)})")
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_memberships_role"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_memberships_role_matches_target"), type_="check")
        batch_op.create_check_constraint("role", f"role IN ({_roles(roles)})")
        batch_op.create_check_constraint(
            "role_matches_target",
            "(role IN ('owner', 'member') AND organisation_id IS NOT NULL AND area_id IS NULL)"
            f" OR (role IN ({_roles(area_roles)}) AND area_id IS NOT NULL AND organisation_id IS NULL)",
        )


def upgrade():
    _role_constraints(ROLES_AFTER)
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=True))
    op.create_table('adviser_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('fee_pence', sa.Integer(), nullable=True),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('panel_member_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('fee_pence IS NULL OR (paid AND fee_pence > 0)', name=op.f('ck_adviser_places_fee_when_paid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_adviser_places_created_by_id_users')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_adviser_places_invitation_id_invitations')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_adviser_places_need_id_needs')),
    sa.ForeignKeyConstraint(['panel_member_id'], ['panel_members.id'], name=op.f('fk_adviser_places_panel_member_id_panel_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adviser_places')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_adviser_places_invitation_id')),
    sa.UniqueConstraint('panel_member_id', name=op.f('uq_adviser_places_panel_member_id'))
    )
    with op.batch_alter_table('adviser_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adviser_places_need_id'), ['need_id'], unique=False)


def downgrade():
    with op.batch_alter_table('adviser_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adviser_places_need_id'))
    op.drop_table('adviser_places')
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_column('parts')
    _role_constraints(ROLES_BEFORE)
