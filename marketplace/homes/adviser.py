"""A lived-experience adviser's part of the home page: their to-do list on the panels
they sit on (conflicts to declare, then the bids to score, only their parts), and those
panels. An adviser sees nothing else of the area."""

from ..accounts.models import Role
from ..evaluation.advisers import adviser_needs
from .evaluator import tasks


def context(user) -> dict:
    if not user.area_memberships(Role.ADVISER):
        return {"adviser_needs": [], "adviser_tasks": [], "is_adviser": False}
    return {"adviser_needs": adviser_needs(user), "adviser_tasks": tasks(user, advising=True), "is_adviser": True}
