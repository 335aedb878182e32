"""Where a bid stands: whether its need is open, the material changes to its lot that a
submission must have seen, the revision that counts, and the bid's state (draft, waiting
for partners, submitted, needing reconfirmation, withdrawn, closed)."""

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..needs.models import Amendment, Lot, Need, NeedStatus
from ..timeutil import utcnow
from .models import Bid, BidRevision, BidState


def need_is_open(need: Need, now: datetime) -> bool:
    return need.status_at(now) == NeedStatus.OPEN


def _changes_returning(lot: Lot):
    """The material amendments that returned bids on this lot to reconfirmation: those
    to every lot and those to this one (needs/changes.py says which is which)."""
    return sa.select(Amendment.id).where(
        Amendment.need_id == lot.need_id,
        Amendment.material.is_(True),
        sa.or_(Amendment.affects_all_lots.is_(True), Amendment.lots.any(Lot.id == lot.id)),
    )


def material_change_count(lot: Lot) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(_changes_returning(lot).subquery())).scalar_one()


def answers_current_need(revision: BidRevision, lot: Lot) -> bool:
    """Whether the revision answers the need as it now is: it saw every material change
    to its lot. Compared by the number of such changes the revision's content records,
    not by time: an amendment is stamped when it starts, so a submission running
    alongside it (before it was committed) can be later than its stamp without having
    seen it."""
    return saw_every_change(revision, material_change_count(lot))


def saw_every_change(revision: BidRevision, changes: int) -> bool:
    """answers_current_need, given its lot's material_change_count."""
    return (revision.content or {}).get("need_material_changes") == changes


def changes_since(revision: BidRevision, lot: Lot) -> list[Amendment]:
    """The material changes to the lot that the revision did not see, oldest first: what
    the bidder must check before confirming the bid again."""
    seen = (revision.content or {}).get("need_material_changes") or 0
    returning = db.session.scalars(
        sa.select(Amendment).where(Amendment.id.in_(_changes_returning(lot))).order_by(Amendment.id)
    ).all()
    return list(returning[seen:])


def counting_revision(bid: Bid, changes: int | None = None) -> BidRevision | None:
    """The submission that counts: the latest, unless the bid was withdrawn after it or a
    material change to the need came after it (then it must be reconfirmed). Revisions can
    only be written before closing, so this is also the last one before closing. `changes`
    is the bid's lot's material_change_count when the caller has it (for many bids)."""
    latest = bid.latest_revision
    if latest is None:
        return None
    if bid.withdrawn_at is not None and bid.withdrawn_at >= latest.submitted_at:
        return None
    if not saw_every_change(latest, material_change_count(bid.lot) if changes is None else changes):
        return None
    return latest


def bid_state(bid: Bid, now: datetime | None = None) -> BidState:
    now = now or utcnow()
    latest = bid.latest_revision
    withdrawn = bid.withdrawn_at is not None and (latest is None or bid.withdrawn_at >= latest.submitted_at)
    if withdrawn:
        return BidState.WITHDRAWN
    if not need_is_open(bid.need, now):
        return BidState.CLOSED
    if latest is not None:
        if not answers_current_need(latest, bid.lot):
            return BidState.NEEDS_RECONFIRMATION
        return BidState.SUBMITTED
    if any(p.declined_at is None and p.confirmed_at is None for p in bid.current_partners):
        return BidState.WAITING_FOR_PARTNERS
    return BidState.DRAFT


def submitted_clause():
    """SQL, correlated to Bid: the bid has a submission it did not withdraw afterwards
    (counting_revision's first two checks; whether it saw every material change is in the
    revision's content, which SQL does not read)."""
    return (
        sa.select(BidRevision.id)
        .where(
            BidRevision.bid_id == Bid.id,
            sa.or_(Bid.withdrawn_at.is_(None), BidRevision.submitted_at > Bid.withdrawn_at),
        )
        .exists()
    )
