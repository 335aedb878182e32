"""Reading bids. Every view reads bids through these functions, never by querying Bid
itself, so the sealing rule holds in one place:

- the parties to a bid (members of the lead organisation and of its current partners)
  read their own bid, draft and revisions, at any time;
- nobody else on the provider side reads it, ever;
- the commissioning side (commissioners and board members of the need's area, and the
  evaluators the commissioner put on the need's panel) reads only the revision that
  counts, and only once the need has closed. Before closing they may see how many bids
  there are, and only if the commissioner chose to show the count. An evaluator reads
  only the bids it may score: after declaring its interests against every bidder, and
  never a bid of an organisation it declared a conflict with. Every refused attempt is
  written to the audit trail;
- admins are not the commissioning side: they never read bids.

Who is on the commissioning side is decided in permissions.py (Action.OVERSEE_BIDS and
Action.READ_BIDS), with the same account checks as every other rule (signed in, active,
email verified), and so is when a need's bids are sealed (permissions.bids_sealed); this
module applies the sealing and audits refusals.
"""

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..needs.models import Need
from ..permissions import Action, bids_sealed, can
from ..timeutil import utcnow
from .closing import check_at_closing, counting_bids
from .lifecycle import counting_revision
from .models import Bid, BidRevision
from .parties import is_party


class Sealed(Exception):
    """The need has not closed: its bids cannot be read by the commissioning side."""


def oversees(user, need: Need) -> bool:
    """Commissioners and board members of the need's area (or of its region): every bid."""
    return can(user, Action.OVERSEE_BIDS, need)


def commissioning_side(user, need: Need) -> bool:
    """Who may ask for the need's bids at all: those who oversee it and its panel."""
    return can(user, Action.READ_BIDS, need)


def may_open(user, bid: Bid, revision: BidRevision) -> bool:
    """Those who oversee the need open every bid; an evaluator only those it may score
    (permissions: bid.open, decided in evaluation/rules.py)."""
    return can(user, Action.OPEN_BID, revision)


def _refuse(user, obj, need: Need, what: str) -> None:
    """Write the refusal to the audit trail in its own commit (the request then fails, and
    the refusal must outlive it), then raise."""
    audit.record(
        "bid.sealed_access_refused",
        obj,
        actor=user,
        after={"need_id": need.id, "what": what, "closes_at": need.closes_at.isoformat() if need.closes_at else None},
    )
    db.session.commit()
    raise Sealed(_("Bids for this need are sealed until it closes"))


def submitted_bids(need: Need, user, now=None) -> list[tuple[Bid, BidRevision]]:
    """The bids that count, with their counted revisions, for the commissioning side after
    closing. Before closing: refused and audited (Sealed). Not area staff: 403."""
    now = now or utcnow()
    if not commissioning_side(user, need):
        abort(403)
    if bids_sealed(need, now):
        _refuse(user, need, need, "bids")
    if check_at_closing(need, now):
        db.session.commit()
    entries = counting_bids(need)
    if oversees(user, need):
        return entries
    return [(bid, revision) for bid, revision in entries if may_open(user, bid, revision)]


def bid_for_party(bid_id: int, user) -> Bid:
    """A bid for one of its parties; anyone else gets 404 (its existence is not told)."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or not is_party(user, bid):
        abort(404)
    return bid


def revision_for_commissioning(bid_id: int, user, now=None) -> tuple[Bid, BidRevision]:
    """One bid's counted revision for the commissioning side, after closing only."""
    now = now or utcnow()
    bid = db.session.get(Bid, bid_id)
    if bid is None or not commissioning_side(user, bid.need):
        abort(404)
    if bids_sealed(bid.need, now):
        _refuse(user, bid, bid.need, "bid")
    if check_at_closing(bid.need, now):
        db.session.commit()
    revision = counting_revision(bid)
    if revision is None:
        abort(404)
    if not may_open(user, bid, revision):
        audit.record(
            "bid.evaluator_access_refused",
            bid,
            actor=user,
            after={"need_id": bid.need_id, "why": "not declared, or conflicted"},
        )
        db.session.commit()
        abort(403)
    return bid, revision


def bid_count(need: Need, user, now=None) -> int | None:
    """How many bids count so far, for the commissioning side: before closing only when the
    commissioner chose to show it; None when it may not be shown."""
    now = now or utcnow()
    if not commissioning_side(user, need):
        return None
    if bids_sealed(need, now) and not need.show_bid_count:
        return None
    return count_submitted(need)


def count_submitted(need: Need) -> int:
    """Bids with a submitted revision that are not withdrawn after it (one query; a bid
    needing reconfirmation still counts here, as it may be reconfirmed before closing)."""
    latest = (
        sa.select(BidRevision.bid_id, sa.func.max(BidRevision.submitted_at).label("at"))
        .group_by(BidRevision.bid_id)
        .subquery()
    )
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Bid)
        .join(latest, latest.c.bid_id == Bid.id)
        .where(Bid.need_id == need.id, sa.or_(Bid.withdrawn_at.is_(None), Bid.withdrawn_at < latest.c.at))
    ).scalar_one()
