"""Who may do what to a need and its questions: the rows `need.*` and `question.*` of the
table in marketplace/permissions.py, registered there by @rule."""

from ..arrival import request_received_at
from ..permissions import Action, account, commissions, is_member_of, provider, rule
from .models import NeedStatus


@rule(Action.CREATE_NEED)
def _create_need(user, area) -> bool:
    return commissions(user, area)


@rule(Action.VIEW_NEED)
def _view_need(user, need) -> bool:
    return need.status != NeedStatus.DRAFT or commissions(user, need.area)


@rule(Action.EDIT_NEED)
def _edit_need(user, need) -> bool:
    return need.status in (NeedStatus.DRAFT, NeedStatus.OPEN) and commissions(user, need.area)


@rule(Action.PUBLISH_NEED)
def _publish_need(user, need) -> bool:
    return need.status == NeedStatus.DRAFT and commissions(user, need.area)


@rule(Action.WITHDRAW_NEED)
def _withdraw_need(user, need) -> bool:
    return need.status == NeedStatus.OPEN and commissions(user, need.area)


@rule(Action.CANCEL_NEED)
def _cancel_need(user, need) -> bool:
    return need.status in (NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.CLOSED) and commissions(user, need.area)


@rule(Action.FOLLOW_NEED)
def _follow_need(user, need) -> bool:
    return need.status == NeedStatus.OPEN and provider(user)


@rule(Action.ASK_QUESTION)
def _ask_question(user, need) -> bool:
    # By the time the request reached us: a question sent before the deadline counts.
    return need.status == NeedStatus.OPEN and provider(user) and request_received_at() < need.question_deadline


@rule(Action.ANSWER_QUESTION)
def _answer_question(user, need) -> bool:
    return commissions(user, need.area)


@rule(Action.LIST_OWN_QUESTIONS, Action.SAVE_SEARCH)
def _provider_only(user, _obj) -> bool:
    return provider(user)


@rule(Action.VIEW_SENT_QUESTION)
def _view_sent_question(user, question) -> bool:
    """Members of the organisation that asked it."""
    return account(user) and is_member_of(user, question.organisation_id)
