"""A board member's part of the home page: what waits for them (awards to sign off, the
partnerships of each area to rate for the year) as tasks, above each area's year at a
glance."""

from flask import url_for
from flask_babel import gettext as _

from ..accounts.models import Role
from ..board.reporting.glance import glance
from ..evaluation import award
from ..timeutil import utcnow
from . import Task


def _sign_off_task(decisions) -> list[Task]:
    if not decisions:
        return []
    first = decisions[0]
    one = len(decisions) == 1
    lot = first.lot
    return [
        Task(
            _("Sign off an award") if one else _("Sign off awards"),
            len(decisions),
            url_for("evaluation.sign_off", decision_id=first.id) if one else url_for("evaluation.sign_offs"),
            oldest=first.decided_at,
            hint=_("%(need)s, lot %(number)s: %(lot)s", need=lot.need.local_title, number=lot.number, lot=lot.title)
            if one
            else _("Awards over your area's threshold take effect once a board member approves them"),
        )
    ]


def _rating_tasks(glances) -> list[Task]:
    return [
        Task(
            _("Rate partnerships for the year"),
            g.unrated,
            url_for("board.partnerships", area_id=g.area.id),
            hint=_(
                "%(area)s: April %(start)s to March %(end)s",
                area=g.area.label,
                start=g.period.start.year,
                end=g.period.start.year + 1,
            ),
        )
        for g in glances
        if g.unrated
    ]


def context(user) -> dict:
    memberships = user.area_memberships(Role.BOARD_MEMBER)
    if not memberships:
        return {"board_areas": [], "glances": [], "sign_offs": [], "board_tasks": []}
    now = utcnow()
    glances = [glance(m.area, now) for m in memberships]
    sign_offs = award.waiting_for_sign_off(user)
    return {
        "board_areas": [m.area for m in memberships],
        "glances": glances,
        "sign_offs": sign_offs,
        "board_tasks": _sign_off_task(sign_offs) + _rating_tasks(glances),
    }
