"""May this user do this to this object? Every view and template asks here, and only here.

Decisions come from the signed-in user's current memberships and the object at hand,
never from a role name checked in a view or template alone.

Role x action (x: allowed; own: only for their own organisation or area; -: refused)

| action                       | anonymous | provider member | provider owner | area staff | admin |
|------------------------------|-----------|-----------------|----------------|------------|-------|
| organisation.view (verified) | x         | x               | x              | x          | x     |
| organisation.view (unverified)| -        | own             | own            | -          | x     |
| organisation.edit            | -         | own             | own            | -          | -     |
| organisation.manage_members  | -         | -               | own            | -          | -     |
| organisation.verify          | -         | -               | -              | -          | x (unverified only) |
| area.view_staff              | -         | -               | -              | own        | x     |
| area.invite_staff            | -         | -               | -              | -          | x     |
| admin.view                   | -         | -               | -              | -          | x     |
| user.deactivate              | -         | -               | -              | -          | x (not themselves) |
| need.create                  | -         | -               | -              | commissioner of the area | - |
| need.view (draft)            | -         | -               | -              | commissioner of the need's area | - |
| need.view (published)        | x         | x               | x              | x          | x     |
| need.edit (draft or open)    | -         | -               | -              | commissioner of the need's area | - |
| need.publish (draft)         | -         | -               | -              | commissioner of the need's area | - |
| need.withdraw (open)         | -         | -               | -              | commissioner of the need's area | - |
| need.cancel (before award)   | -         | -               | -              | commissioner of the need's area | - |
| need.follow (open)           | -         | x               | x              | -          | -     |
| need.ask (open, before the question deadline) | - | x | x              | -          | -     |
| need.answer                  | -         | -               | -              | commissioner of the need's area | - |
| need.save_search (saved searches, digest) | - | x            | x              | -          | -     |
| bid.start (open need)        | -         | x               | x              | -          | -     |
| bid.view                     | -         | own (lead or partner) | own (lead or partner) | after closing, through bids.access only | - |
| bid.edit, bid.submit, bid.withdraw (open need) | - | own (lead) | own (lead)   | -          | -     |
| bid.confirm_share (open need)| -         | own (partner)   | own (partner)  | -          | -     |

Bids are sealed: the commissioning side never reads a bid through `can()`; it reads the
counted revisions after closing through `marketplace.bids.access`, which audits refusals.

"The need's area" is its commissioning area; a commissioner of a region covers the needs
of its delivery units too.

"Area staff" are commissioners, evaluators and board members; a role on a region covers
its delivery units. A user whose email is not yet verified, or who is deactivated, may do
nothing that needs an account.
"""

import enum
from collections.abc import Callable
from typing import Any

from flask import abort


class Action(enum.StrEnum):
    VIEW_ORGANISATION = "organisation.view"
    EDIT_ORGANISATION = "organisation.edit"
    MANAGE_MEMBERS = "organisation.manage_members"
    VERIFY_ORGANISATION = "organisation.verify"
    VIEW_AREA_STAFF = "area.view_staff"
    INVITE_AREA_STAFF = "area.invite_staff"
    VIEW_ADMIN = "admin.view"
    DEACTIVATE_USER = "user.deactivate"
    CREATE_NEED = "need.create"
    VIEW_NEED = "need.view"
    EDIT_NEED = "need.edit"
    PUBLISH_NEED = "need.publish"
    WITHDRAW_NEED = "need.withdraw"
    CANCEL_NEED = "need.cancel"
    FOLLOW_NEED = "need.follow"
    ASK_QUESTION = "need.ask"
    ANSWER_QUESTION = "need.answer"
    SAVE_SEARCH = "need.save_search"
    START_BID = "bid.start"
    VIEW_BID = "bid.view"
    EDIT_BID = "bid.edit"
    SUBMIT_BID = "bid.submit"
    WITHDRAW_BID = "bid.withdraw"
    CONFIRM_SHARE = "bid.confirm_share"


def _account(user) -> bool:
    """A signed-in, active user with a verified email."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.email_verified
    )


def _admin(user) -> bool:
    return _account(user) and user.is_admin


def _view_organisation(user, organisation) -> bool:
    if organisation.is_verified:
        return True
    return _admin(user) or (_account(user) and user.role_in(organisation) is not None)


def _edit_organisation(user, organisation) -> bool:
    return _account(user) and user.role_in(organisation) is not None


def _manage_members(user, organisation) -> bool:
    from .accounts.models import Role

    return _account(user) and user.role_in(organisation) == Role.OWNER


def _verify_organisation(user, organisation) -> bool:
    return _admin(user) and not organisation.is_verified


def _view_area_staff(user, area) -> bool:
    if _admin(user):
        return True
    return _account(user) and any(m.area.covers(area) for m in user.area_memberships())


def _invite_area_staff(user, area) -> bool:
    return _admin(user)


def _view_admin(user, _obj) -> bool:
    return _admin(user)


def _deactivate_user(user, target) -> bool:
    return _admin(user) and target is not None and target.id != user.id


def _commissions(user, area) -> bool:
    from .accounts.models import Role

    return _account(user) and area is not None and user.has_area_role(Role.COMMISSIONER, area)


def _create_need(user, area) -> bool:
    return _commissions(user, area)


def _need_status(need):
    from .needs.models import NeedStatus

    return need.status, NeedStatus


def _view_need(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    if status != NeedStatus.DRAFT:
        return True
    return _commissions(user, need.area)


def _edit_need(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status in (NeedStatus.DRAFT, NeedStatus.OPEN) and _commissions(user, need.area)


def _publish_need(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status == NeedStatus.DRAFT and _commissions(user, need.area)


def _withdraw_need(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status == NeedStatus.OPEN and _commissions(user, need.area)


def _cancel_need(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status in (NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.CLOSED) and _commissions(user, need.area)


def _provider(user) -> bool:
    return _account(user) and bool(user.organisation_memberships())


def _follow_need(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status == NeedStatus.OPEN and _provider(user)


def _ask_question(user, need) -> bool:
    from .timeutil import utcnow

    status, NeedStatus = _need_status(need)
    return status == NeedStatus.OPEN and _provider(user) and utcnow() < need.question_deadline


def _answer_question(user, need) -> bool:
    return _commissions(user, need.area)


def _save_search(user, _obj) -> bool:
    return _provider(user)


def _start_bid(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status == NeedStatus.OPEN and _provider(user)


def _view_bid(user, bid) -> bool:
    from .bids.services import is_party

    return _account(user) and is_party(user, bid)


def _lead_open_bid(user, bid) -> bool:
    from .bids.services import leads

    status, NeedStatus = _need_status(bid.need)
    return status == NeedStatus.OPEN and _account(user) and leads(user, bid)


def _confirm_share(user, bid) -> bool:
    from .bids.services import partner_of

    status, NeedStatus = _need_status(bid.need)
    return status == NeedStatus.OPEN and _account(user) and partner_of(user, bid) is not None


RULES: dict[Action, Callable[[Any, Any], bool]] = {
    Action.VIEW_ORGANISATION: _view_organisation,
    Action.EDIT_ORGANISATION: _edit_organisation,
    Action.MANAGE_MEMBERS: _manage_members,
    Action.VERIFY_ORGANISATION: _verify_organisation,
    Action.VIEW_AREA_STAFF: _view_area_staff,
    Action.INVITE_AREA_STAFF: _invite_area_staff,
    Action.VIEW_ADMIN: _view_admin,
    Action.DEACTIVATE_USER: _deactivate_user,
    Action.CREATE_NEED: _create_need,
    Action.VIEW_NEED: _view_need,
    Action.EDIT_NEED: _edit_need,
    Action.PUBLISH_NEED: _publish_need,
    Action.WITHDRAW_NEED: _withdraw_need,
    Action.CANCEL_NEED: _cancel_need,
    Action.FOLLOW_NEED: _follow_need,
    Action.ASK_QUESTION: _ask_question,
    Action.ANSWER_QUESTION: _answer_question,
    Action.SAVE_SEARCH: _save_search,
    Action.START_BID: _start_bid,
    Action.VIEW_BID: _view_bid,
    Action.EDIT_BID: _lead_open_bid,
    Action.SUBMIT_BID: _lead_open_bid,
    Action.WITHDRAW_BID: _lead_open_bid,
    Action.CONFIRM_SHARE: _confirm_share,
}


def can(user, action: Action | str, obj: Any = None) -> bool:
    """True when `user` may do `action` to `obj`. Unknown actions are refused."""
    try:
        rule = RULES[Action(action)]
    except ValueError:
        return False
    return bool(rule(user, obj))


def require(user, action: Action | str, obj: Any = None) -> None:
    """Stop the request with 403 Forbidden unless `can(user, action, obj)`."""
    if not can(user, action, obj):
        abort(403)
