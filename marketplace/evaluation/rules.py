"""Who may take part in an evaluation and its award: the rows `evaluation.*`, `award.*`,
`bids.read`, `bid.open`, `bid.explain` and `summary.view` of the table in
marketplace/permissions.py, registered there by @rule."""

from ..accounts.models import Role
from ..bids.parties import is_party, leads
from ..needs.models import NeedStatus
from ..permissions import Action, account, commissions, has_area_role, oversees, rule
from ..timeutil import utcnow
from .panel import may_open, panel_member
from .scoring import may_score


def _on_panel(user, need) -> bool:
    """An evaluator of the area, or a lived-experience adviser, on the need's panel."""
    return (
        has_area_role(user, Role.EVALUATOR, need.area) or has_area_role(user, Role.ADVISER, need.area)
    ) and panel_member(need, user) is not None


def _evaluation_started(need) -> bool:
    return need.status in (NeedStatus.CLOSED, NeedStatus.AWARDED, NeedStatus.NOT_AWARDED)


@rule(Action.READ_BIDS)
def _read_bids(user, need) -> bool:
    return oversees(user, need.area) or _on_panel(user, need)


@rule(Action.READ_WHOLE_BIDS)
def _read_whole_bids(user, need) -> bool:
    """The need's list of bids and each bid whole, with its documents: not for a
    lived-experience adviser, who reads only the parts they score (on the score sheet)."""
    if oversees(user, need.area):
        return True
    member = panel_member(need, user) if has_area_role(user, Role.EVALUATOR, need.area) else None
    return member is not None and not member.is_adviser


@rule(Action.OPEN_BID)
def _open_bid(user, revision) -> bool:
    """Those who oversee the need open every bid; an evaluator only those it may score
    (declared against every bidder, no conflict with this one)."""
    bid = revision.bid
    return oversees(user, bid.need.area) or (_on_panel(user, bid.need) and may_open(user, bid, revision))


@rule(Action.MANAGE_EVALUATION)
def _manage_evaluation(user, need) -> bool:
    return _evaluation_started(need) and commissions(user, need.area)


@rule(Action.VIEW_EVALUATION)
def _view_evaluation(user, need) -> bool:
    return _evaluation_started(need) and oversees(user, need.area)


@rule(Action.TAKE_PART)
def _take_part(user, need) -> bool:
    return _evaluation_started(need) and _on_panel(user, need)


@rule(Action.SCORE_BID)
def _score_bid(user, bid) -> bool:
    return _take_part(user, bid.need) and may_score(user, bid)


@rule(Action.SIGN_OFF_AWARD)
def _sign_off_award(user, decision) -> bool:
    return decision.is_waiting_for_sign_off and has_area_role(user, Role.BOARD_MEMBER, decision.lot.need.area)


@rule(Action.LIST_SIGN_OFFS)
def _list_sign_offs(user, _obj) -> bool:
    return account(user) and bool(user.area_memberships(Role.BOARD_MEMBER))


@rule(Action.EXPLAIN_LOW_BID)
def _explain_low_bid(user, review) -> bool:
    return (
        account(user)
        and leads(user, review.bid)
        and review.responded_at is None
        and review.decided_at is None
        and utcnow() < review.respond_by
    )


@rule(Action.VIEW_SUMMARY)
def _view_summary(user, summary) -> bool:
    return account(user) and (is_party(user, summary.bid) or oversees(user, summary.bid.need.area))
