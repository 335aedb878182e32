"""Success rates, kept per area, category, month decided and bidder (board_success_figures,
kept by board/keeping.py): the bids that counted on each lot decided, and those won, as
competition.success_rates counts them, so that a period of whole months adds up kept rows
instead of joining the bids of every lot decided to their decisions and revisions.
"""

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...needs.models import Need
from .. import keeping
from ..models import SuccessFigure
from .kept_payments import month_of, months
from .scope import Period, Scope
from .timeliness import london_day

_DECISION = ("lot_id", "outcome", "bid_id", "refused_at", "summaries_sent_at")
_NEED = ("area_id", "area", "category_id", "category")


def _rows(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    from ...bids.models import Bid
    from ...evaluation.models import AwardDecision, AwardOutcome
    from .competition import counted

    won = sa.case(
        (sa.and_(AwardDecision.outcome == AwardOutcome.AWARD.value, AwardDecision.bid_id == Bid.id), 1), else_=0
    )
    key = [
        Need.area_id,
        sa.func.coalesce(Need.category_id, 0),
        month_of(london_day(AwardDecision.summaries_sent_at)),
        Bid.organisation_id,
    ]
    rows = (
        sa.select(*key, sa.func.count(Bid.id), sa.func.sum(won))
        .select_from(Bid)
        .join(Need, Need.id == Bid.need_id)
        .join(AwardDecision, AwardDecision.lot_id == Bid.lot_id)
        .where(AwardDecision.refused_at.is_(None), AwardDecision.summaries_sent_at.is_not(None), counted())
        .group_by(*key)
    )
    return rows if ids is None else rows.where(AwardDecision.id.in_(ids))


def _touched(session: Session) -> tuple[set[int], list]:
    from ...bids.models import Bid, BidRevision
    from ...evaluation.models import AwardDecision

    ids: set[int] = set()
    new: list = []
    lots: set = set()
    needs: set[int] = set()
    for obj in list(session.new) + list(session.dirty):
        stored = obj not in session.new
        if isinstance(obj, AwardDecision):
            if not stored:
                new.append(obj)
            elif keeping.changed(obj, _DECISION):
                ids.add(obj.id)
        elif isinstance(obj, Bid) and (not stored or keeping.changed(obj, ("withdrawn_at", "lot_id"))):
            lots.add(obj.lot_id if obj.lot_id is not None else getattr(obj.lot, "id", None))
        elif isinstance(obj, BidRevision) and (not stored or keeping.changed(obj, ("submitted_at",))):
            bid = obj.bid if obj.bid is not None else session.get(Bid, obj.bid_id)
            lots.add(getattr(bid, "lot_id", None))
        elif stored and isinstance(obj, Need) and keeping.changed(obj, _NEED):
            needs.add(obj.id)
    lots.discard(None)
    if lots or needs:
        from ...needs.models import Lot

        ids |= set(
            session.connection().scalars(
                sa.select(AwardDecision.id)
                .join(Lot, Lot.id == AwardDecision.lot_id)
                .where(sa.or_(AwardDecision.lot_id.in_(sorted(lots)), Lot.need_id.in_(sorted(needs))))
            )
        )
    return ids, new


keeping.FIGURES.append(keeping.KeptFigure(SuccessFigure.__table__, _rows, _touched))


def success_select(scope: Scope, period: Period, *columns) -> sa.Select:
    """(*columns, bids, won) of the kept rows of the scope in the period (of whole months),
    grouped by `columns` (of the bidding Organisation)."""
    from ...organisations.models import Organisation

    first, last = months(period) or (0, 0)
    clauses: list[sa.ColumnElement[bool]] = [
        SuccessFigure.area_id.in_(scope.area_ids),
        SuccessFigure.month.between(first, last),
    ]
    if scope.category_id is not None:
        clauses.append(SuccessFigure.category_id == scope.category_id)
    return (
        sa.select(*columns, sa.func.sum(SuccessFigure.bids), sa.func.sum(SuccessFigure.won))
        .select_from(SuccessFigure)
        .join(Organisation, Organisation.id == SuccessFigure.organisation_id)
        .where(*clauses)
        .group_by(*columns)
    )
