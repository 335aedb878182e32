"""The bids counted on closed needs, kept for the dashboard (board/reporting/kept.py): the
kept figure always equals the one counted from the bids themselves."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.bids import submission
from marketplace.bids.errors import BidClosed
from marketplace.board.models import ClosedNeedBids
from marketplace.board.reporting.competition import activity
from marketplace.board.reporting.kept import keep_closed_need_bids
from marketplace.board.reporting.scope import Period, Scope
from marketplace.extensions import db
from marketplace.timeutil import london_date, utcnow

from .. import factories

pytestmark = pytest.mark.clock


def _counted_from_the_bids(scope, period) -> int:
    """activity()'s bids with nothing kept: every bid's revisions checked."""
    db.session.execute(sa.delete(ClosedNeedBids))
    return activity(scope, period).bids


@pytest.fixture
def need(db_session):
    """A need with three bids, one of them withdrawn before closing, closed two days ago."""
    need = factories.make_need()
    bids = [factories.make_bid(need) for _ in range(3)]
    submission.withdraw_bid(bids[0], actor=bids[0].created_by, reason="Our key worker left.")
    factories.close_need(need)
    need.closes_at = utcnow() - timedelta(days=2)
    db.session.flush()
    return need


def _scope(need):
    return Scope(area_ids=(need.area_id,)), Period.financial_year(london_date(utcnow()))


def test_the_bids_kept_for_a_closed_need_equal_the_bids_counted_from_the_bids(need):
    scope, period = _scope(need)
    assert keep_closed_need_bids() >= 1
    assert db.session.get(ClosedNeedBids, need.id).bids == 2
    assert activity(scope, period).bids == 2 == _counted_from_the_bids(scope, period)


def test_keeping_again_keeps_nothing_twice(need):
    keep_closed_need_bids()
    assert keep_closed_need_bids() == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(ClosedNeedBids.need_id == need.id)) == 1


def test_a_need_closed_under_a_day_ago_is_counted_from_its_bids_not_kept(need):
    need.closes_at = utcnow() - timedelta(hours=1)
    db.session.flush()
    keep_closed_need_bids()
    assert db.session.get(ClosedNeedBids, need.id) is None
    scope, period = _scope(need)
    assert activity(scope, period).bids == 2


def test_kept_and_unkept_needs_add_up_to_the_bids_counted_from_the_bids(need):
    """A region's figure mixes needs kept and needs closed since (counted)."""
    keep_closed_need_bids()
    other = factories.make_need()
    factories.make_bid(other)
    factories.close_need(other)
    scope, period = _scope(need)
    assert db.session.get(ClosedNeedBids, other.id) is None
    assert activity(scope, period).bids == 3 == _counted_from_the_bids(scope, period)


def test_a_kept_count_stays_final_as_no_bid_is_withdrawn_or_submitted_after_closing(need):
    keep_closed_need_bids()
    bids = sorted(need_bids(need), key=lambda b: b.withdrawn_at is None)
    withdrawn, live = bids[0], bids[-1]
    with pytest.raises(BidClosed):
        submission.withdraw_bid(live, actor=live.created_by, reason="Too late.")
    with pytest.raises(BidClosed):
        submission.submit_bid(withdrawn, actor=withdrawn.created_by)
    scope, period = _scope(need)
    assert activity(scope, period).bids == 2 == _counted_from_the_bids(scope, period)


def need_bids(need):
    from marketplace.bids.models import Bid

    return db.session.scalars(sa.select(Bid).where(Bid.need_id == need.id)).all()
