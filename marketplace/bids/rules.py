"""Who may do what to a bid: the rows `bid.*` and `bids.oversee` of the table in
marketplace/permissions.py, registered there by @rule. The commissioning side never
reads a bid through these: it reads submitted revisions through bids.access."""

from ..needs.models import NeedStatus
from ..permissions import Action, account, oversees, provider, rule
from .parties import is_party, leads, partner_of


@rule(Action.START_BID)
def _start_bid(user, need) -> bool:
    return need.status == NeedStatus.OPEN and provider(user)


@rule(Action.BID_AS_PROVIDER)
def _bid_as_provider(user, _obj) -> bool:
    return provider(user)


@rule(Action.VIEW_BID)
def _view_bid(user, bid) -> bool:
    return account(user) and is_party(user, bid)


@rule(Action.LEAD_BID)
def _lead_bid(user, bid) -> bool:
    """A member of the bid's lead organisation, whether or not the need is still open."""
    return account(user) and leads(user, bid)


@rule(Action.EDIT_BID, Action.SUBMIT_BID, Action.WITHDRAW_BID)
def _lead_open_bid(user, bid) -> bool:
    return bid.need.status == NeedStatus.OPEN and _lead_bid(user, bid)


@rule(Action.VIEW_SHARE)
def _view_share(user, bid) -> bool:
    """A member of one of the bid's current partners, whether or not the need is still open."""
    return account(user) and partner_of(user, bid) is not None


@rule(Action.CONFIRM_SHARE)
def _confirm_share(user, bid) -> bool:
    return bid.need.status == NeedStatus.OPEN and _view_share(user, bid)


@rule(Action.OVERSEE_BIDS)
def _oversee_bids(user, need) -> bool:
    return oversees(user, need.area)
