"""An evaluator's part of the home page: what waits on the panels they sit on (conflicts
to declare, then bids to score), each linking to where it is done, and every panel."""

from flask import url_for
from flask_babel import gettext as _

from ..accounts.models import Role
from ..evaluation import panel
from ..evaluation.panel_work import panel_work
from . import Task, in_order


def tasks(user, *, advising: bool = False) -> list[Task]:
    """What waits on the user's panels: as an evaluator, or (`advising`) as a
    lived-experience adviser (homes/adviser.py)."""
    tasks = []
    for work in panel_work(user):
        if work.adviser != advising:
            continue
        need = work.need
        if work.undeclared:
            tasks.append(
                Task(
                    _("Declare your interests"),
                    work.undeclared,
                    url_for("evaluation.declare", need_id=need.id),
                    oldest=work.since,
                    hint=_(
                        "%(need)s: say, for each bidder, whether you have a conflict of interest", need=need.local_title
                    ),
                )
            )
        elif work.to_score:
            tasks.append(
                Task(
                    _("Score bids"),
                    work.to_score,
                    url_for("evaluation.my_evaluation", need_id=need.id),
                    oldest=work.since,
                    hint=need.local_title,
                )
            )
    return in_order(tasks)


def context(user) -> dict:
    areas = [m.area for m in user.area_memberships(Role.EVALUATOR)]
    if not areas:
        return {"evaluator_areas": [], "evaluations": [], "evaluator_tasks": []}
    return {
        "evaluator_areas": areas,
        "evaluations": panel.evaluations_for(user),
        "evaluator_tasks": tasks(user),
    }
