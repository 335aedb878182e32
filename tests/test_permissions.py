"""The permission module's decisions, as a table of role x action x object."""

import pytest
from flask_login import AnonymousUserMixin

from marketplace.accounts.models import Membership, Role
from marketplace.extensions import db
from marketplace.permissions import Action, can
from marketplace.timeutil import utcnow

from . import factories

ACTORS = [
    "anonymous",
    "unverified_owner",
    "outsider",
    "member",
    "owner",
    "other_owner",
    "pdu_commissioner",
    "region_commissioner",
    "other_region_commissioner",
    "evaluator",
    "board_member",
    "admin",
    "deactivated_admin",
]


@pytest.fixture
def world(db_session):
    """Organisation A (with an owner and a member), organisation B, and area staff in Kent."""
    org_a = factories.make_organisation("Organisation A")
    org_b = factories.make_organisation("Organisation B")
    owner = factories.make_provider(Role.OWNER, org_a)
    actors = {
        "anonymous": AnonymousUserMixin(),
        "unverified_owner": factories.make_provider(Role.OWNER, org_a, verified=False),
        "outsider": factories.make_user(),
        "member": factories.make_provider(Role.MEMBER, org_a),
        "owner": owner,
        "other_owner": factories.make_provider(Role.OWNER, org_b),
        "pdu_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N57EKNT"),
        "region_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N57"),
        "other_region_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "evaluator": factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "board_member": factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT"),
        "admin": factories.make_user(admin=True),
        "deactivated_admin": factories.make_user(admin=True, deactivated_at=utcnow()),
    }
    unverified_org = factories.make_organisation("Unverified C", verified=False)
    db.session.add(Membership(user=actors["owner"], organisation=unverified_org, role=Role.OWNER))
    db.session.flush()
    return {
        "actors": actors,
        "objects": {
            "verified_org": org_a,
            "unverified_org": unverified_org,
            "east_kent": factories.area("N57EKNT"),
            "west_kent": factories.area("N57KECL"),
            "none": None,
            "member_user": actors["member"],
            "admin_user": actors["admin"],
        },
    }


def allowed(*names):
    return {name: True for name in names}


# action, object, the actors allowed (everyone else is refused)
TABLE = [
    (Action.VIEW_ORGANISATION, "verified_org", set(ACTORS)),
    (Action.VIEW_ORGANISATION, "unverified_org", {"owner", "admin"}),
    (Action.EDIT_ORGANISATION, "verified_org", {"member", "owner"}),
    (Action.EDIT_ORGANISATION, "unverified_org", {"owner"}),
    (Action.MANAGE_MEMBERS, "verified_org", {"owner"}),
    (Action.VERIFY_ORGANISATION, "verified_org", set()),
    (Action.VERIFY_ORGANISATION, "unverified_org", {"admin"}),
    (Action.VIEW_AREA_STAFF, "east_kent", {"pdu_commissioner", "region_commissioner", "evaluator", "board_member", "admin"}),
    (Action.VIEW_AREA_STAFF, "west_kent", {"region_commissioner", "admin"}),
    (Action.INVITE_AREA_STAFF, "east_kent", {"admin"}),
    (Action.VIEW_ADMIN, "none", {"admin"}),
    (Action.DEACTIVATE_USER, "member_user", {"admin"}),
    (Action.DEACTIVATE_USER, "admin_user", set()),  # an admin cannot lock themselves out
]

CASES = [
    pytest.param(action, obj, actor, actor in permitted, id=f"{action.value}-{obj}-{actor}")
    for action, obj, permitted in TABLE
    for actor in ACTORS
]


@pytest.mark.parametrize("action, obj, actor, expected", CASES)
def test_permission_table(world, action, obj, actor, expected):
    assert can(world["actors"][actor], action, world["objects"][obj]) is expected


def test_every_action_is_in_the_table():
    assert {action for action, _, _ in TABLE} == set(Action)


def test_unknown_action_is_refused(world):
    assert can(world["actors"]["admin"], "organisation.delete", world["objects"]["verified_org"]) is False


def test_ended_membership_grants_nothing(world):
    owner = world["actors"]["owner"]
    org = world["objects"]["verified_org"]
    membership = next(m for m in owner.memberships if m.organisation_id == org.id)
    membership.ended_at = utcnow()
    db.session.flush()
    assert can(owner, Action.EDIT_ORGANISATION, org) is False
    assert can(owner, Action.MANAGE_MEMBERS, org) is False
