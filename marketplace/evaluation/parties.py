"""Who a bid belongs to: the organisations in a submitted revision (lead and partners, what
evaluators declare conflicts against), the people told about a bid (members of its lead and
current partners), and the bids a user's organisations are party to (whose summaries it
reads)."""

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.services import members_of
from ..bids.models import Bid, BidPartner, BidRevision
from ..extensions import db


def bid_organisation_ids(revision: BidRevision) -> list[int]:
    """The lead and the partners (registered organisations) of a submitted revision."""
    content = revision.content
    ids = [content["organisation"]["id"]]
    ids += [p["organisation_id"] for p in content.get("partners", []) if p.get("organisation_id")]
    return ids


def party_users(bid: Bid) -> list[User]:
    """Members of the lead and of the current partners: the people told about the bid."""
    return members_of(
        [bid.organisation_id]
        + [
            p.organisation_id
            for p in bid.partners
            if p.organisation_id and p.removed_at is None and p.declined_at is None
        ]
    )


def party_bid_ids(user) -> set[int]:
    """Bids whose parties include one of the user's organisations (for summaries)."""
    organisation_ids = [m.organisation_id for m in user.organisation_memberships()]
    if not organisation_ids:
        return set()
    partner = sa.select(BidPartner.bid_id).where(
        BidPartner.organisation_id.in_(organisation_ids),
        BidPartner.removed_at.is_(None),
        BidPartner.declined_at.is_(None),
    )
    return set(
        db.session.scalars(
            sa.select(Bid.id).where(sa.or_(Bid.organisation_id.in_(organisation_ids), Bid.id.in_(partner)))
        )
    )
