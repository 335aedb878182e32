"""Where each of a provider's bids stands on its lists (the home page and /bids): draft,
waiting for partners, submitted, needing reconfirmation, then after closing being
evaluated, won or lost, or withdrawn, or closed with no outcome for it (not submitted in
time, or the need withdrawn or cancelled).

Won and lost come from the packages above (signals.bid_outcomes): a bid is won or lost
only once its bidder has been sent its assessment summary, never before; a won bid
carries the contract made from it, if any. Every list is read in a fixed number of
queries whatever the number of bids: the bids with their need, lot and organisation, the
partners, each bid's latest submission, the material changes per lot, and one query per
receiver of the signal.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .. import signals
from ..extensions import db
from ..needs.models import Amendment, Lot, NeedStatus, amendment_lots
from ..timeutil import utcnow
from .models import Bid, BidPartner, BidRevision, BidState
from .parties import bids_of


@dataclass(frozen=True)
class Latest:
    """The facts of a bid's latest submission that its state rests on."""

    submitted_at: datetime
    changes_seen: int | None  # the material changes to its lot it had seen


@dataclass(frozen=True)
class ListedBid:
    bid: Bid
    state: BidState
    led: bool  # led by one of the user's organisations (else a partner)
    contract_id: int | None = None
    announced_at: datetime | None = None  # when the outcome was sent to the bidder


def latest_submissions(bid_ids: Sequence[int]) -> dict[int, Latest]:
    """Each bid's latest submission, by bid id (one query)."""
    if not bid_ids:
        return {}
    newest = (
        sa.select(BidRevision.bid_id, sa.func.max(BidRevision.number).label("number"))
        .where(BidRevision.bid_id.in_(bid_ids))
        .group_by(BidRevision.bid_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            BidRevision.bid_id,
            BidRevision.submitted_at,
            BidRevision.content["need_material_changes"].as_integer(),
        ).join(newest, sa.and_(newest.c.bid_id == BidRevision.bid_id, newest.c.number == BidRevision.number))
    )
    return {bid_id: Latest(submitted_at, seen) for bid_id, submitted_at, seen in rows}


def material_change_counts(lot_ids: Sequence[int]) -> dict[int, int]:
    """How many material amendments returned bids on each lot to reconfirmation, by lot id
    (one query; lifecycle.material_change_count for many lots)."""
    if not lot_ids:
        return {}
    touches = sa.exists().where(amendment_lots.c.amendment_id == Amendment.id, amendment_lots.c.lot_id == Lot.id)
    rows = db.session.execute(
        sa.select(Lot.id, sa.func.count(Amendment.id))
        .join(
            Amendment,
            sa.and_(
                Amendment.need_id == Lot.need_id,
                Amendment.material.is_(True),
                sa.or_(Amendment.affects_all_lots.is_(True), touches),
            ),
        )
        .where(Lot.id.in_(lot_ids))
        .group_by(Lot.id)
    )
    return {row[0]: row[1] for row in rows}


def counts(bid: Bid, latest: Latest | None, changes: int) -> bool:
    """Whether the latest submission is the one that counts (lifecycle.counting_revision
    from the facts read in bulk): not withdrawn after it, and it saw every material change."""
    if latest is None:
        return False
    if bid.withdrawn_at is not None and bid.withdrawn_at >= latest.submitted_at:
        return False
    return latest.changes_seen == changes


def _state(bid: Bid, latest: Latest | None, changes: int, outcome: dict, now: datetime) -> BidState:
    """lifecycle.bid_state, and after closing the outcome."""
    if bid.withdrawn_at is not None and (latest is None or bid.withdrawn_at >= latest.submitted_at):
        return BidState.WITHDRAWN
    status = bid.need.status_at(now)
    if status == NeedStatus.OPEN:
        if latest is not None:
            return BidState.SUBMITTED if latest.changes_seen == changes else BidState.NEEDS_RECONFIRMATION
        waiting = any(p.declined_at is None and p.confirmed_at is None for p in bid.current_partners)
        return BidState.WAITING_FOR_PARTNERS if waiting else BidState.DRAFT
    if "won" in outcome:
        return BidState.WON if outcome["won"] else BidState.LOST
    if status in (NeedStatus.CLOSED, NeedStatus.AWARDED, NeedStatus.NOT_AWARDED) and counts(bid, latest, changes):
        return BidState.EVALUATING
    return BidState.CLOSED


def _bids(user) -> Sequence[Bid]:
    """bids_of(user), with what the lists show of each loaded alongside."""
    return bids_of(
        user,
        joinedload(Bid.need),
        joinedload(Bid.lot),
        joinedload(Bid.organisation),
        selectinload(Bid.partners).joinedload(BidPartner.organisation),
    )


def listed_bids(user, now: datetime | None = None) -> list[ListedBid]:
    """Every bid of the user's organisations (lead or partner), with its state."""
    bids = _bids(user)
    if not bids:
        return []
    return _listed(bids, {m.organisation_id for m in user.organisation_memberships()}, now or utcnow())


def listed_bid(bid: Bid, user, now: datetime | None = None) -> ListedBid:
    """One bid with its state as the lists show it (its page): after closing, being
    evaluated, won (with its contract, once made) or lost, rather than just closed."""
    return _listed([bid], {m.organisation_id for m in user.organisation_memberships()}, now or utcnow())[0]


def _listed(bids: Sequence[Bid], mine: set[int], now: datetime) -> list[ListedBid]:
    latest = latest_submissions([b.id for b in bids])
    changes = material_change_counts(sorted({b.lot_id for b in bids}))
    outcomes = signals.merged_by_key(signals.bid_outcomes, tuple(b.id for b in bids))
    listed = []
    for bid in bids:
        outcome = outcomes.get(bid.id, {})
        state = _state(bid, latest.get(bid.id), changes.get(bid.lot_id, 0), outcome, now)
        listed.append(
            ListedBid(
                bid,
                state,
                bid.organisation_id in mine,
                outcome.get("contract_id") if state == BidState.WON else None,
                outcome.get("announced_at") if state in (BidState.WON, BidState.LOST) else None,
            )
        )
    return listed


def by_state(listed: list[ListedBid]) -> list[tuple[BidState, list[ListedBid]]]:
    """The bids grouped by state, in the order of BidState, soonest closing first."""
    groups: dict[BidState, list[ListedBid]] = {state: [] for state in BidState}
    for entry in listed:
        groups[entry.state].append(entry)
    for entries in groups.values():
        entries.sort(key=lambda e: (e.bid.need.closes_at is None, e.bid.need.closes_at, e.bid.id))
    return [(state, entries) for state, entries in groups.items() if entries]


def bids_by_state(user, now: datetime | None = None) -> list[tuple[BidState, list[ListedBid]]]:
    return by_state(listed_bids(user, now))
