"""Needs published, kept per area, category, month published and day of closing
(board_need_figures, kept by board/keeping.py and by keep_closed_need_bids), so that the
needs published, their closed lots and the bids counted on them (competition.activity) are
added up from a few kept rows instead of read from every need of the period with its lots.

Whether a need has closed depends on the clock, so for a period of whole months the lots
and kept bids of the needs closing on days before today (UTC) are added up from the kept
rows, and the needs closing today are counted from the needs themselves (one day's, read
from the closing time's index), as are the bids of any closed need whose count is not
kept yet (the kept rows say which days have one). Any other period is counted from the
needs, as it always was; the figures are the same either way.
"""

from collections.abc import Collection
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...extensions import on_postgresql
from ...needs.models import Lot, Need
from .. import keeping
from ..models import ClosedNeedBids, NeedFigure
from .kept_payments import month_of, months, utc_day
from .scope import Period, Scope
from .timeliness import london_day

NEVER = date(9999, 12, 31)  # the day of closing kept for a need without a closing time
_NEED = ("published_at", "closes_at", "area_id", "area", "category_id", "category")


def _rows(ids: Collection[int] | sa.BindParameter | None, kept: bool = True) -> sa.Select:
    """The groups of these needs (all with None); with kept=False, as if no count of their
    bids were kept."""
    lots = sa.select(sa.func.count(Lot.id)).where(Lot.need_id == Need.id).scalar_subquery()
    each = (
        sa.select(
            Need.area_id.label("area_id"),
            sa.func.coalesce(Need.category_id, 0).label("category_id"),
            month_of(london_day(Need.published_at)).label("month"),
            sa.func.coalesce(utc_day(Need.closes_at), NEVER).label("closes_on"),
            lots.label("lots"),
            (ClosedNeedBids.bids if kept else sa.cast(sa.null(), sa.Integer)).label("bids"),
        )
        .select_from(Need)
        .where(Need.published_at.is_not(None))
    )
    if kept:
        each = each.outerjoin(ClosedNeedBids, ClosedNeedBids.need_id == Need.id)
    if ids is not None:
        each = each.where(Need.id.in_(ids))
    subquery = each.subquery()
    key = [subquery.c.area_id, subquery.c.category_id, subquery.c.month, subquery.c.closes_on]
    return sa.select(
        *key,
        sa.func.sum(sa.case((subquery.c.lots > 0, 1), else_=0)),
        sa.func.sum(subquery.c.lots),
        sa.func.coalesce(sa.func.sum(subquery.c.bids), 0),
        sa.func.sum(sa.case((subquery.c.bids.is_(None), 1), else_=0)),
    ).group_by(*key)


def _touched(session: Session) -> tuple[set[int], list]:
    ids: set[int] = set()
    new: list = []
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Need):
            if obj in session.new:
                new.append(obj)
            elif obj in session.deleted or keeping.changed(obj, _NEED):
                ids.add(obj.id)
        elif isinstance(obj, Lot) and (
            obj in session.new or obj in session.deleted or keeping.changed(obj, ("need_id",))
        ):
            need = obj.need if obj.need is not None else session.get(Need, obj.need_id)
            if need is not None and need.id is not None:
                ids.add(need.id)
            elif need is not None:
                new.append(need)
            history = sa.inspect(obj).attrs.need_id.history
            ids.update(i for i in history.deleted if i is not None)
    return ids, new


FIGURE = keeping.KeptFigure(NeedFigure.__table__, _rows, _touched)
keeping.FIGURES.append(FIGURE)


def kept_bids(connection: sa.Connection, need_ids: Collection[int]) -> None:
    """Move the needs whose counts keep_closed_need_bids has just kept from "not kept" to
    their kept bids in their rows (the difference between their rows with and without
    closed_need_bids)."""
    if not need_ids:
        return
    before = keeping.groups(connection, FIGURE, need_ids, _rows(sorted(need_ids), kept=False))
    keeping.add_difference(connection, FIGURE, before, keeping.groups(connection, FIGURE, need_ids))


# Reading ---------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def day_of(day):
    """The day of the month of a date, in SQL on either database."""
    if on_postgresql():
        return sa.cast(sa.extract("day", day), sa.Integer)
    return sa.cast(sa.func.strftime("%d", day), sa.Integer)


def keyed_rows(select, key) -> dict:
    """scope.keyed's rows, not folded (the first unkept day is a minimum, not a sum)."""
    if key is None:
        return {None: keeping.read(select)[0]}
    return {row[-1]: row[:-1] for row in keeping.read(select.add_columns(key).group_by(key))}


def needs_published(scope: Scope, period: Period, now: datetime, *, by_area: bool, fold: dict | None) -> dict:
    """For a period of whole months: {key: (needs published with lots, lots of those closed
    by `now`, bids counted on those closed)} by the need's area (folded, see scope.keyed) or
    under None, as competition.activity counts them. Four short queries."""
    from .competition import _bids_counted
    from .scope import folded, keyed

    first, last = months(period) or (0, 0)
    today = now.astimezone(UTC).date()
    rows: list[sa.ColumnElement[bool]] = [NeedFigure.area_id.in_(scope.area_ids), NeedFigure.month.between(first, last)]
    if scope.category_id is not None:
        rows.append(NeedFigure.category_id == scope.category_id)
    before = NeedFigure.closes_on < today
    # The first day before today with a need whose bids are not kept yet, as a number.
    unkept_day = sa.func.min(
        sa.case(
            (
                sa.and_(before, NeedFigure.unkept > 0),
                month_of(NeedFigure.closes_on) * 100 + day_of(NeedFigure.closes_on),
            )
        )
    )
    rows_kept = keyed_rows(
        sa.select(
            sa.func.coalesce(sa.func.sum(NeedFigure.needs), 0),
            sa.func.coalesce(sa.func.sum(sa.case((before, NeedFigure.lots), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((before, NeedFigure.bids), else_=0)), 0),
            unkept_day,
        ).where(*rows),
        NeedFigure.area_id if by_area else None,
    )
    days = [row[3] for row in rows_kept.values() if row[3] is not None]
    unkept = date(min(days) // 10000, min(days) // 100 % 100, min(days) % 100) if days else None
    kept = folded({k: row[:3] for k, row in rows_kept.items()}, fold or {})
    # Needs closed today (by now), and needs closed before today whose bids are not kept yet.
    key = Need.area_id if by_area else None
    published = sa.and_(scope.needs(), Need.published_at >= period.starts_at, Need.published_at < period.ends_before)
    today_closed = sa.and_(published, Need.closes_at >= _day_start(today), Need.closes_at <= now)
    lots = keyed(
        sa.select(sa.func.count(Lot.id)).select_from(Need).join(Lot, Lot.need_id == Need.id).where(today_closed),
        key,
        fold,
    )
    bids = _bids_counted(today_closed, key, fold)
    if unkept is not None:
        earlier = sa.and_(published, Need.closes_at >= _day_start(unkept), Need.closes_at < _day_start(today))
        for k, (n,) in _bids_counted(earlier, key, fold, kept=False).items():
            bids[k] = (int(bids.get(k, (0,))[0]) + int(n),)
    return {
        k: (
            int(kept.get(k, (0, 0, 0))[0]),
            int(kept.get(k, (0, 0, 0))[1]) + int(lots.get(k, (0,))[0]),
            int(kept.get(k, (0, 0, 0))[2]) + int(bids.get(k, (0,))[0]),
        )
        for k in set(kept) | set(lots) | set(bids)
    }
