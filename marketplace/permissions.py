"""May this user do this to this object? Every view and template asks here, and only here.

This module is low in the layers (it knows accounts, nothing above them): it holds the
actions, the table below, the checks every package shares (an active account, an admin,
a commissioner or overseer of an area, a provider), the rules that need only those, and
`can()`. The rules that depend on a package's own state live in that package's
`rules.py` (needs, bids, evaluation, contracts, delivery, payments, board), registered
with `@rule(Action.X)` when the package is imported; `test_permissions` checks that every
action has exactly one rule and that the table below holds.

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
| bids.read_whole (a need's list of bids, a whole bid and its documents, after closing) | - | - | - | commissioner or board member of the need's area, or evaluator on its panel (not a lived-experience adviser: they read only the parts they score) | - |
| bid.open (one submitted revision, through bids.access after closing) | - | - | - | commissioner or board member of the need's area, or evaluator on its panel who declared and has no conflict with the bid | - |
| bid.confirm_share (open need)| -         | own (partner)   | own (partner)  | -          | -     |
| evaluation.manage (closed need onwards: panel, moderation, low bids, award, contract) | - | - | - | commissioner of the need's area | - |
| evaluation.view (panel, declarations, scores, ranking, decisions) | - | - | - | commissioner or board member of the need's area | - |
| evaluation.take_part (declare, see own bids to score) | - | - | - | evaluator or lived-experience adviser on the need's panel | - |
| evaluation.score (a bid)     | -         | -               | -              | evaluator or adviser on the panel, declared, not conflicted with the bid, moderation open (an adviser: only their parts) | - |
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
| area.contracts (the area's list of contracts) | - | -        | -              | commissioner, board member or finance officer of the area | - |
| area.dashboard               | -         | -               | -              | commissioner or board member of the area | - |
| contract.rate (partnership review) | -   | -               | -              | board member of the need's area, not of a party | - |
| review.respond               | -         | own (lead)      | own (lead)     | commissioner of the need's area, not of a party | - |
| organisation.figures         | -         | own             | own            | -          | -     |
| feedback.link (a contract's short link, QR code, poster; turn it off or on) | - | own (lead) | own (lead) | commissioner of the need's area, not of a party | - |
| feedback.read_held (comments not yet published) | - | own (lead) | own (lead) | commissioner or board member of the need's area | - |
| feedback.publish (publish or decline a comment) | - | -  | own (lead)     | commissioner of the need's area, not of a party | - |

A contract's feedback counts, charts and published comments are read by whoever reads the
contract (contract.view); an area's feedback page by whoever reads its dashboard
(area.dashboard).

Evaluators read bids only through `bids.access`, and only those they may score; board
members see everything of their area and change nothing but sign-offs.

Bids are sealed: the commissioning side never reads a bid through `can()`; it reads the
counted revisions after closing through `marketplace.bids.access`, which audits refusals.
When a need's bids are sealed is decided here, once: `bids_sealed(need)`.

"The need's area" is its commissioning area; a commissioner of a region covers the needs
of its delivery units too.

"Area staff" are commissioners, evaluators, board members and finance officers; a role on
a region covers its delivery units. A lived-experience adviser is a member of the area
only to sit on the panels they were invited to: they see nothing else of it. A user whose email is not yet verified, or who is deactivated, may do
nothing that needs an account.
"""

import enum
from collections.abc import Callable
from typing import Any

from flask import abort

from .accounts.models import Role
from .timeutil import utcnow


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
    READ_WHOLE_BIDS = "bids.read_whole"
    OPEN_BID = "bid.open"
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
    VIEW_AREA_CONTRACTS = "area.contracts"
    VIEW_DASHBOARD = "area.dashboard"
    RATE_PARTNERSHIP = "contract.rate"
    RESPOND_TO_REVIEW = "review.respond"
    VIEW_ORGANISATION_FIGURES = "organisation.figures"
    MANAGE_FEEDBACK_LINK = "feedback.link"
    READ_HELD_FEEDBACK = "feedback.read_held"
    PUBLISH_FEEDBACK = "feedback.publish"


Rule = Callable[[Any, Any], bool]
RULES: dict[Action, Rule] = {}


def rule(*actions: Action) -> Callable[[Rule], Rule]:
    """Register the decorated function as the one rule for each of `actions`."""

    def register(function: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"{action} has two rules: {RULES[action].__module__} and {function.__module__}")
            RULES[action] = function
        return function

    return register


def can(user, action: Action | str, obj: Any = None) -> bool:
    """True when `user` may do `action` to `obj`. Unknown actions, and actions whose rule
    is not registered, are refused."""
    try:
        decide = RULES[Action(action)]
    except (ValueError, KeyError):
        return False
    return bool(decide(user, obj))


def require(user, action: Action | str, obj: Any = None) -> None:
    """Stop the request with 403 Forbidden unless `can(user, action, obj)`."""
    if not can(user, action, obj):
        abort(403)


# The checks every package's rules share -------------------------------------------------


def account(user) -> bool:
    """A signed-in, active user with a verified email."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.email_verified
    )


def admin(user) -> bool:
    return account(user) and user.is_admin


def commissions(user, area) -> bool:
    """Commissioner of the area (or of its region)."""
    return account(user) and area is not None and user.has_area_role(Role.COMMISSIONER, area)


def oversees(user, area) -> bool:
    """Commissioner or board member of the area (or its region): reads its evaluations."""
    return (
        account(user)
        and area is not None
        and (user.has_area_role(Role.COMMISSIONER, area) or user.has_area_role(Role.BOARD_MEMBER, area))
    )


def has_area_role(user, role: Role, area) -> bool:
    return account(user) and area is not None and user.has_area_role(role, area)


def provider(user) -> bool:
    """A member of at least one provider organisation."""
    return account(user) and bool(user.organisation_memberships())


def is_member_of(user, organisation_id) -> bool:
    return any(m.organisation_id == organisation_id for m in user.organisation_memberships())


# Sealing: when a need's bids may be read at all by the commissioning side. Decided here
# once; bids.access reads it (and audits every refused attempt).


def bids_sealed(need, now=None) -> bool:
    """Whether the need's bids are sealed at `now`: until it is published with a closing
    time, and that time has come."""
    now = now or utcnow()
    return need.published_at is None or need.closes_at is None or now < need.closes_at


# Organisations, areas and accounts ------------------------------------------------------


@rule(Action.VIEW_ORGANISATION)
def _view_organisation(user, organisation) -> bool:
    if organisation.is_verified:
        return True
    return admin(user) or (account(user) and user.role_in(organisation) is not None)


@rule(Action.EDIT_ORGANISATION)
def _edit_organisation(user, organisation) -> bool:
    return account(user) and user.role_in(organisation) is not None


@rule(Action.MANAGE_MEMBERS)
def _manage_members(user, organisation) -> bool:
    return account(user) and user.role_in(organisation) == Role.OWNER


@rule(Action.VERIFY_ORGANISATION)
def _verify_organisation(user, organisation) -> bool:
    return admin(user) and not organisation.is_verified


@rule(Action.VIEW_ORGANISATION_FIGURES)
def _view_organisation_figures(user, organisation) -> bool:
    return account(user) and organisation is not None and is_member_of(user, organisation.id)


@rule(Action.VIEW_AREA_STAFF)
def _view_area_staff(user, area) -> bool:
    if admin(user):
        return True
    # A lived-experience adviser sees only the needs whose panel they are on.
    return account(user) and any(m.area.covers(area) for m in user.area_memberships() if m.role != Role.ADVISER)


@rule(Action.INVITE_AREA_STAFF, Action.VIEW_ADMIN)
def _admin_only(user, _obj) -> bool:
    return admin(user)


@rule(Action.DEACTIVATE_USER, Action.RESET_TWO_FACTOR)
def _admin_on_another(user, target) -> bool:
    """An admin, on someone else: nobody locks themselves out or vouches for themselves."""
    return admin(user) and target is not None and target.id != user.id
