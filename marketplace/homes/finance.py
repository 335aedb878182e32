"""A finance officer's part of the home page: the payments to record (or, with Stripe, to
release), oldest first with the days each has waited since it became payable; and the
payments every area role follows."""

from flask import url_for
from flask_babel import ngettext

from ..accounts.models import Role
from ..payments import services as payments
from ..payments.models import TARGET_DAYS
from ..timeutil import utcnow
from . import Task, in_order

SHOWN = 25  # the oldest payments listed on the home page; the area's page has them all


def _payment_areas(user) -> list[tuple]:
    """The areas whose payments the user follows (commissioner, board, finance), each with
    how many of its payments are overdue now (counted in one statement for every area)."""
    roles = (Role.COMMISSIONER, Role.BOARD_MEMBER, Role.FINANCE)
    areas = {m.area.id: m.area for m in user.area_memberships() if m.role in roles}
    if not areas:
        return []
    counts = payments.overdue_counts(sorted({i for area in areas.values() for i in area.ids_covered}))
    return [
        (area, sum(counts.get(i, 0) for i in area.ids_covered)) for area in sorted(areas.values(), key=lambda a: a.name)
    ]


def _to_record(areas, now) -> tuple[list[Task], list]:
    """One task per area with payments waiting (the one payment, or the area's payments
    page), and the oldest payments waiting across the areas."""
    covered = {area.id: area.ids_covered for area in areas}
    counts, oldest = payments.to_record(sorted({i for ids in covered.values() for i in ids}), now, limit=SHOWN)
    stripe = payments.backend_name() == "stripe"
    tasks = []
    for area in areas:
        waiting = [counts[i] for i in covered[area.id] if i in counts]
        count = sum(n for n, _ in waiting)
        if not count:
            continue
        single = next((p for p in oldest if p.contract.need.area_id in covered[area.id]), None) if count == 1 else None
        url = (
            url_for("payments.show", payment_id=single.id)
            if single is not None
            else url_for("payments.area_payments", area_id=area.id)
        )
        title = (
            ngettext("Release payment to providers", "Release payments to providers", count)
            if stripe
            else ngettext("Record payment to providers", "Record payments to providers", count)
        )
        tasks.append(Task(title, count, url, oldest=min(since for _, since in waiting), hint=area.label))
    return in_order(tasks), oldest


def context(user) -> dict:
    areas = [m.area for m in user.area_memberships(Role.FINANCE)]
    context = {
        "finance_areas": areas,
        "payment_areas": _payment_areas(user),
        "finance_tasks": [],
        "to_record": [],
        "target_days": TARGET_DAYS,
    }
    if areas:
        now = utcnow()
        tasks, oldest = _to_record(areas, now)
        context.update(finance_tasks=tasks, to_record=[(p, p.days_taken(now)) for p in oldest])
    return context
