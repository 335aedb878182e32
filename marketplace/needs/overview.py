"""The commissioner's home page: the needs of the areas a user commissions for, counted by
status, and what waits for their action (unanswered questions, needs closing soon)."""

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from .. import waiting
from ..accounts.models import Role
from ..extensions import db
from ..i18n import current_language
from ..reference.models import Area, AreaKind
from ..timeutil import london_date, utcnow
from ..workdays import add_working_days, at_london_time
from .dates import closing_soon_cutoff
from .models import Need, NeedStatus, Question


def _status_clause(now: datetime):
    """SQL for a need's status at `now`, as Need.status_at works it out."""
    return sa.case(
        (Need.cancelled_at.is_not(None), NeedStatus.CANCELLED.value),
        (Need.withdrawn_at.is_not(None), NeedStatus.WITHDRAWN.value),
        (Need.awarded_at.is_not(None), NeedStatus.AWARDED.value),
        (Need.not_awarded_at.is_not(None), NeedStatus.NOT_AWARDED.value),
        (Need.published_at.is_(None), NeedStatus.DRAFT.value),
        (Need.closes_at <= now, NeedStatus.CLOSED.value),
        else_=NeedStatus.OPEN.value,
    )


# A need closing within this many working days is on its commissioner's to-do.
CLOSING_WORKING_DAYS = 5


def closing_within_working_days(now: datetime, days: int = CLOSING_WORKING_DAYS) -> datetime:
    """The end of the `days`-th working day after today (London), as an instant."""
    return at_london_time(add_working_days(london_date(now), days), time(23, 59, 59))


def closing_soon(area_ids, now: datetime) -> sa.Select:
    """The areas' open needs closing within CLOSING_WORKING_DAYS working days, as a
    waiting-work query (marketplace/waiting.py): due at their closing time."""
    return sa.select(
        *waiting.columns(item=Need.id, parent=Need.id, area=Need.area_id, due=Need.closes_at, title=Need.title)
    ).where(Need.area_id.in_(area_ids), Need.open_clause(now), Need.closes_at <= closing_within_working_days(now))


IN_PROGRESS = (NeedStatus.DRAFT.value, NeedStatus.OPEN.value, NeedStatus.CLOSED.value)
LISTED = 60  # the needs in progress the home page lists, soonest closing first


def _for_action(area_ids, now: datetime) -> tuple[list[tuple], list]:
    """The areas' needs with questions waiting for an answer (and how many), and their open
    needs closing within 7 days, each by closing time: one statement for both lists, of the
    columns the page shows (id, title, closes_at)."""
    waiting = sa.union_all(
        sa.select(Question.need_id.label("need_id"), sa.func.count().label("questions"), sa.literal(0).label("kind"))
        .join(Need, Need.id == Question.need_id)
        .where(Need.area_id.in_(area_ids), Question.answered_at.is_(None))
        .group_by(Question.need_id),
        sa.select(Need.id, sa.literal(0), sa.literal(1)).where(
            Need.area_id.in_(area_ids), Need.open_clause(now), Need.closes_at <= closing_soon_cutoff(now)
        ),
    ).subquery("waiting")
    rows = db.session.execute(
        sa.select(Need.id, Need.title, Need.closes_at, waiting.c.questions, waiting.c.kind)
        .join(waiting, waiting.c.need_id == Need.id)
        .order_by(Need.closes_at, Need.id)
    ).all()
    unanswered = [(row, row.questions) for row in rows if row.kind == 0]
    return unanswered, [row for row in rows if row.kind == 1]


def _local_area_name() -> sa.ColumnElement[str] | InstrumentedAttribute[str]:
    """The area's name in the page's language (Area.local_name, in SQL)."""
    if current_language() == "cy":
        return sa.func.coalesce(sa.func.nullif(Area.name_cy, ""), Area.name)
    return Area.name


def _by_status(area_ids, now: datetime) -> tuple[dict[str, int], dict[NeedStatus, list]]:
    """The areas' needs counted by status, and the first LISTED in progress (soonest
    closing first) by status, as rows of the columns the page shows (id, title, closes_at,
    area_name). Two statements: one window-counted statement over all the areas' needs
    measured slower (35 against 17 ms at the median for a region of 3,607 needs, README)
    than a grouped count and the list read from the index of needs in progress."""
    status = _status_clause(now)
    counts: dict[str, int] = dict(
        db.session.execute(sa.select(status, sa.func.count()).where(Need.area_id.in_(area_ids)).group_by(status)).all()
    )
    rows = db.session.execute(
        sa.select(Need.id, Need.title, Need.closes_at, _local_area_name().label("area_name"), status.label("status"))
        .join(Area, Area.id == Need.area_id)
        .where(
            Need.area_id.in_(area_ids),
            # Not ended: what the statuses below imply, said so that the area's needs in
            # progress are read from their index (ix_needs_area_unended), not all of them.
            Need.withdrawn_at.is_(None),
            Need.cancelled_at.is_(None),
            Need.awarded_at.is_(None),
            Need.not_awarded_at.is_(None),
            status.in_(IN_PROGRESS),
        )
        .order_by(Need.closes_at.is_(None), Need.closes_at, Need.id)
        .limit(LISTED)
    ).all()
    listed: dict[NeedStatus, list] = {}
    for row in rows:
        listed.setdefault(NeedStatus(row.status), []).append(row)
    return counts, listed


def commissioning_overview(user, now=None) -> dict | None:
    """For the home page: the needs of the areas the user commissions for, counted by
    status, and what needs their action. None when the user commissions nowhere."""
    areas = [m.area for m in user.area_memberships(Role.COMMISSIONER)]
    if not areas:
        return None
    now = now or utcnow()
    area_ids = {a.id for a in areas} | {c.id for a in areas if a.kind == AreaKind.REGION for c in a.children}
    counts, by_status = _by_status(area_ids, now)
    unanswered, closing = _for_action(area_ids, now)
    return {
        "counts": [(s, counts.get(s.value, 0)) for s in NeedStatus],
        "by_status": by_status,
        "unanswered": unanswered,
        "closing": closing,
    }
