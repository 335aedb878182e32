"""At closing: once a need has closed (and what was in flight has landed), the bids that
count are checked once for abnormally low prices, by lot; `flask close-needs` and the
first reader after closing run it."""

import statistics
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import audit
from ..arrival import IN_FLIGHT_LIMIT
from ..extensions import db
from ..i18n import DEFAULT, in_language
from ..money import format_pounds
from ..needs.models import Need, lock_need
from ..timeutil import utcnow
from .lifecycle import counting_revision
from .models import Bid, BidRevision
from .outcomes import material_change_counts

# A bid this far below the median of the other bids on its lot is abnormally low.
LOW_SHARE_OF_MEDIAN = 0.70


def counting_bids(need: Need) -> list[tuple[Bid, BidRevision]]:
    """The bids that count at closing, with the revision that counts, by lot then id: three
    statements however many bids (the bids, their revisions, each lot's material changes)."""
    bids = db.session.scalars(
        sa.select(Bid).where(Bid.need_id == need.id).options(selectinload(Bid.revisions)).order_by(Bid.lot_id, Bid.id)
    ).all()
    changes = material_change_counts(sorted({bid.lot_id for bid in bids}))
    result = []
    for bid in bids:
        revision = counting_revision(bid, changes.get(bid.lot_id, 0))
        if revision is not None:
            result.append((bid, revision))
    return result


def low_bid_reason(price: int, people: int, others: list[int], floor_per_person: int | None) -> str | None:
    """Why a price is abnormally low, or None. At least 30% below the median of the other
    bids on the lot, or a cost per person below the floor the commissioner set. Kept with
    the bid and in its audit record, so written in English whoever's request closed it."""
    with in_language(DEFAULT):
        return _reason(price, people, others, floor_per_person)


def _reason(price: int, people: int, others: list[int], floor_per_person: int | None) -> str | None:
    reasons = []
    if others:
        # Exact arithmetic: 0.7 x £29,000 in floating point is a hair under £20,300,
        # which would let a bid exactly 30% below the median through.
        median = statistics.median(Fraction(p) for p in others)
        if price <= Fraction(str(LOW_SHARE_OF_MEDIAN)) * median:
            below = round(100 * (1 - price / median))
            reasons.append(
                _(
                    "%(price)s is %(below)s%% below the median of the other bids on this lot (%(median)s)",
                    price=format_pounds(price),
                    below=below,
                    median=format_pounds(round(median)),
                )
            )
    if floor_per_person and price < floor_per_person * people:
        reasons.append(
            _(
                "the cost per person (%(cost)s) is below the floor of %(floor)s",
                cost=format_pounds(price // people),
                floor=format_pounds(floor_per_person),
            )
        )
    if not reasons:
        return None
    text = "; ".join(reasons)
    return text[0].upper() + text[1:]


def check_at_closing(need: Need, now: datetime | None = None) -> bool:
    """Once a need has closed, flag abnormally low bids on each lot. Runs once per need
    (idempotent: the first caller after closing does it, under the need's lock); called
    when anyone opens the bids after closing and by `flask close-needs`. Returns whether
    it ran now.

    It runs only IN_FLIGHT_LIMIT after the closing time: a submission that reached us
    before the closing time may still be waiting for a thread or the need's lock until
    then, and it counts. Once the bids are checked nothing more is written to them."""
    now = now or utcnow()
    if (
        need.published_at is None
        or need.closes_at is None
        or now < need.closes_at + IN_FLIGHT_LIMIT
        or need.bids_checked_at is not None
    ):
        return False
    need = lock_need(need.id)
    if need.bids_checked_at is not None:
        return False
    by_lot: dict[int, list[tuple[Bid, BidRevision]]] = {}
    for bid, revision in counting_bids(need):
        by_lot.setdefault(bid.lot_id, []).append((bid, revision))
    for entries in by_lot.values():
        for bid, revision in entries:
            others = [r.price_pence for b, r in entries if b.id != bid.id]
            reason = low_bid_reason(revision.price_pence, revision.people, others, need.cost_floor_per_person_pence)
            if reason:
                bid.low_flag_reason = reason
                bid.low_flagged_at = now
                # The reason quotes prices: it stays on the bid, out of the audit trail.
                rules = {
                    "median": low_bid_reason(revision.price_pence, revision.people, others, None) is not None,
                    "cost_floor": low_bid_reason(
                        revision.price_pence, revision.people, [], need.cost_floor_per_person_pence
                    )
                    is not None,
                }
                audit.record(
                    "bid.flagged_abnormally_low", bid, actor=None, after={"revision": revision.number, "rules": rules}
                )
    need.bids_checked_at = now
    audit.record("need.bids_checked", need, actor=None, after={"bids": sum(len(e) for e in by_lot.values())})
    return True


def needs_to_check(now: datetime | None = None) -> Sequence[Need]:
    now = now or utcnow()
    return db.session.scalars(
        sa.select(Need).where(
            Need.published_at.is_not(None), Need.closes_at <= now - IN_FLIGHT_LIMIT, Need.bids_checked_at.is_(None)
        )
    ).all()
