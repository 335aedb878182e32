"""A commissioner's part of the home page."""

from ..accounts.models import Role
from ..needs.overview import commissioning_overview


def context(user) -> dict:
    return {
        "commissioner_areas": [m.area for m in user.area_memberships(Role.COMMISSIONER)],
        "commissioning": commissioning_overview(user),
    }
