"""A board member's part of the home page: each area's year at a glance and the awards
waiting for sign-off."""

from ..accounts.models import Role
from ..board.reporting.glance import glance
from ..evaluation import award
from ..timeutil import utcnow


def context(user) -> dict:
    memberships = user.area_memberships(Role.BOARD_MEMBER)
    if not memberships:
        return {"board_areas": [], "glances": [], "sign_offs": []}
    now = utcnow()
    return {
        "board_areas": [m.area for m in memberships],
        "glances": [glance(m.area, now) for m in memberships],
        "sign_offs": award.waiting_for_sign_off(user),
    }
