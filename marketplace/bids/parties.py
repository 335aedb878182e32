"""Who is who in a bid: the lead organisation's members, its current partners' members,
and every party; the bid an organisation leads or is a partner in on a lot; every bid a
user's organisations hold, and every user with a bid on a need."""

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import signals
from ..extensions import db
from ..needs.models import Lot, Need
from .models import Bid, BidPartner


def is_member(user, organisation_id: int | None) -> bool:
    return bool(
        organisation_id is not None
        and user is not None
        and getattr(user, "is_authenticated", False)
        and any(m.organisation_id == organisation_id for m in user.organisation_memberships())
    )


def leads(user, bid: Bid) -> bool:
    """A member of the lead organisation: may change, submit and withdraw the bid."""
    return is_member(user, bid.organisation_id)


def partner_of(user, bid: Bid) -> BidPartner | None:
    """The current partner place this user's organisation holds in the bid, if any."""
    for partner in bid.current_partners:
        if partner.declined_at is None and is_member(user, partner.organisation_id):
            return partner
    return None


def is_party(user, bid: Bid) -> bool:
    """Lead or a current (not declined, not removed) partner: may read the bid."""
    return leads(user, bid) or partner_of(user, bid) is not None


def bid_for(organisation_id: int, lot: Lot) -> Bid | None:
    """The bid this organisation leads on this lot, if any."""
    return db.session.scalar(sa.select(Bid).where(Bid.organisation_id == organisation_id, Bid.lot_id == lot.id))


def partner_bid_for(organisation_id: int, lot: Lot) -> Bid | None:
    """The bid on this lot in which this organisation is a current partner, if any."""
    return db.session.scalar(
        sa.select(Bid)
        .join(BidPartner, BidPartner.bid_id == Bid.id)
        .where(
            BidPartner.lot_id == lot.id,
            BidPartner.organisation_id == organisation_id,
            BidPartner.removed_at.is_(None),
            BidPartner.declined_at.is_(None),
        )
    )


def bids_of(user, *options) -> Sequence[Bid]:
    """Every bid the user's organisations lead or are current partners in (loaded with
    the query `options` given, e.g. joinedload)."""
    organisation_ids = [m.organisation_id for m in user.organisation_memberships()]
    if not organisation_ids:
        return []
    partner_bid_ids = sa.select(BidPartner.bid_id).where(
        BidPartner.organisation_id.in_(organisation_ids),
        BidPartner.removed_at.is_(None),
        BidPartner.declined_at.is_(None),
    )
    return db.session.scalars(
        sa.select(Bid)
        .where(sa.or_(Bid.organisation_id.in_(organisation_ids), Bid.id.in_(partner_bid_ids)))
        .options(*options)
        .order_by(Bid.id)
    ).all()


@signals.who_to_tell.connect
def bidder_users(need: Need) -> Sequence:
    """Members of every organisation with a bid (draft or submitted) on the need, lead or
    partner: told about amendments and withdrawal."""
    from ..accounts.models import Membership, User

    lead_ids = sa.select(Bid.organisation_id).where(Bid.need_id == need.id)
    partner_ids = (
        sa.select(BidPartner.organisation_id)
        .join(Bid, Bid.id == BidPartner.bid_id)
        .where(
            Bid.need_id == need.id,
            BidPartner.removed_at.is_(None),
            BidPartner.declined_at.is_(None),
            BidPartner.organisation_id.is_not(None),
        )
    )
    return db.session.scalars(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.ended_at.is_(None),
            sa.or_(Membership.organisation_id.in_(lead_ids), Membership.organisation_id.in_(partner_ids)),
        )
        .distinct()
    ).all()


@signals.lot_in_use.connect
def _lot_has_bids(lot) -> str | None:
    """A lot on which a bid has been started cannot be removed from its need."""
    if db.session.scalar(sa.select(sa.exists().where(Bid.lot_id == lot.id))):
        return _(
            "Providers have started bids on lot %(number)s, so it cannot be removed. "
            "Change the lot instead, or cancel the need",
            number=lot.number,
        )
    return None
