"""An evaluator's part of the home page: the panels they sit on."""

from ..accounts.models import Role
from ..evaluation import panel


def context(user) -> dict:
    return {
        "evaluator_areas": [m.area for m in user.area_memberships(Role.EVALUATOR)],
        "evaluations": panel.evaluations_for(user),
    }
