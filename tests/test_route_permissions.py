"""THE permission table of the whole portal: every rule of the app's URL map (except
`static`), for each of its methods, against every kind of account, on one world of
objects each account must or must not reach.

One row per (endpoint, method), read from the URL map, so a new route fails
`test_every_route_is_in_the_table` until it has a row. A row gives the URL's arguments (the
object it points at, by its name in the world) and the outcome for every role:

- OK: allowed, a 2xx or a redirect that is not to sign in (for a POST, also a 400: the
  empty form was refused by its own checks, after the permission's);
- 403 or 404: refused; 404 where the object's existence must not be told (another
  provider's bid, a contract one does not read, a draft need on the public side);
- SIGN_IN: sent to sign in (a redirect to /sign-in).

Every response is also read for what it must not hold: another provider's bid (its
answers, its price, its document), a bid of a need that has not closed (to anyone on the
commissioning side), a draft need, a draft outcome report and its evidence, and the live
token of an emailed link. A 500 is always a failure. A refused POST writes nothing: every
table's row count (the audit trail's without its refusal records) is the same after it.

POSTs carry the role's CSRF token and an empty form: the table asserts who gets past the
permission checks, not what the forms do (their own tests do that).

The world is built once per database (module scope), every role signed in once through
tests/helpers.py sign_in; each request then runs inside its own SAVEPOINT, rolled back
after it, so what one role's POST changed is never seen by the next.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import g, request_started, url_for
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

import config
from marketplace import create_app
from marketplace.accounts import services as accounts
from marketplace.accounts import tokens
from marketplace.accounts.models import Role
from marketplace.bids import closing, consortium, drafting, submission
from marketplace.board import reviews
from marketplace.contracts import services as contracts
from marketplace.contracts import variations
from marketplace.contracts.models import ContractParty, PartyRole
from marketplace.delivery import drafts, evidence
from marketplace.evaluation import advisers, award, low_bids, panel, timing
from marketplace.evaluation.models import SOCIAL_VALUE
from marketplace.extensions import db, limiter
from marketplace.feedback import services as feedback
from marketplace.needs import digest, following, questions
from marketplace.needs import documents as need_documents
from marketplace.notifications import OutboxEmail
from marketplace.opendata.ocds import ocid_for
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from . import factories
from .helpers import csrf_token, sign_in

# Roles ---------------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "owner_a",  # owner of organisation A: leads a bid on the open need, and the contract
    "member_a",  # member of organisation A
    "partner",  # owner of organisation P: A's consortium partner on the open bid and the contract
    "owner_b",  # owner of organisation B: bids on the same needs as A
    "commissioner",  # commissioner of East Kent, where every need below is (but one)
    "evaluator",  # evaluator of East Kent, on the closed need's panel, no conflict declared
    "adviser",  # lived-experience adviser on the closed need's panel (social value only), no conflict declared
    "board_member",  # board member of East Kent
    "finance",  # finance officer of East Kent
    "other_commissioner",  # commissioner of London: another region
    "admin",  # the service team
]
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
LEAD = frozenset({"owner_a", "member_a"})
PARTIES = LEAD | {"partner"}  # of A's bid on the open need, and of A's contract
PROVIDERS = PARTIES | {"owner_b"}
OVERSEERS = frozenset({"commissioner", "board_member"})  # the need's commissioner and board
CONTRACT_READERS = PARTIES | OVERSEERS | {"finance"}  # Action.VIEW_CONTRACT
COMMISSIONER = frozenset({"commissioner"})
PANEL = frozenset({"evaluator", "adviser"})  # on the closed need's panel

OK = "ok"
SIGN_IN = "sign in"


def expect(ok=(), *, forbidden=(), hidden=(), others=403, anonymous=SIGN_IN) -> dict[str, object]:
    """Each role's outcome: OK for `ok`, 403 for `forbidden`, 404 for `hidden`, `others` for
    every other signed-in role, and `anonymous` for the anonymous visitor."""
    outcome = {}
    for role in ROLES:
        if role == "anonymous":
            outcome[role] = anonymous
        elif role in ok:
            outcome[role] = OK
        elif role in forbidden:
            outcome[role] = 403
        elif role in hidden:
            outcome[role] = 404
        else:
            outcome[role] = others
    return outcome


PUBLIC = expect(SIGNED_IN, anonymous=OK)
ANY_ACCOUNT = expect(SIGNED_IN)
PROVIDERS_ONLY = expect(PROVIDERS)  # pages of one's own organisations: area staff and admins have none
ADMINS_ONLY = expect({"admin"})
NEED_COMMISSIONER = expect(COMMISSIONER)  # the commissioner's pages of an East Kent need
LEAD_OF_BID = expect(LEAD, forbidden={"partner"}, others=404)  # a section of A's open bid
PARTY_OF_BID = expect(PARTIES, others=404)
CONTRACT = expect(CONTRACT_READERS, others=404)
DASHBOARD = expect(OVERSEERS)
STRIPE = {
    "PAYMENTS_BACKEND": "stripe",
    "STRIPE_SECRET_KEY": "sk_test_route_permissions",
    "STRIPE_WEBHOOK_SECRET": "whsec_route_permissions",
    # Nothing listens there: a call to Stripe fails at once, and is never made for a refused role.
    "STRIPE_API_BASE": "http://127.0.0.1:9",
    "STRIPE_TIMEOUT_SECONDS": 2,
}


@dataclass(frozen=True)
class Literal:
    """A URL argument given as is (not an object of the world)."""

    value: object


@dataclass(frozen=True)
class Case:
    """One URL of a row: its arguments (world names, or Literal values), each role's outcome,
    and settings the app runs with for it."""

    args: dict
    outcome: dict
    settings: dict = field(default_factory=dict)
    why: str = ""


def case(outcome, settings=None, why="", **args) -> Case:
    return Case(args=args, outcome=outcome, settings=settings or {}, why=why)


# The table -----------------------------------------------------------------------------
#
# World names (see _build): east_kent; org_a, org_u (unverified); member_a_user,
# member_a_membership; draft_need, draft_lot, draft_criterion, draft_document;
# elsewhere_draft (a draft of London); open_need, open_criterion, open_bid_a, open_bid_a_document,
# open_bid_a_partner, bid_invitation, question, saved_search; closed_need, closed_lot,
# closed_bid_a (flagged abnormally low, explanation asked for), panel_member;
# sign_off_decision; contract_bid_a (assessment summary sent), contract, milestone_1
# (report submitted, with evidence sent), milestone_2 (draft report, draft evidence),
# sent_evidence, draft_evidence, payment (the advance), variation (waiting), review;
# feedback_code (the contract's feedback link), feedback_comment (a response's comment held);
# contract_ocid (the OCDS ocid of the contract's need);
# email (the bid invitation's email); staff_invitation, reset_token, verify_token;
# jdl_result (a Justice Data Lab result for A's service).

TABLE: dict[tuple[str, str], list[Case]] = {
    # Accounts: the emailed links work for whoever holds them; the rest needs no account.
    ("accounts.accept_invitation", "GET"): [case(PUBLIC, token="staff_invitation")],
    ("accounts.accept_invitation", "POST"): [case(PUBLIC, token="staff_invitation")],
    ("accounts.account", "GET"): [case(ANY_ACCOUNT)],
    # Email settings: each account its own (no id in the address), nobody else's.
    ("accounts.email_settings", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.email_settings", "POST"): [case(ANY_ACCOUNT)],
    ("accounts.language_settings", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.language_settings", "POST"): [case(ANY_ACCOUNT)],
    ("session_keep_alive", "GET"): [case(ANY_ACCOUNT)],  # the timeout warning's "Stay signed in"
    # The second factor's pages are for someone part-way through signing in: anyone signed
    # in already is sent on (to their home page), anyone else to sign in.
    ("accounts.enter_code", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.enter_code", "POST"): [case(ANY_ACCOUNT)],
    ("accounts.enter_recovery_code", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.enter_recovery_code", "POST"): [case(ANY_ACCOUNT)],
    ("accounts.set_up_authenticator", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.set_up_authenticator", "POST"): [case(ANY_ACCOUNT)],
    # Staff, who have it on and must keep it, are sent back to their account page, told why.
    ("accounts.turn_on_two_factor", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.turn_on_two_factor", "POST"): [case(ANY_ACCOUNT)],
    ("accounts.turn_off_two_factor", "GET"): [case(ANY_ACCOUNT)],
    ("accounts.turn_off_two_factor", "POST"): [case(ANY_ACCOUNT)],
    ("admin.reset_two_factor", "GET"): [case(ADMINS_ONLY, user_id="member_a_user")],
    ("admin.reset_two_factor", "POST"): [case(ADMINS_ONLY, user_id="member_a_user")],
    ("accounts.check_email", "GET"): [case(PUBLIC)],
    ("accounts.forgot_password", "GET"): [case(PUBLIC)],
    ("accounts.forgot_password", "POST"): [case(PUBLIC)],
    ("organisations.register", "GET"): [case(PUBLIC)],  # signed in: sent home
    ("organisations.register", "POST"): [case(PUBLIC)],
    ("accounts.resend_verification", "GET"): [case(PUBLIC)],
    ("accounts.resend_verification", "POST"): [case(PUBLIC)],
    ("accounts.reset_password", "GET"): [case(PUBLIC, token="reset_token")],
    ("accounts.reset_password", "POST"): [case(PUBLIC, token="reset_token")],
    ("accounts.sign_in", "GET"): [case(PUBLIC)],
    ("accounts.sign_in", "POST"): [case(PUBLIC)],
    ("accounts.sign_out", "GET"): [case(PUBLIC)],
    ("accounts.sign_out", "POST"): [case(PUBLIC)],
    ("accounts.verify_email", "GET"): [
        case(expect(others=SIGN_IN), token="verify_token", why="confirmed, then on to sign in: the link's success"),
    ],
    # The service team's pages: admins only.
    ("admin.areas", "GET"): [case(ADMINS_ONLY)],
    ("admin.audit_events", "GET"): [case(ADMINS_ONLY)],
    ("admin.dashboard", "GET"): [case(ADMINS_ONLY)],
    ("admin.edit_area", "GET"): [case(ADMINS_ONLY, area_id="east_kent")],
    ("admin.edit_area", "POST"): [case(ADMINS_ONLY, area_id="east_kent")],
    ("admin.emails", "GET"): [case(ADMINS_ONLY)],
    ("admin.justice_data_lab_results", "GET"): [case(ADMINS_ONLY)],
    ("admin.record_justice_data_lab_result", "GET"): [case(ADMINS_ONLY)],
    ("admin.record_justice_data_lab_result", "POST"): [case(ADMINS_ONLY)],
    ("admin.withdraw_justice_data_lab_result", "GET"): [case(ADMINS_ONLY, result_id="jdl_result")],
    ("admin.withdraw_justice_data_lab_result", "POST"): [case(ADMINS_ONLY, result_id="jdl_result")],
    ("admin.organisations", "GET"): [case(ADMINS_ONLY)],
    ("admin.show_email", "GET"): [case(ADMINS_ONLY, email_id="email")],
    ("admin.show_user", "GET"): [case(ADMINS_ONLY, user_id="member_a_user")],
    ("admin.show_user", "POST"): [case(ADMINS_ONLY, user_id="member_a_user")],
    ("admin.staff", "GET"): [case(ADMINS_ONLY)],
    ("admin.staff", "POST"): [case(ADMINS_ONLY)],
    ("admin.users", "GET"): [case(ADMINS_ONLY)],
    ("admin.verify_organisation", "POST"): [case(ADMINS_ONLY, organisation_id="org_u")],
    # A's bid on the open need: its parties read it, its lead changes it; nobody else
    # learns it exists (404), admins and the commissioning side included.
    ("bids.accept_invitation", "GET"): [
        case(expect(PROVIDERS, anonymous=OK), token="bid_invitation", why="the emailed link: a provider may accept it"),
    ],
    ("bids.accept_invitation", "POST"): [case(expect(PROVIDERS, anonymous=OK), token="bid_invitation")],
    ("bids.add_partner", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.add_partner", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.check", "GET"): [case(PARTY_OF_BID, bid_id="open_bid_a")],
    ("bids.check", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.documents", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.documents", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.download_document", "GET"): [case(PARTY_OF_BID, bid_id="open_bid_a", document_id="open_bid_a_document")],
    ("bids.edit_answers", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_answers", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_declarations", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_declarations", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_local_presence", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_local_presence", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_price", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_price", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_social_value", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.edit_social_value", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    # Use an earlier answer: the lead's own earlier answers, for a section of its open bid.
    ("bids.earlier_answers", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a", criterion_id="open_criterion")],
    ("bids.earlier_answers", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a", criterion_id="open_criterion")],
    ("bids.earlier_social_value", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.earlier_social_value", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.invite_partner", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.invite_partner", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.my_bids", "GET"): [case(ANY_ACCOUNT)],
    ("bids.need_bids", "GET"): [
        case(
            expect(OVERSEERS), need_id="open_need", why="before closing: at most a count, to those who oversee the need"
        ),
        case(expect(OVERSEERS | {"evaluator"}), need_id="closed_need"),
    ],
    ("bids.partner_share", "GET"): [case(expect({"partner"}, forbidden=LEAD, others=404), bid_id="open_bid_a")],
    ("bids.partner_share", "POST"): [case(expect({"partner"}, forbidden=LEAD, others=404), bid_id="open_bid_a")],
    ("bids.partners", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.partners", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.receipt", "GET"): [case(PARTY_OF_BID, bid_id="open_bid_a", number=Literal(1))],
    ("bids.remove_document", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a", document_id="open_bid_a_document")],
    ("bids.remove_partner", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a", partner_id="open_bid_a_partner")],
    ("bids.remove_partner", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a", partner_id="open_bid_a_partner")],
    ("bids.show_bid", "GET"): [case(PARTY_OF_BID, bid_id="open_bid_a")],
    ("bids.start_bid", "GET"): [case(PROVIDERS_ONLY, need_id="open_need")],
    ("bids.start_bid", "POST"): [case(PROVIDERS_ONLY, need_id="open_need")],
    ("bids.submitted_document", "GET"): [
        case(expect(), need_id="open_need", bid_id="open_bid_a", number=Literal(1), why="sealed until closing"),
    ],
    ("bids.view_submitted", "GET"): [
        case(expect(), need_id="open_need", bid_id="open_bid_a", why="sealed until closing"),
        case(expect(OVERSEERS | {"evaluator"}), need_id="closed_need", bid_id="closed_bid_a"),
    ],
    ("bids.withdraw", "GET"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    ("bids.withdraw", "POST"): [case(LEAD_OF_BID, bid_id="open_bid_a")],
    # Boards: the area's board members and commissioners read its figures; a board member
    # rates partnerships; a provider reads its own organisation's figures.
    ("board.contract_reviews", "GET"): [case(CONTRACT, contract_id="contract")],
    ("board.dashboard", "GET"): [case(DASHBOARD, area_id="east_kent")],
    ("board.dashboard_csv", "GET"): [case(DASHBOARD, area_id="east_kent", figure=Literal("size-bands"))],
    ("board.decisions", "GET"): [case(DASHBOARD, area_id="east_kent")],
    ("board.decisions_csv", "GET"): [case(DASHBOARD, area_id="east_kent")],
    ("board.organisation_figures", "GET"): [case(expect(LEAD), organisation_id="org_a")],
    ("board.organisation_figures_csv", "GET"): [case(expect(LEAD), organisation_id="org_a", figure=Literal("bids"))],
    ("board.pack", "GET"): [case(DASHBOARD, area_id="east_kent")],
    ("board.pack_pdf", "GET"): [case(DASHBOARD, area_id="east_kent")],
    ("board.partnerships", "GET"): [case(DASHBOARD, area_id="east_kent")],
    ("board.rate", "POST"): [
        case(expect({"board_member"}, forbidden=CONTRACT_READERS, others=404), contract_id="contract"),
    ],
    ("board.respond", "POST"): [
        case(expect(LEAD | COMMISSIONER, forbidden=CONTRACT_READERS, others=404), review_id="review"),
    ],
    # Contracts: read by their parties and the area's commissioner, board and finance
    # officer (404 for everyone else); varied by the commissioner; answered by the lead.
    ("contracts.index", "GET"): [case(PROVIDERS_ONLY)],
    # An area's list of contracts: its commissioner, board member and finance officer.
    ("contracts.area_contracts", "GET"): [case(expect(OVERSEERS | {"finance"}), area_id="east_kent")],
    ("contracts.new_contract", "GET"): [case(NEED_COMMISSIONER, need_id="closed_need", lot_id="closed_lot")],
    ("contracts.new_contract", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need", lot_id="closed_lot")],
    ("contracts.show", "GET"): [case(CONTRACT, contract_id="contract")],
    ("contracts.variation", "GET"): [case(CONTRACT, contract_id="contract", variation_id="variation")],
    ("contracts.variation", "POST"): [
        case(expect(LEAD, forbidden=CONTRACT_READERS, others=404), contract_id="contract", variation_id="variation"),
    ],
    ("contracts.vary", "GET"): [
        case(expect(COMMISSIONER, forbidden=CONTRACT_READERS, others=404), contract_id="contract")
    ],
    ("contracts.vary", "POST"): [
        case(expect(COMMISSIONER, forbidden=CONTRACT_READERS, others=404), contract_id="contract")
    ],
    # Outcome reports: the lead reports, the commissioner reviews, the contract's readers
    # read what was submitted; a draft and its files stay the lead's.
    ("delivery.download_evidence", "GET"): [
        case(
            expect(LEAD, others=404),
            contract_id="contract",
            milestone_id="milestone_2",
            document_id="draft_evidence",
            why="a draft's file: the lead's only",
        ),
        case(CONTRACT, contract_id="contract", milestone_id="milestone_1", document_id="sent_evidence"),
    ],
    ("delivery.evidence", "GET"): [
        case(expect(LEAD, forbidden=CONTRACT_READERS, others=404), contract_id="contract", milestone_id="milestone_2"),
    ],
    ("delivery.evidence", "POST"): [
        case(expect(LEAD, forbidden=CONTRACT_READERS, others=404), contract_id="contract", milestone_id="milestone_2"),
    ],
    ("delivery.outcomes", "GET"): [case(CONTRACT, contract_id="contract")],
    ("delivery.remove_evidence", "POST"): [
        case(
            expect(LEAD, forbidden=CONTRACT_READERS, others=404),
            contract_id="contract",
            milestone_id="milestone_2",
            document_id="draft_evidence",
        ),
    ],
    ("delivery.report", "GET"): [case(CONTRACT, contract_id="contract", milestone_id="milestone_2")],
    ("delivery.report", "POST"): [
        case(expect(LEAD, forbidden=CONTRACT_READERS, others=404), contract_id="contract", milestone_id="milestone_2"),
    ],
    ("delivery.review", "POST"): [
        case(
            expect(COMMISSIONER, forbidden=CONTRACT_READERS, others=404),
            contract_id="contract",
            milestone_id="milestone_1",
        ),
    ],
    ("delivery.submission", "GET"): [
        case(CONTRACT, contract_id="contract", milestone_id="milestone_1", number=Literal(1))
    ],
    # Evaluation of the closed need: the commissioner runs it, the board reads it, the
    # panel's evaluator declares and scores; A explains its price.
    ("evaluation.award", "GET"): [case(expect(OVERSEERS), need_id="closed_need", lot_id="closed_lot")],
    ("evaluation.award", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need", lot_id="closed_lot")],
    ("evaluation.close_moderation", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need", lot_id="closed_lot")],
    ("evaluation.decide_low_bid", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.declare", "GET"): [case(expect(PANEL), need_id="closed_need")],
    ("evaluation.declare", "POST"): [case(expect(PANEL), need_id="closed_need")],
    ("evaluation.explain", "GET"): [case(expect(LEAD, others=404), bid_id="closed_bid_a")],
    ("evaluation.explain", "POST"): [case(expect(LEAD, others=404), bid_id="closed_bid_a")],
    ("evaluation.low_bid", "GET"): [case(expect(OVERSEERS), need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.moderate", "GET"): [case(NEED_COMMISSIONER, need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.moderate", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.invite_adviser", "GET"): [case(NEED_COMMISSIONER, need_id="closed_need")],
    ("evaluation.invite_adviser", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need")],
    ("evaluation.cancel_adviser_invitation", "POST"): [
        case(NEED_COMMISSIONER, need_id="closed_need", place_id="waiting_adviser")
    ],
    ("evaluation.my_evaluation", "GET"): [case(expect(PANEL), need_id="closed_need")],
    ("evaluation.overview", "GET"): [
        case(expect(OVERSEERS | PANEL), need_id="closed_need", why="the panel is sent to its own page"),
    ],
    ("evaluation.panel", "GET"): [case(NEED_COMMISSIONER, need_id="closed_need")],
    ("evaluation.panel", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need")],
    ("evaluation.ranking", "GET"): [case(expect(OVERSEERS), need_id="closed_need", lot_id="closed_lot")],
    ("evaluation.remove_panel_member", "POST"): [
        case(NEED_COMMISSIONER, need_id="closed_need", member_id="panel_member")
    ],
    ("evaluation.request_explanation", "POST"): [case(NEED_COMMISSIONER, need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.score", "GET"): [case(expect(PANEL), need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.score", "POST"): [case(expect(PANEL), need_id="closed_need", bid_id="closed_bid_a")],
    ("evaluation.scores", "GET"): [
        case(
            expect(OVERSEERS),
            need_id="closed_need",
            bid_id="closed_bid_a",
            why="the evaluator sees the others' scores only after submitting its own",
        ),
    ],
    ("evaluation.sign_off", "GET"): [case(expect(OVERSEERS), decision_id="sign_off_decision")],
    ("evaluation.sign_off", "POST"): [case(expect({"board_member"}), decision_id="sign_off_decision")],
    ("evaluation.sign_offs", "GET"): [case(expect({"board_member"}))],
    ("evaluation.summary", "GET"): [case(expect(LEAD | OVERSEERS, others=404), bid_id="contract_bid_a")],
    # Feedback from people supported: anyone answers through the short link; whoever reads
    # the contract reads the answers; the lead and the commissioner manage the link; the
    # lead's owner and the commissioner publish or decline a comment held.
    ("feedback.give", "GET"): [
        case(PUBLIC, code="feedback_code"),
        case(expect(others=404, anonymous=404), code=Literal("ZZZZZZZZ"), why="an unknown code"),
    ],
    ("feedback.give", "POST"): [case(PUBLIC, code="feedback_code")],
    ("feedback.thanks", "GET"): [case(PUBLIC, code="feedback_code")],
    ("feedback.contract_feedback", "GET"): [case(CONTRACT, contract_id="contract")],
    ("feedback.decide", "POST"): [
        case(
            expect({"owner_a", "commissioner"}, forbidden=CONTRACT_READERS, others=404),
            contract_id="contract",
            response_id="feedback_comment",
        ),
    ],
    ("feedback.switch_link", "POST"): [
        case(expect(LEAD | COMMISSIONER, forbidden=CONTRACT_READERS, others=404), contract_id="contract"),
    ],
    ("feedback.poster", "GET"): [
        case(expect(LEAD | COMMISSIONER, forbidden=CONTRACT_READERS, others=404), contract_id="contract"),
    ],
    ("feedback.area_feedback", "GET"): [case(DASHBOARD, area_id="east_kent")],
    # Public pages.
    ("main.accessibility", "GET"): [case(PUBLIC)],
    ("main.cookies", "GET"): [case(PUBLIC)],
    ("main.healthz", "GET"): [case(PUBLIC)],
    ("main.home", "GET"): [case(PUBLIC)],
    ("main.login", "GET"): [case(expect(others=SIGN_IN), why="the address people guess: on to sign in")],
    ("main.privacy", "GET"): [case(PUBLIC)],
    # Open contracting data: for anyone, no sign-in.
    ("opendata.record", "GET"): [case(PUBLIC, ocid="contract_ocid")],
    ("opendata.releases", "GET"): [case(PUBLIC)],
    ("opendata.releases_bulk", "GET"): [case(PUBLIC)],
    # Open data: for anyone, no sign-in (organisations named, never a person).
    ("main.open_data", "GET"): [case(PUBLIC)],
    ("main.public_contracts", "GET"): [case(PUBLIC)],
    # What works: outcomes across every area and the Justice Data Lab results, for anyone.
    ("whatworks.what_works", "GET"): [case(PUBLIC)],
    ("whatworks.what_works_csv", "GET"): [case(PUBLIC)],
    ("main.public_contract", "GET"): [case(PUBLIC, contract_id="contract")],
    ("main.grants_json", "GET"): [case(PUBLIC)],
    # Needs: anyone reads a published need; a draft is the commissioner's (404 on the
    # public side, 403 on the commissioner's pages); providers follow, ask and save searches.
    ("needs.answer_question", "GET"): [case(NEED_COMMISSIONER, need_id="open_need", question_id="question")],
    ("needs.answer_question", "POST"): [case(NEED_COMMISSIONER, need_id="open_need", question_id="question")],
    ("needs.ask_question", "GET"): [case(PROVIDERS_ONLY, need_id="open_need")],
    ("needs.ask_question", "POST"): [case(PROVIDERS_ONLY, need_id="open_need")],
    ("needs.cancel_need", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.cancel_need", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.check_need", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.download_document", "GET"): [
        case(expect(COMMISSIONER, others=404, anonymous=404), need_id="draft_need", document_id="draft_document"),
    ],
    ("needs.edit_welsh", "GET"): [
        case(
            expect(hidden=COMMISSIONER),
            need_id="draft_need",
            why="East Kent is in England: no Welsh section (tests/needs/test_welsh_text.py for Wales)",
        )
    ],
    ("needs.edit_welsh", "POST"): [case(expect(hidden=COMMISSIONER), need_id="draft_need")],
    ("needs.edit_about", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_about", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_conditions", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_conditions", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_criteria", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_criteria", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_criterion", "GET"): [
        case(NEED_COMMISSIONER, need_id="draft_need", criterion_id="draft_criterion"),
        case(NEED_COMMISSIONER, need_id="draft_need"),  # /criteria/add
    ],
    ("needs.edit_criterion", "POST"): [
        case(NEED_COMMISSIONER, need_id="draft_need", criterion_id="draft_criterion"),
        case(NEED_COMMISSIONER, need_id="draft_need"),
    ],
    ("needs.edit_form_kind", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_form_kind", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_dates", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_dates", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_lot", "GET"): [
        case(NEED_COMMISSIONER, need_id="draft_need", lot_id="draft_lot"),
        case(NEED_COMMISSIONER, need_id="draft_need"),  # /lots/add
    ],
    ("needs.edit_lot", "POST"): [
        case(NEED_COMMISSIONER, need_id="draft_need", lot_id="draft_lot"),
        case(NEED_COMMISSIONER, need_id="draft_need"),
    ],
    ("needs.edit_payment", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.edit_payment", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.follow_need", "POST"): [case(PROVIDERS_ONLY, need_id="open_need")],
    ("needs.followed_needs", "GET"): [case(ANY_ACCOUNT)],
    ("needs.list_needs", "GET"): [case(PUBLIC)],
    ("needs.list_questions", "GET"): [case(NEED_COMMISSIONER, need_id="open_need")],
    ("needs.manage_need", "GET"): [
        case(NEED_COMMISSIONER, need_id="draft_need"),
        case(expect({"other_commissioner"}), need_id="elsewhere_draft"),
    ],
    ("needs.my_questions", "GET"): [case(PROVIDERS_ONLY, need_id="open_need")],
    ("needs.need_documents", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.need_documents", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.need_lots", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.new_need", "GET"): [case(expect({"commissioner", "other_commissioner"}), why="each for their own areas")],
    ("needs.new_need", "POST"): [case(expect({"commissioner", "other_commissioner"}))],
    ("needs.publish_need", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need")],
    ("needs.question_sent", "GET"): [case(expect(LEAD, others=404), need_id="open_need", question_id="question")],
    ("needs.remove_criterion", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need", criterion_id="draft_criterion")],
    ("needs.remove_criterion", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need", criterion_id="draft_criterion")],
    ("needs.remove_document", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need", document_id="draft_document")],
    ("needs.remove_document", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need", document_id="draft_document")],
    ("needs.remove_lot", "GET"): [case(NEED_COMMISSIONER, need_id="draft_need", lot_id="draft_lot")],
    ("needs.remove_lot", "POST"): [case(NEED_COMMISSIONER, need_id="draft_need", lot_id="draft_lot")],
    ("needs.remove_saved_search", "POST"): [
        case(expect({"owner_a"}, hidden=PROVIDERS), search_id="saved_search", why="one's own saved search"),
    ],
    ("needs.saved_searches", "GET"): [case(PROVIDERS_ONLY)],
    ("needs.saved_searches", "POST"): [case(PROVIDERS_ONLY)],
    ("needs.show_need", "GET"): [
        case(expect(COMMISSIONER, others=404, anonymous=404), need_id="draft_need"),
        case(expect({"other_commissioner"}, others=404, anonymous=404), need_id="elsewhere_draft"),
        case(PUBLIC, need_id="open_need"),
    ],
    ("needs.unfollow_need", "POST"): [case(ANY_ACCOUNT, need_id="open_need", why="stopping is one's own")],
    ("needs.withdraw_need", "GET"): [case(NEED_COMMISSIONER, need_id="open_need")],
    ("needs.withdraw_need", "POST"): [case(NEED_COMMISSIONER, need_id="open_need")],
    # Organisations: its members edit A's profile, its owner manages its people; an
    # unverified organisation is not public.
    ("organisations.edit_organisation", "GET"): [case(expect(LEAD), organisation_id="org_a")],
    ("organisations.edit_organisation", "POST"): [case(expect(LEAD), organisation_id="org_a")],
    ("organisations.organisation_people", "GET"): [case(expect(LEAD), organisation_id="org_a")],
    ("organisations.organisation_people", "POST"): [case(expect({"owner_a"}), organisation_id="org_a")],
    ("organisations.remove_member", "POST"): [
        case(expect({"owner_a"}), organisation_id="org_a", membership_id="member_a_membership"),
    ],
    ("organisations.show_organisation", "GET"): [
        case(expect({"admin"}, others=404, anonymous=404), organisation_id="org_u"),
        case(PUBLIC, organisation_id="org_a"),
    ],
    # Payments: the finance officer records, the commissioner or finance officer releases
    # (Stripe), A's owner sets up payouts.
    ("payments.area_payments", "GET"): [case(expect(OVERSEERS | {"finance"}), area_id="east_kent")],
    ("payments.payouts", "GET"): [case(expect({"owner_a"}), STRIPE, organisation_id="org_a")],
    ("payments.payouts_onboard", "POST"): [case(expect({"owner_a"}), STRIPE, organisation_id="org_a")],
    ("payments.payouts_refresh", "GET"): [case(expect({"owner_a"}), STRIPE, organisation_id="org_a")],
    ("payments.payouts_return", "GET"): [case(expect({"owner_a"}), STRIPE, organisation_id="org_a")],
    ("payments.record", "POST"): [
        case(expect({"finance"}, forbidden=CONTRACT_READERS, others=404), payment_id="payment"),
    ],
    ("payments.release", "POST"): [
        case(expect({"commissioner", "finance"}, forbidden=CONTRACT_READERS, others=404), STRIPE, payment_id="payment"),
    ],
    ("payments.show", "GET"): [case(CONTRACT, payment_id="payment")],
    ("payments.stripe_webhook", "POST"): [
        case(expect(others=400, anonymous=400), STRIPE, why="Stripe signs it: without a signature, 400 for all"),
    ],
    # Reference data.
    ("reference.list_areas", "GET"): [case(PUBLIC)],
    ("reference.list_categories", "GET"): [case(PUBLIC)],
}


def _app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


ROUTE_APP = create_app(config.TestConfig())
ROWS = sorted(TABLE)


def test_every_route_is_in_the_table():
    routes = _app_routes(ROUTE_APP)
    missing = sorted(routes - set(TABLE))
    assert not missing, f"Add a row to the permission table in {__file__} for each of: {missing}"
    stale = sorted(set(TABLE) - routes)
    assert not stale, f"These rows are in the table but not in the app: {stale}"


def test_every_rule_is_reached_by_a_case():
    """An endpoint with two rules (a need's /lots/add and /lots/<id>) has a case for each."""
    adapter = ROUTE_APP.url_map.bind("localhost")
    reached = set()
    with ROUTE_APP.test_request_context():
        for (endpoint, method), cases in TABLE.items():
            for c in cases:
                url = url_for(endpoint, **{k: v.value if isinstance(v, Literal) else 1 for k, v in c.args.items()})
                rule, _ = adapter.match(urlsplit(url).path, method=method, return_rule=True)
                reached.add((rule.rule, method))
    rules = {
        (rule.rule, method)
        for rule in ROUTE_APP.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(rules - reached) == []


def test_every_row_names_every_role():
    for key, cases in TABLE.items():
        for c in cases:
            assert set(c.outcome) == set(ROLES), key


# The rules the table must keep, read from the table itself ------------------------------


def _allowed(role: str, method: str | None = None) -> set[str]:
    return {
        endpoint
        for (endpoint, m), cases in TABLE.items()
        if method in (None, m)
        for c in cases
        if c.outcome[role] == OK
    }


# POSTs every account makes about itself or without an account: signing in and out (the
# second factor's pages too), registering, the emailed links, stopping following a need,
# how it gets emails; and the feedback form anyone a contract supports may fill in.
OWN_ACCOUNT_POSTS = {
    "feedback.give",
    "accounts.accept_invitation",
    "accounts.forgot_password",
    "organisations.register",
    "accounts.resend_verification",
    "accounts.reset_password",
    "accounts.sign_in",
    "accounts.sign_out",
    "needs.unfollow_need",
    "accounts.enter_code",
    "accounts.enter_recovery_code",
    "accounts.set_up_authenticator",
    "accounts.turn_on_two_factor",
    "accounts.turn_off_two_factor",
    "accounts.email_settings",
    "accounts.language_settings",
}


def test_board_members_change_nothing_but_sign_offs_and_ratings():
    assert _allowed("board_member", "POST") - OWN_ACCOUNT_POSTS == {"evaluation.sign_off", "board.rate"}


def test_an_adviser_changes_nothing_but_their_declarations_and_scores():
    assert _allowed("adviser", "POST") - OWN_ACCOUNT_POSTS == {"evaluation.declare", "evaluation.score"}


def test_an_adviser_reaches_only_their_panel_and_what_every_account_does():
    """Not the whole bid, its documents or the list of bids, not the area's pages, the
    award, contracts, payments or boards: only their own panel pages of the closed need."""
    panel_pages = {"evaluation.declare", "evaluation.my_evaluation", "evaluation.overview", "evaluation.score"}
    assert _allowed("adviser") - _allowed("owner_b") - _allowed("admin") == panel_pages


def test_finance_officers_change_nothing_but_payments():
    assert _allowed("finance", "POST") - OWN_ACCOUNT_POSTS == {"payments.record", "payments.release"}


def test_admins_never_reach_a_bid_an_evaluation_or_a_contract():
    """Beyond what every account reaches (its own list of bids, empty for an admin)."""
    reached = _allowed("admin") - {e for e in _allowed("owner_b") & _allowed("commissioner") if e.startswith("bids.")}
    assert not {e for e in reached if e.split(".")[0] in ("bids", "evaluation", "delivery", "contracts", "payments")}


def test_nobody_on_the_commissioning_side_reads_a_bid_before_closing():
    for endpoint in ("bids.view_submitted", "bids.submitted_document"):
        before_closing = next(c for c in TABLE[(endpoint, "GET")] if c.args["need_id"] == "open_need")
        assert {r for r in ROLES if before_closing.outcome[r] == OK} == set()


def test_a_provider_never_learns_of_another_providers_bid():
    """404 on a bid's own pages; the commissioning side's pages of a need refuse a provider
    for the need (403) before any bid is looked at."""
    for (endpoint, _), cases in TABLE.items():
        for c in cases:
            if c.args.get("bid_id") in ("open_bid_a", "closed_bid_a", "contract_bid_a"):
                assert c.outcome["owner_b"] == (403 if "need_id" in c.args else 404), endpoint


def test_a_commissioner_of_another_region_reaches_nothing_of_east_kent():
    """Only what every account reaches, and what is London's own."""
    for (endpoint, method), cases in TABLE.items():
        for c in cases:
            if c.outcome["other_commissioner"] != OK or c.args.get("need_id") == "elsewhere_draft":
                continue
            everyone = all(c.outcome[r] == OK for r in SIGNED_IN) or endpoint == "needs.new_need"
            assert everyone, (endpoint, method, c.args)


# The world ------------------------------------------------------------------------------

# Each marker is plain text (no character HTML escapes), put where only some may read it.
OPEN_A_ANSWER = "Open-bid-A-marker-7c31"
OPEN_A_PRICE = 4_712_345
OPEN_A_DOCUMENT = b"month,women\nopen-bid-A-document-marker-51e0,10\n"
OPEN_B_ANSWER = "Open-bid-B-marker-2f94"
CLOSED_A_ANSWER = "Closed-bid-A-marker-88d2"
DRAFT_TITLE = "Draft-need-marker-4a17"
ELSEWHERE_DRAFT_TITLE = "Elsewhere-draft-marker-90be"
DRAFT_REPORT_NARRATIVE = "Draft-report-marker-3d55"
DRAFT_EVIDENCE = b"month,people\ndraft-evidence-marker-6b21,3\n"
SENT_EVIDENCE = b"month,people\nsent-evidence-6b22,4\n"
HELD_COMMENT = "Held-feedback-marker-5c08"
PUBLISHED_ORIGINAL = "Unedited-feedback-marker-7e13"


def _markers(ids: dict) -> list[tuple[str, list[bytes], frozenset]]:
    """(what, the bytes that tell it, the roles who may read it)."""
    return [
        ("A's open bid", [OPEN_A_ANSWER.encode(), b"47,123.45", OPEN_A_DOCUMENT], PARTIES),
        ("B's open bid", [OPEN_B_ANSWER.encode()], frozenset({"owner_b"})),
        ("A's closed bid", [CLOSED_A_ANSWER.encode()], LEAD | OVERSEERS | {"evaluator"}),
        ("East Kent's draft need", [DRAFT_TITLE.encode()], COMMISSIONER),
        ("London's draft need", [ELSEWHERE_DRAFT_TITLE.encode()], frozenset({"other_commissioner"})),
        ("a feedback comment held", [HELD_COMMENT.encode()], LEAD | OVERSEERS),
        ("a feedback comment as written, since published", [PUBLISHED_ORIGINAL.encode()], frozenset()),
        ("the draft report", [DRAFT_REPORT_NARRATIVE.encode(), DRAFT_EVIDENCE], LEAD),
        # Live links are for their recipients' inboxes: no page shows one.
        (
            "a live emailed link",
            [ids[k].encode() for k in ("bid_invitation", "staff_invitation", "reset_token", "verify_token")],
            frozenset(),
        ),
    ]


def _build() -> tuple[dict, dict]:
    """The people and objects of the table. Returns (ids by world name, users by role)."""
    now = utcnow()
    admin = factories.make_user(admin=True, name="Ada Admin")
    org_a = factories.make_organisation("Alder Women's Trust", verifier=admin)
    org_b = factories.make_organisation("Birch Mentoring CIC", verifier=admin)
    org_p = factories.make_organisation("Partner Projects", verifier=admin)
    org_u = factories.make_organisation("Unverified Outreach", verified=False)
    factories.make_provider(organisation=org_u)
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    evaluator = factories.make_area_staff(Role.EVALUATOR, "N57EKNT")
    users = {
        "owner_a": factories.make_provider(Role.OWNER, org_a),
        "member_a": factories.make_provider(Role.MEMBER, org_a),
        "partner": factories.make_provider(Role.OWNER, org_p),
        "owner_b": factories.make_provider(Role.OWNER, org_b),
        "commissioner": commissioner,
        "evaluator": evaluator,
        "adviser": factories.make_user(two_factor=True, name="Ade Adviser"),
        "board_member": factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT"),
        "finance": factories.make_area_staff(Role.FINANCE, "N57EKNT"),
        "other_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "admin": admin,
    }
    owner_a, owner_b, partner = users["owner_a"], users["owner_b"], users["partner"]
    ids = {
        "east_kent": factories.area("N57EKNT").id,
        "org_a": org_a.id,
        "org_u": org_u.id,
        "member_a_user": users["member_a"].id,
    }
    ids["member_a_membership"] = next(m.id for m in users["member_a"].memberships if m.organisation_id == org_a.id)

    # Drafts: East Kent's (with a lot, a quality question and a document) and London's.
    draft = factories.make_need(commissioner=commissioner, published=False, title=f"{DRAFT_TITLE}: housing")
    document = need_documents.store_document(draft, filename="draft-plan.csv", data=b"a,b\n1,2\n", actor=commissioner)
    ids.update(
        draft_need=draft.id,
        draft_lot=draft.lots[0].id,
        draft_criterion=draft.criteria[0].id,
        draft_document=document.id,
    )
    elsewhere = factories.make_need(
        area_code="N07LEBR",
        commissioner=users["other_commissioner"],
        published=False,
        title=f"{ELSEWHERE_DRAFT_TITLE}: mentoring",
    )
    ids["elsewhere_draft"] = elsewhere.id

    # The open need: A's consortium bid with P (submitted, with a document), B's bid, A's
    # question, A's follow and saved search, and an emailed invitation to a second partner.
    open_need = factories.make_need(commissioner=commissioner, title="Open need")
    bid_a = factories.make_bid(open_need, provider=owner_a, price_pence=OPEN_A_PRICE, submit=False)
    drafting.save_answers(
        bid_a, answers={c.id: f"{OPEN_A_ANSWER}: our plan" for c in open_need.criteria}, actor=owner_a
    )
    bid_partner, _ = consortium.invite_partner(
        bid_a, organisation=org_p, work_percent=30, price_percent=30, actor=owner_a
    )
    consortium.set_shares(
        bid_a,
        lead_work_percent=70,
        lead_price_percent=70,
        partner_shares={bid_partner.id: (30, 30)},
        actor=owner_a,
    )
    consortium.confirm_partner(bid_partner, actor=partner)
    bid_document = drafting.add_document(bid_a, filename="plan.csv", data=OPEN_A_DOCUMENT, actor=owner_a)
    submission.submit_bid(bid_a, actor=owner_a)
    _, invitation_token = consortium.invite_partner(
        bid_a, name="Invited Org", email="invited@example.org", work_percent=1, price_percent=0, actor=owner_a
    )
    bid_b = factories.make_bid(open_need, provider=owner_b, submit=False)
    drafting.save_answers(
        bid_b, answers={c.id: f"{OPEN_B_ANSWER}: our plan" for c in open_need.criteria}, actor=owner_b
    )
    submission.submit_bid(bid_b, actor=owner_b)
    question = questions.ask_question(
        open_need, organisation=org_a, actor=owner_a, text="Can the service run in the evening?"
    )
    following.follow_need(open_need, actor=owner_a)
    saved = digest.create_saved_search(actor=owner_a, area_ids=[], category_ids=[])
    ids.update(
        open_need=open_need.id,
        open_bid_a=bid_a.id,
        open_criterion=open_need.criteria[0].id,
        open_bid_b=bid_b.id,
        open_bid_a_document=bid_document.id,
        open_bid_a_partner=bid_partner.id,
        bid_invitation=invitation_token,
        question=question.id,
        saved_search=saved.id,
    )
    ids["email"] = db.session.scalar(sa.select(OutboxEmail.id).where(OutboxEmail.to == "invited@example.org"))

    # The closed need: A's price is abnormally low and A has been asked to explain it; the
    # evaluator is on the panel and declared no conflict.
    closed = factories.make_need(commissioner=commissioner, title="Closed need")
    closed_a = factories.make_bid(closed, provider=owner_a, price_pence=1_000_000, submit=False)
    drafting.save_answers(
        closed_a, answers={c.id: f"{CLOSED_A_ANSWER}: our plan" for c in closed.criteria}, actor=owner_a
    )
    submission.submit_bid(closed_a, actor=owner_a)
    factories.make_bid(closed, provider=owner_b, price_pence=4_500_000)
    factories.close_need(closed)
    assert closing.check_at_closing(closed) and closed_a.low_flagged_at is not None
    member = panel.assign_evaluator(closed, evaluator, actor=commissioner)
    panel.declare_conflicts(closed, evaluator, {o.id: (False, "") for o in panel.bidding_organisations(closed)})
    low_bids.request_explanation(
        closed_a,
        request="Explain how you can deliver at this price.",
        respond_by=timing.earliest_respond_by(now),
        actor=commissioner,
    )
    adviser = users["adviser"]
    place = advisers.invite_adviser(
        closed,
        name=adviser.name,
        email=adviser.email,
        paid=False,
        fee_pence=None,
        chosen=[SOCIAL_VALUE],
        actor=commissioner,
    )
    accounts.accept_invitation(place.invitation, adviser)
    panel.declare_conflicts(closed, adviser, {o.id: (False, "") for o in panel.bidding_organisations(closed)})
    waiting = advisers.invite_adviser(
        closed,
        name="Wyn Waiting",
        email="waiting.adviser@example.org",
        paid=True,
        fee_pence=15_000,
        chosen=[SOCIAL_VALUE],
        actor=commissioner,
    )
    ids.update(closed_need=closed.id, closed_lot=closed.lots[0].id, closed_bid_a=closed_a.id, panel_member=member.id)
    ids["waiting_adviser"] = waiting.id

    # A decision over the sign-off threshold, waiting for the board.
    sign_off = _evaluated("Sign-off need", commissioner, evaluator, owner_a, owner_b, lots=(15_000_000,))
    decision = award.decide(sign_off.lot, bid=sign_off.bids[0], reasons="The best plan.", actor=commissioner)
    assert decision.is_waiting_for_sign_off
    ids["sign_off_decision"] = decision.id

    # A's contract (P a party too): the advance payable, milestone 1's report submitted with
    # a file, milestone 2's a draft with a file, a variation waiting, a yearly rating.
    awarded = _evaluated("Contract need", commissioner, evaluator, owner_a, owner_b, lots=(5_000_000,))
    decision = award.decide(awarded.lot, bid=awarded.bids[0], reasons="Best value.", actor=commissioner)
    starts_on = london_date(now) - timedelta(days=1)
    ends_on = starts_on + timedelta(days=400)
    contract = contracts.create_contract(
        decision,
        starts_on=starts_on,
        ends_on=ends_on,
        schedule=[
            contracts.Line(line.number, line.title, line.amount_pence, min(line.due_on, ends_on))
            for line in contracts.proposed_schedule(decision, starts_on)
        ],
        outcome_ids=[o.id for o in awarded.need.outcomes],
        actor=commissioner,
    )
    db.session.add(
        ContractParty(
            contract_id=contract.id,
            organisation_id=org_p.id,
            role=PartyRole.PARTNER,
            work_percent=0,
            price_percent=0,
        )
    )
    db.session.flush()
    db.session.expire(contract, ["parties"])
    ids["contract_ocid"] = ocid_for(awarded.need.id)  # its releases: award, contract, report
    milestones = {m.number: m for m in contract.milestones}
    sent = drafts.start_report(milestones[1], owner_a)
    drafts.save_report(
        sent,
        referred=10,
        started=8,
        completed=5,
        outcomes={o.id: (2, 1, 1) for o in contract.outcomes},
        narrative="Weekly sessions ran in Canterbury.",
        case_study="",
        actor=owner_a,
    )
    sent_evidence = evidence.add_evidence(sent, "sent.csv", SENT_EVIDENCE, owner_a)
    drafts.submit_report(sent, owner_a)
    draft_report = drafts.start_report(milestones[2], owner_a)
    drafts.save_report(
        draft_report,
        referred=3,
        started=None,
        completed=None,
        outcomes={},
        narrative=f"{DRAFT_REPORT_NARRATIVE}: not sent yet",
        case_study="",
        actor=owner_a,
    )
    draft_evidence = evidence.add_evidence(draft_report, "draft.csv", DRAFT_EVIDENCE, owner_a)
    [payment] = payments.payments_of(contract)
    variation = variations.propose(
        contract,
        ends_on=ends_on + timedelta(days=30),
        amounts={m.number: m.amount_pence for m in contract.milestones},
        due_dates={m.number: m.due_on for m in contract.milestones},
        reason="The service runs a month longer.",
        actor=commissioner,
    )
    [due] = reviews.due(contract, london_date(now))
    review = reviews.rate(
        contract, period=due.key, rating="good", comment="A strong start.", actor=users["board_member"]
    )
    link = feedback.make_link(contract)
    answers = {"helped": "yes", "changes": [], "treated": 5, "recommend": "yes", "today": london_date(now)}
    held = feedback.give(link, comment=f"{HELD_COMMENT}: kind staff", **answers)
    published = feedback.give(link, comment=f"{PUBLISHED_ORIGINAL}: Sam helped", **answers)
    feedback.decide(published, publish=True, text="Staff helped me.", actor=commissioner)
    ids.update(feedback_code=link.code, feedback_comment=held.id)
    ids.update(
        contract_bid_a=awarded.bids[0].id,
        contract=contract.id,
        milestone_1=milestones[1].id,
        milestone_2=milestones[2].id,
        sent_evidence=sent_evidence.id,
        draft_evidence=draft_evidence.id,
        payment=payment.id,
        variation=variation.id,
        review=review.id,
    )

    # The emailed links of accounts: a staff invitation, a password reset, an email to confirm.
    invitation = accounts.invite(
        email="new.evaluator@example.org",
        role=Role.EVALUATOR,
        actor=admin,
        area=factories.area("N57EKNT"),
    )
    unconfirmed = factories.make_user(verified=False)
    member_a = users["member_a"]
    ids.update(
        staff_invitation=tokens.make_token("invitation", {"i": invitation.id, "e": invitation.email}),
        reset_token=tokens.make_token("reset-password", {"u": member_a.id, "n": member_a.session_nonce}),
        verify_token=tokens.make_token("verify-email", {"u": unconfirmed.id, "e": unconfirmed.email}),
    )
    # A published Justice Data Lab result for A's service (issue 24: admins record and withdraw).
    ids["jdl_result"] = _jdl_result(org_a, admin).id
    db.session.flush()
    return ids, users


def _jdl_result(organisation, admin):
    from datetime import date

    from marketplace.organisations import justice_data_lab
    from marketplace.reference.models import ServiceCategory

    return justice_data_lab.record(
        actor=admin,
        organisation_id=organisation.id,
        service_name="Alder Women's Support",
        category_id=db.session.scalars(sa.select(ServiceCategory.id).order_by(ServiceCategory.id)).first(),
        cohort_size=120,
        cohort_rate_tenths=281,
        comparison_rate_tenths=340,
        difference_lower_tenths=-96,
        difference_upper_tenths=-22,
        significance=justice_data_lab.Significance.REDUCTION,
        published_on=date(2025, 3, 27),
        url="https://www.gov.uk/government/statistics/justice-data-lab",
    )


def _evaluated(title, commissioner, evaluator, *providers, lots):
    """A closed need with a bid of each provider (the first scored best), scored by the
    evaluator, moderated and closed: ready to decide."""
    need = factories.make_need(commissioner=commissioner, title=title, lots=lots)
    made = [
        factories.make_bid(need, provider=p, price_pence=lots[0] - 500_000 * i)
        for i, p in enumerate(providers, start=1)
    ]
    factories.close_need(need)
    panel.assign_evaluator(need, evaluator, actor=commissioner)
    panel.declare_conflicts(need, evaluator, {o.id: (False, "") for o in panel.bidding_organisations(need)})
    ev = SimpleNamespace(need=need, lot=need.lots[0], commissioner=commissioner, evaluators=[evaluator], bids=made)
    factories.score_all(ev, {0: 4})
    return ev


def _fresh_request_globals(sender, **extra):
    """An empty `g` for every request, as in production (see conftest.py)."""
    g.__dict__.clear()


@dataclass
class World:
    app: object
    connection: object
    ids: dict
    cookies: dict  # the session cookie of each role, signed in
    csrf: dict  # each role's CSRF token
    markers: list
    counts: object  # one statement: the rows of every table
    baseline: dict = field(default_factory=dict)  # the counts of the world as built

    def url(self, endpoint: str, c: Case) -> str:
        values = {k: v.value if isinstance(v, Literal) else self.ids[v] for k, v in c.args.items()}
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def row_counts(self) -> dict[str, int]:
        return dict(db.session.execute(self.counts).mappings().one())

    def attempt(self, role: str, method: str, url: str, *, refused: bool):
        """One request by `role`, inside a savepoint rolled back after it. Returns the
        response, and for a refused POST the tables whose row counts it changed (every
        request starts from the world as built, so from the same counts)."""
        savepoint = self.connection.begin_nested()
        try:
            limiter.reset()
            client = self.app.test_client()
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[role])
            response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": self.csrf[role]})
            response.get_data()  # read a streamed file before its savepoint goes
            changed = []
            if method == "POST" and refused:
                db.session.remove()
                after = self.row_counts()
                changed = sorted(t for t in self.baseline if self.baseline[t] != after[t])
            return response, changed
        finally:
            db.session.remove()
            savepoint.rollback()


def _row_counts_statement():
    """Every table's row count in one query; the audit trail's without the refusals it
    records (a refused read of a sealed bid is audited, by design), and without the stash
    of what a signed-out person typed into a bid (kept for them, by design)."""
    columns = []
    for table in db.metadata.sorted_tables:
        if table.name == "stashed_forms":
            continue
        query = sa.select(sa.func.count()).select_from(table)
        if table.name == "audit_events":
            query = query.where(table.c.action.not_like("%refused"))
        columns.append(query.scalar_subquery().label(table.name))
    return sa.select(*columns)


@pytest.fixture(scope="module")
def world(app, tmp_path_factory):
    """The world, built once per database in one transaction rolled back at the end (as the
    per-test db_session fixture does, for the whole module), every role signed in."""
    saved_uploads = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path_factory.mktemp("uploads"))
    context = app.app_context()
    context.push()
    connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
    )
    request_started.connect(_fresh_request_globals, app)
    try:
        limiter.reset()
        ids, users = _build()
        emails = {role: user.email for role, user in users.items()}
        db.session.commit()
        db.session.remove()
        cookies, csrf = {}, {}
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                sign_in(client, emails[role])
                assert client.get("/account").status_code == 200, f"{role} is not signed in"
            csrf[role] = csrf_token(client, "/" if role != "anonymous" else "/sign-in")
            cookies[role] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        db.session.remove()
        built = World(app, connection, ids, cookies, csrf, _markers(ids), _row_counts_statement())
        built.baseline = built.row_counts()
        db.session.remove()
        yield built
    finally:
        request_started.disconnect(_fresh_request_globals, app)
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()
        context.pop()
        app.config["UPLOAD_FOLDER"] = saved_uploads


# The test -------------------------------------------------------------------------------


def _outcome(method: str, response) -> object:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return SIGN_IN if urlsplit(response.headers["Location"]).path == "/sign-in" else OK
    if 200 <= status < 300:
        return OK
    if status == 400 and method == "POST" and b"Your form could not be sent" not in response.get_data():
        return OK  # the empty form refused by its own checks, past the permission's
    return status


@pytest.mark.parametrize("endpoint, method", ROWS, ids=[f"{e}-{m}" for e, m in ROWS])
def test_route_permission_table(world, endpoint, method):
    """Every role against every case of one row; a failure names each wrong outcome."""
    failures = []
    for c in TABLE[(endpoint, method)]:
        url = world.url(endpoint, c)
        saved = {key: world.app.config[key] for key in c.settings if key in world.app.config}
        world.app.config.update(c.settings)
        try:
            for role in ROLES:
                expected = c.outcome[role]
                response, changed = world.attempt(role, method, url, refused=expected != OK)
                got = expected if response.status_code == expected else _outcome(method, response)
                if response.status_code >= 500:
                    failures.append(f"{method} {url} as {role}: {response.status_code}")
                elif got != expected:
                    failures.append(f"{method} {url} as {role}: {response.status_code} ({got}), expected {expected}")
                if expected != OK and changed:
                    failures.append(f"{method} {url} as {role}, refused, changed the rows of {changed}")
                body = response.get_data()
                for what, markers, readers in world.markers:
                    if role not in readers and any(m in body for m in markers if m.decode(errors="ignore") not in url):
                        failures.append(f"{method} {url} as {role}: the response shows {what}")
        finally:
            for key in c.settings:
                world.app.config.pop(key, None)
            world.app.config.update(saved)
    assert not failures, "\n".join(failures)


# The table's reading of responses finds what it looks for where it is shown ----------------

SHOWN = [
    # (role, URL pattern, the marker's name)
    ("owner_a", "/bids/{open_bid_a}/check", "A's open bid"),
    ("partner", "/bids/{open_bid_a}/documents/{open_bid_a_document}", "A's open bid"),
    ("owner_b", "/bids/{open_bid_b}/check", "B's open bid"),
    ("commissioner", "/needs/{closed_need}/bids/{closed_bid_a}", "A's closed bid"),
    ("evaluator", "/needs/{closed_need}/evaluation/bids/{closed_bid_a}/score", "A's closed bid"),
    ("commissioner", "/needs/{draft_need}/manage", "East Kent's draft need"),
    ("other_commissioner", "/needs/{elsewhere_draft}/manage", "London's draft need"),
    ("owner_a", "/contracts/{contract}/milestones/{milestone_2}/report", "the draft report"),
    ("member_a", "/contracts/{contract}/milestones/{milestone_2}/report/evidence/{draft_evidence}", "the draft report"),
]


@pytest.mark.parametrize("role, pattern, what", SHOWN, ids=[f"{r}-{w}" for r, _, w in SHOWN])
def test_the_markers_are_found_where_they_are_shown(world, role, pattern, what):
    """So a response without them means they are not there, not that the table cannot see them."""
    markers = next(m for name, m, _ in world.markers if name == what)
    response, _ = world.attempt(role, "GET", pattern.format(**world.ids), refused=False)
    assert response.status_code == 200
    assert any(m in response.get_data() for m in markers)


def test_the_service_team_reads_no_bid_and_no_live_link_in_any_email_or_the_audit_trail(world):
    """Every email the world queued (bid receipts, partners' invitations, evaluation, award,
    contract, reports, reviews, accounts) and every page of the audit trail, as the admin
    reads them: nothing the admin may not read (see the table's markers)."""
    hidden = [(what, markers) for what, markers, readers in world.markers if "admin" not in readers]
    email_ids = db.session.scalars(sa.select(OutboxEmail.id).order_by(OutboxEmail.id)).all()
    db.session.remove()
    assert len(email_ids) > 20
    pages = [f"/admin/emails/{i}" for i in email_ids] + ["/admin/emails", "/admin/audit", "/admin/audit?page=2"]
    shown = []
    for url in pages:
        response, _ = world.attempt("admin", "GET", url, refused=False)
        assert response.status_code == 200, url
        shown += [f"{url}: {what}" for what, markers in hidden if any(m in response.get_data() for m in markers)]
    assert shown == []


def test_the_row_counts_see_a_write(world):
    """The table's check that a refused POST wrote nothing sees a POST that did."""
    _, changed = world.attempt("owner_b", "POST", f"/needs/{world.ids['open_need']}/follow", refused=True)
    assert "audit_events" in changed and "follows" in changed
    _, changed = world.attempt("owner_b", "POST", f"/needs/{world.ids['open_need']}/follow", refused=True)
    assert "follows" in changed  # the first one was rolled back
