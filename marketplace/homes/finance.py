"""A finance officer's part of the home page, and the payments every area role follows."""

from ..accounts.models import Role
from ..payments import services as payments


def _payment_areas(user) -> list[tuple]:
    """The areas whose payments the user follows (commissioner, board, finance), each with
    its payments overdue now."""
    roles = (Role.COMMISSIONER, Role.BOARD_MEMBER, Role.FINANCE)
    areas = {m.area.id: m.area for m in user.area_memberships() if m.role in roles}
    return [(area, payments.overdue(area.ids_covered)) for area in sorted(areas.values(), key=lambda a: a.name)]


def context(user) -> dict:
    return {
        "finance_areas": [m.area for m in user.area_memberships(Role.FINANCE)],
        "payment_areas": _payment_areas(user),
    }
