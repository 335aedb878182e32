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
| user.reset_two_factor        | -         | -               | -              | -          | x (not themselves) |
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
| need.own_questions (the questions one's organisations asked) | - | x | x       | -          | -     |
| question.view_sent (a question's confirmation) | - | own (asked it) | own (asked it) | -    | -     |
| need.save_search (saved searches, digest) | - | x            | x              | -          | -     |
| bid.start (open need)        | -         | x               | x              | -          | -     |
| bid.view                     | -         | own (lead or partner) | own (lead or partner) | after closing, through bids.access only | - |
| bid.edit, bid.submit, bid.withdraw (open need) | - | own (lead) | own (lead)   | -          | -     |
| bid.as_provider (the bid pages of one's organisations: start a bid, accept an invitation) | - | x | x | - | - |
| bid.lead (the lead's pages of a bid: sections, partners, submit, withdraw; read-only once closed) | - | own (lead) | own (lead) | - | - |
| bid.view_share (a partner's page of its share) | - | own (partner) | own (partner) | - | - |
| bids.oversee (every bid of a need, through bids.access after closing) | - | - | - | commissioner or board member of the need's area | - |
| bids.read (ask for a need's bids, through bids.access after closing) | - | - | - | commissioner or board member of the need's area, or evaluator on its panel | - |
| bid.confirm_share (open need)| -         | own (partner)   | own (partner)  | -          | -     |
| evaluation.manage (closed need onwards: panel, moderation, low bids, award, contract) | - | - | - | commissioner of the need's area | - |
| evaluation.view (panel, declarations, scores, ranking, decisions) | - | - | - | commissioner or board member of the need's area | - |
| evaluation.take_part (declare, see own bids to score) | - | - | - | evaluator on the need's panel | - |
| evaluation.score (a bid)     | -         | -               | -              | evaluator on the panel, declared, not conflicted with the bid, moderation open | - |
| award.sign_off (waiting decision) | -    | -               | -              | board member of the need's area | - |
| award.list_sign_offs         | -         | -               | -              | board member of any area | - |
| bid.explain (requested, before its deadline) | - | own (lead) | own (lead)    | -          | -     |
| summary.view                 | -         | own (lead or partner) | own (lead or partner) | commissioner or board member of the need's area | - |
| contract.view                | -         | own (a party)   | own (a party)  | commissioner, board member or finance officer of the need's area | - |
| contract.report (outcome reports) | -    | own (lead)      | own (lead)     | -          | -     |
| report.read_evidence (a file of an outcome report) | - | own (lead): the draft's files; a party: files sent | own (lead): the draft's files; a party: files sent | commissioner, board member or finance officer of the need's area: files a submission sent | - |
| report.review (approve, return) | -      | -               | -              | commissioner of the need's area, not of a party | - |
| payment.record (ledger)      | -         | -               | -              | finance officer of the need's area, not of a party | - |
| payment.release (Stripe)     | -         | -               | -              | commissioner or finance officer of the need's area, not of a party | - |
| organisation.payments (Stripe onboarding) | - | -          | own            | -          | -     |
| contract.vary                | -         | -               | -              | commissioner of the need's area | - |
| variation.answer (waiting)   | -         | own (lead)      | own (lead)     | -          | -     |
| area.payments                | -         | -               | -              | commissioner, board member or finance officer of the area | - |
| area.dashboard               | -         | -               | -              | commissioner or board member of the area | - |
| contract.rate (partnership review) | -   | -               | -              | board member of the need's area, not of a party | - |
| review.respond               | -         | own (lead)      | own (lead)     | commissioner of the need's area, not of a party | - |
| organisation.figures         | -         | own             | own            | -          | -     |

Evaluators read bids only through `bids.access`, and only those they may score; board
members see everything of their area and change nothing but sign-offs.

Bids are sealed: the commissioning side never reads a bid through `can()`; it reads the
counted revisions after closing through `marketplace.bids.access`, which audits refusals.
When a need's bids are sealed is decided here, once: `bids_sealed(need)`.

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
    RESET_TWO_FACTOR = "user.reset_two_factor"
    CREATE_NEED = "need.create"
    VIEW_NEED = "need.view"
    EDIT_NEED = "need.edit"
    PUBLISH_NEED = "need.publish"
    WITHDRAW_NEED = "need.withdraw"
    CANCEL_NEED = "need.cancel"
    FOLLOW_NEED = "need.follow"
    ASK_QUESTION = "need.ask"
    ANSWER_QUESTION = "need.answer"
    LIST_OWN_QUESTIONS = "need.own_questions"
    VIEW_SENT_QUESTION = "question.view_sent"
    SAVE_SEARCH = "need.save_search"
    START_BID = "bid.start"
    VIEW_BID = "bid.view"
    BID_AS_PROVIDER = "bid.as_provider"
    LEAD_BID = "bid.lead"
    VIEW_SHARE = "bid.view_share"
    # The commissioning side's reading of a need's bids (through bids.access, after closing).
    OVERSEE_BIDS = "bids.oversee"
    READ_BIDS = "bids.read"
    EDIT_BID = "bid.edit"
    SUBMIT_BID = "bid.submit"
    WITHDRAW_BID = "bid.withdraw"
    CONFIRM_SHARE = "bid.confirm_share"
    MANAGE_EVALUATION = "evaluation.manage"
    VIEW_EVALUATION = "evaluation.view"
    TAKE_PART = "evaluation.take_part"
    SCORE_BID = "evaluation.score"
    SIGN_OFF_AWARD = "award.sign_off"
    LIST_SIGN_OFFS = "award.list_sign_offs"
    EXPLAIN_LOW_BID = "bid.explain"
    VIEW_SUMMARY = "summary.view"
    VIEW_CONTRACT = "contract.view"
    REPORT_OUTCOMES = "contract.report"
    REVIEW_REPORT = "report.review"
    READ_EVIDENCE = "report.read_evidence"
    RECORD_PAYMENT = "payment.record"
    RELEASE_PAYMENT = "payment.release"
    MANAGE_PAYOUTS = "organisation.payments"
    VARY_CONTRACT = "contract.vary"
    ANSWER_VARIATION = "variation.answer"
    VIEW_AREA_PAYMENTS = "area.payments"
    VIEW_DASHBOARD = "area.dashboard"
    RATE_PARTNERSHIP = "contract.rate"
    RESPOND_TO_REVIEW = "review.respond"
    VIEW_ORGANISATION_FIGURES = "organisation.figures"


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


def _reset_two_factor(user, target) -> bool:
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
    from .arrival import request_received_at

    # By the time the request reached us: a question sent before the deadline counts.
    status, NeedStatus = _need_status(need)
    return status == NeedStatus.OPEN and _provider(user) and request_received_at() < need.question_deadline


def _answer_question(user, need) -> bool:
    return _commissions(user, need.area)


def _list_own_questions(user, _need) -> bool:
    return _provider(user)


def _view_sent_question(user, question) -> bool:
    """Members of the organisation that asked it."""
    return _account(user) and is_member_of(user, question.organisation_id)


def _save_search(user, _obj) -> bool:
    return _provider(user)


def _start_bid(user, need) -> bool:
    status, NeedStatus = _need_status(need)
    return status == NeedStatus.OPEN and _provider(user)


def _view_bid(user, bid) -> bool:
    from .bids.parties import is_party

    return _account(user) and is_party(user, bid)


def _bid_as_provider(user, _obj) -> bool:
    return _provider(user)


def _lead_bid(user, bid) -> bool:
    """A member of the bid's lead organisation, whether or not the need is still open."""
    from .bids.parties import leads

    return _account(user) and leads(user, bid)


def _lead_open_bid(user, bid) -> bool:
    status, NeedStatus = _need_status(bid.need)
    return status == NeedStatus.OPEN and _lead_bid(user, bid)


def _view_share(user, bid) -> bool:
    """A member of one of the bid's current partners, whether or not the need is still open."""
    from .bids.parties import partner_of

    return _account(user) and partner_of(user, bid) is not None


def _confirm_share(user, bid) -> bool:
    status, NeedStatus = _need_status(bid.need)
    return status == NeedStatus.OPEN and _view_share(user, bid)


# Sealing: when a need's bids may be read at all by the commissioning side. Decided here
# once; bids.access reads it (and audits every refused attempt).


def bids_sealed(need, now=None) -> bool:
    """Whether the need's bids are sealed at `now`: until it is published with a closing
    time, and that time has come."""
    from .timeutil import utcnow

    now = now or utcnow()
    return need.published_at is None or need.closes_at is None or now < need.closes_at


def _oversees(user, area) -> bool:
    """Commissioner or board member of the area (or its region): reads its evaluations."""
    from .accounts.models import Role

    return _account(user) and area is not None and (
        user.has_area_role(Role.COMMISSIONER, area) or user.has_area_role(Role.BOARD_MEMBER, area)
    )


def _on_panel(user, need) -> bool:
    from .accounts.models import Role
    from .evaluation.panel import panel_member

    return _account(user) and user.has_area_role(Role.EVALUATOR, need.area) and panel_member(need, user) is not None


def _evaluation_started(need) -> bool:
    status, NeedStatus = _need_status(need)
    return status in (NeedStatus.CLOSED, NeedStatus.AWARDED, NeedStatus.NOT_AWARDED)


def _manage_evaluation(user, need) -> bool:
    return _evaluation_started(need) and _commissions(user, need.area)


def _view_evaluation(user, need) -> bool:
    return _evaluation_started(need) and _oversees(user, need.area)


def _take_part(user, need) -> bool:
    return _evaluation_started(need) and _on_panel(user, need)


def _score_bid(user, bid) -> bool:
    from .evaluation.scoring import may_score

    return _take_part(user, bid.need) and may_score(user, bid)


def _sign_off_award(user, decision) -> bool:
    from .accounts.models import Role

    return _account(user) and decision.is_waiting_for_sign_off and user.has_area_role(Role.BOARD_MEMBER, decision.lot.need.area)


def _list_sign_offs(user, _obj) -> bool:
    from .accounts.models import Role

    return _account(user) and bool(user.area_memberships(Role.BOARD_MEMBER))


def _explain_low_bid(user, review) -> bool:
    from .bids.parties import leads
    from .timeutil import utcnow

    return (
        _account(user)
        and leads(user, review.bid)
        and review.responded_at is None
        and review.decided_at is None
        and utcnow() < review.respond_by
    )


def _view_summary(user, summary) -> bool:
    from .bids.parties import is_party

    return _account(user) and (is_party(user, summary.bid) or _oversees(user, summary.bid.need.area))


def _view_contract(user, contract) -> bool:
    from .accounts.models import Role
    from .contracts.services import is_party

    return _account(user) and (
        is_party(user, contract) or _oversees(user, contract.need.area) or user.has_area_role(Role.FINANCE, contract.need.area)
    )


def _leads_contract(user, contract) -> bool:
    return _account(user) and is_member_of(user, contract.organisation_id)


def is_member_of(user, organisation_id) -> bool:
    return any(m.organisation_id == organisation_id for m in user.organisation_memberships())


def _not_a_party(user, contract) -> bool:
    """Nobody acts for the commissioning side on a contract of their own organisation."""
    from .contracts.services import is_party

    return not is_party(user, contract)


def _report_outcomes(user, contract) -> bool:
    return _leads_contract(user, contract)


def _read_evidence(user, document) -> bool:
    """A file of an outcome report: the lead's members read their draft's files; everyone
    else who reads the contract reads only files a submission sent (kept even if the
    provider later removed them from the draft)."""
    report = document.report
    sent = any(
        d.get("sha256") == document.sha256 for s in report.submissions for d in (s.content or {}).get("documents", [])
    )
    if document.removed_at is None and _leads_contract(user, report.contract):
        return True
    return sent and _view_contract(user, report.contract)


def _review_report(user, report) -> bool:
    contract = report.contract
    return _commissions(user, contract.need.area) and _not_a_party(user, contract)


def _record_payment(user, payment) -> bool:
    from .accounts.models import Role

    contract = payment.contract
    return _account(user) and user.has_area_role(Role.FINANCE, contract.need.area) and _not_a_party(user, contract)


def _release_payment(user, payment) -> bool:
    from .accounts.models import Role

    contract = payment.contract
    return (
        _account(user)
        and (user.has_area_role(Role.FINANCE, contract.need.area) or user.has_area_role(Role.COMMISSIONER, contract.need.area))
        and _not_a_party(user, contract)
    )


def _manage_payouts(user, organisation) -> bool:
    from .accounts.models import Role

    return _account(user) and organisation.is_verified and user.role_in(organisation) == Role.OWNER


def _vary_contract(user, contract) -> bool:
    return _commissions(user, contract.need.area) and _not_a_party(user, contract)


def _answer_variation(user, variation) -> bool:
    return variation.is_waiting and _leads_contract(user, variation.contract)


def _view_area_payments(user, area) -> bool:
    from .accounts.models import Role

    return _account(user) and area is not None and (
        _oversees(user, area) or user.has_area_role(Role.FINANCE, area)
    )


def _rate_partnership(user, contract) -> bool:
    from .accounts.models import Role

    return _account(user) and user.has_area_role(Role.BOARD_MEMBER, contract.need.area) and _not_a_party(user, contract)


def _respond_to_review(user, review) -> bool:
    contract = review.contract
    return _leads_contract(user, contract) or (_commissions(user, contract.need.area) and _not_a_party(user, contract))


def _view_organisation_figures(user, organisation) -> bool:
    return _account(user) and organisation is not None and is_member_of(user, organisation.id)


RULES: dict[Action, Callable[[Any, Any], bool]] = {
    Action.VIEW_ORGANISATION: _view_organisation,
    Action.EDIT_ORGANISATION: _edit_organisation,
    Action.MANAGE_MEMBERS: _manage_members,
    Action.VERIFY_ORGANISATION: _verify_organisation,
    Action.VIEW_AREA_STAFF: _view_area_staff,
    Action.INVITE_AREA_STAFF: _invite_area_staff,
    Action.VIEW_ADMIN: _view_admin,
    Action.DEACTIVATE_USER: _deactivate_user,
    Action.RESET_TWO_FACTOR: _reset_two_factor,
    Action.CREATE_NEED: _create_need,
    Action.VIEW_NEED: _view_need,
    Action.EDIT_NEED: _edit_need,
    Action.PUBLISH_NEED: _publish_need,
    Action.WITHDRAW_NEED: _withdraw_need,
    Action.CANCEL_NEED: _cancel_need,
    Action.FOLLOW_NEED: _follow_need,
    Action.ASK_QUESTION: _ask_question,
    Action.ANSWER_QUESTION: _answer_question,
    Action.LIST_OWN_QUESTIONS: _list_own_questions,
    Action.VIEW_SENT_QUESTION: _view_sent_question,
    Action.SAVE_SEARCH: _save_search,
    Action.START_BID: _start_bid,
    Action.VIEW_BID: _view_bid,
    Action.BID_AS_PROVIDER: _bid_as_provider,
    Action.LEAD_BID: _lead_bid,
    Action.VIEW_SHARE: _view_share,
    Action.OVERSEE_BIDS: lambda user, need: _oversees(user, need.area),
    Action.READ_BIDS: lambda user, need: _oversees(user, need.area) or _on_panel(user, need),
    Action.EDIT_BID: _lead_open_bid,
    Action.SUBMIT_BID: _lead_open_bid,
    Action.WITHDRAW_BID: _lead_open_bid,
    Action.CONFIRM_SHARE: _confirm_share,
    Action.MANAGE_EVALUATION: _manage_evaluation,
    Action.VIEW_EVALUATION: _view_evaluation,
    Action.TAKE_PART: _take_part,
    Action.SCORE_BID: _score_bid,
    Action.SIGN_OFF_AWARD: _sign_off_award,
    Action.LIST_SIGN_OFFS: _list_sign_offs,
    Action.EXPLAIN_LOW_BID: _explain_low_bid,
    Action.VIEW_SUMMARY: _view_summary,
    Action.VIEW_CONTRACT: _view_contract,
    Action.REPORT_OUTCOMES: _report_outcomes,
    Action.REVIEW_REPORT: _review_report,
    Action.READ_EVIDENCE: _read_evidence,
    Action.RECORD_PAYMENT: _record_payment,
    Action.RELEASE_PAYMENT: _release_payment,
    Action.MANAGE_PAYOUTS: _manage_payouts,
    Action.VARY_CONTRACT: _vary_contract,
    Action.ANSWER_VARIATION: _answer_variation,
    Action.VIEW_AREA_PAYMENTS: _view_area_payments,
    Action.RATE_PARTNERSHIP: _rate_partnership,
    Action.RESPOND_TO_REVIEW: _respond_to_review,
    Action.VIEW_ORGANISATION_FIGURES: _view_organisation_figures,
    Action.VIEW_DASHBOARD: lambda user, area: _account(user) and area is not None and _oversees(user, area),
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
