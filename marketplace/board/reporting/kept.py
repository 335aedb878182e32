"""Figures kept so that the dashboard need not count them from a million bids.

The bids that counted on a need (competition.counted) are final once it has closed: a bid
is submitted or withdrawn only while its need is open (bids.submission refuses both after
closing). So the count of a need closed at least FINAL_AFTER ago (a margin for a request
that reached the service just before closing and is recorded just after) is kept in
closed_need_bids, once, by keep_closed_need_bids: run by `flask close-needs` (every few
minutes), `flask keep-board-figures`, the demo and the data generators. The dashboard adds
up the kept counts and counts the bids of any closed need not kept yet, so a figure is
exact however long ago they were last kept; keeping only makes it faster.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db, upsert
from ...needs.models import Need
from ...timeutil import utcnow
from ..models import ClosedNeedBids
from .competition import counted

FINAL_AFTER = timedelta(days=1)


def keep_closed_need_bids(now: datetime | None = None) -> int:
    """Keep the number of bids that counted on every need that closed FINAL_AFTER or more
    before `now` and is not kept yet (0 for a need without bids): one INSERT ... SELECT.
    Safe to repeat and to run twice at once. Returns how many needs were kept."""
    from ...bids.models import Bid

    now = now or utcnow()
    bids = sa.select(sa.func.count(Bid.id)).where(Bid.need_id == Need.id, counted()).scalar_subquery()
    needs = sa.select(Need.id, bids, sa.literal(now, ClosedNeedBids.kept_at.type)).where(
        Need.closes_at.is_not(None),
        Need.closes_at <= now - FINAL_AFTER,
        ~sa.exists().where(ClosedNeedBids.need_id == Need.id),
    )
    kept = db.session.scalars(
        upsert(ClosedNeedBids.__table__)
        .from_select(["need_id", "bids", "kept_at"], needs)
        .on_conflict_do_nothing(index_elements=["need_id"])
        .returning(ClosedNeedBids.need_id)
    ).all()
    from .kept_needs import kept_bids

    kept_bids(db.session.connection(), kept)
    return len(kept)
