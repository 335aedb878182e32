"""Partnerships and competition: contracts running, needs published, bids per lot, and
how often bidders of each size and type won.
"""

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa

from ...contracts.models import Contract
from ...needs.models import Need
from ...organisations.models import IncomeBand, Organisation
from ...timeutil import utcnow
from ..models import ContractFigure
from .scope import Period, Scope, keyed, organisation_type, rows_of


def counted():
    """SQL for "this bid counts", as bids.services.counting_revision decides it: it has a
    revision (revisions are only submitted before closing) made after any withdrawal (a
    withdrawn bid counts again once resubmitted). One EXISTS on the index of revisions by
    bid and time. (A bid awaiting reconfirmation after a material amendment is counted.)"""
    from ...bids.models import Bid, BidRevision

    return sa.exists().where(
        BidRevision.bid_id == Bid.id, sa.or_(Bid.withdrawn_at.is_(None), BidRevision.submitted_at > Bid.withdrawn_at)
    )


@dataclass(frozen=True)
class Activity:
    active_contracts: int
    active_value_pence: int
    needs_published: int
    lots: int
    bids: int

    @property
    def bids_per_lot(self) -> Fraction | None:
        return Fraction(self.bids, self.lots) if self.lots else None


def activity(scope: Scope, period: Period, now: datetime | None = None, *, by=None, fold: dict | None = None):
    """Contracts running at some time in the period, and their value; needs published in
    the period; and, of those, the lots of the needs that have closed by `now` and the
    bids that counted on them (submitted before closing and not withdrawn since). Bids on
    a need still open are not counted at all: nothing here tells of a bid before closing.
    Four aggregate queries (the bids: those kept for needs closed a while, see kept.py,
    and the others). With `by` (an SQL expression on Need), a dict of Activity by
    its value instead, `fold` adding some values into others (see comparison)."""
    from ...needs.models import Lot
    from . import kept_contracts, kept_needs

    now = now or utcnow()
    kept = kept_needs.months(period) and (by is None or by is Need.area_id)
    if kept:
        running = keyed(
            kept_contracts.running(scope, period), ContractFigure.area_id if by is not None else None, fold, kept=True
        )
        needs = kept_needs.needs_published(scope, period, now, by_area=by is not None, fold=fold)
        bids = {k: (row[2],) for k, row in needs.items()}
        return _found(running, {k: row[:2] for k, row in needs.items()}, bids, by)
    running = keyed(
        sa.select(sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.value_pence), 0))
        .join(Need, Need.id == Contract.need_id)
        .where(scope.needs(), Contract.starts_on <= period.end, Contract.ends_on >= period.start),
        by,
        fold,
    )
    published = sa.and_(scope.needs(), Need.published_at >= period.starts_at, Need.published_at < period.ends_before)
    closed = sa.and_(Need.closes_at.is_not(None), Need.closes_at <= now)
    # Each published need in scope with its number of lots, and of closed lots (needs without
    # lots are not counted), read from the needs picked with their lots, then added up: no
    # count(DISTINCT ...), which sorts every row, and no count of every lot in the country.
    key = [by.label("key")] if by is not None else []
    per_need = (
        sa.select(*key, sa.func.count().label("lots"), sa.func.sum(sa.case((closed, 1), else_=0)).label("closed_lots"))
        .select_from(Need)
        .join(Lot, Lot.need_id == Need.id)
        .where(published)
        .group_by(Need.id, *([by] if by is not None else []))
        .subquery()
    )
    needs = keyed(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(per_need.c.closed_lots), 0)).select_from(per_need),
        per_need.c.key if by is not None else None,
        fold,
    )
    return _found(running, needs, _bids_counted(sa.and_(published, closed), by, fold), by)


def _found(running: dict, needs: dict, bids: dict, by):
    found = {
        k: Activity(*(int(v or 0) for v in (*running.get(k, (0, 0)), *needs.get(k, (0, 0)), *bids.get(k, (0,)))))
        for k in set(running) | set(needs) | set(bids)
    }
    return found if by is not None else found.get(None, Activity(0, 0, 0, 0, 0))


def _bids_counted(needs, by, fold, kept: bool = True) -> dict:
    """The bids that counted on the closed needs `needs` picks, keyed as keyed() keys: the
    counts kept for needs closed a while (kept.py), plus the bids of the others, counted
    (only those with kept=False)."""
    from ...bids.models import Bid
    from ..models import ClosedNeedBids

    kept_counts = (
        keyed(
            sa.select(sa.func.coalesce(sa.func.sum(ClosedNeedBids.bids), 0))
            .select_from(Need)
            .join(ClosedNeedBids, ClosedNeedBids.need_id == Need.id)
            .where(needs),
            by,
            fold,
        )
        if kept
        else {}
    )
    counting = keyed(
        sa.select(sa.func.count(Bid.id))
        .join(Need, Need.id == Bid.need_id)
        .where(needs, counted(), ~sa.exists().where(ClosedNeedBids.need_id == Need.id)),
        by,
        fold,
    )
    return {
        k: (int(kept_counts.get(k, (0,))[0] or 0) + int(counting.get(k, (0,))[0] or 0),)
        for k in set(kept_counts) | set(counting)
    }


@dataclass(frozen=True)
class Success:
    key: str
    bids: int
    won: int

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.won, self.bids) if self.bids else None


def decided_in(period: Period):
    """SQL for "the lot's effective decision took effect in the period": not refused, and
    its summaries sent within the period."""
    from ...evaluation.models import AwardDecision

    return sa.and_(
        AwardDecision.refused_at.is_(None),
        AwardDecision.summaries_sent_at >= period.starts_at,
        AwardDecision.summaries_sent_at < period.ends_before,
    )


def success_rates(scope: Scope, period: Period) -> list[Success]:
    """How often bidders of each kind won, on lots decided in the period: small (micro and
    small income), medium and large, and VCSE against the rest. A bid is a lead's bid that
    counted at closing; it won when the lot's effective decision awarded it."""
    from ...bids.models import Bid
    from ...evaluation.models import AwardDecision, AwardOutcome

    won = sa.case(
        (sa.and_(AwardDecision.outcome == AwardOutcome.AWARD.value, AwardDecision.bid_id == Bid.id), 1), else_=0
    )
    from . import kept_success

    kind = organisation_type()
    # One pass, by income band and type; the bids then added up by size and by type here.
    passed = (
        kept_success.success_select(scope, period, Organisation.income_band, kind)
        if kept_success.months(period)
        else sa.select(Organisation.income_band, kind, sa.func.count(Bid.id), sa.func.coalesce(sa.func.sum(won), 0))
        .select_from(Bid)
        .join(Need, Need.id == Bid.need_id)
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .join(AwardDecision, AwardDecision.lot_id == Bid.lot_id)
        .where(scope.needs(), decided_in(period), counted())
        .group_by(Organisation.income_band, kind)
    )
    rows = rows_of(passed, kept=bool(kept_success.months(period)))
    size = {IncomeBand.MICRO.value: "small", IncomeBand.SMALL.value: "small", IncomeBand.MEDIUM.value: "medium"}
    results: dict[str, Success] = {}
    for band, group, bids, wins in rows:
        for key in (size.get(band, "large"), group):
            before = results.get(key, Success(key, 0, 0))
            results[key] = Success(key, before.bids + int(bids), before.won + int(wins or 0))
    order = ("small", "medium", "large", "vcse", "public", "private")
    return [results.get(key, Success(key, 0, 0)) for key in order]
