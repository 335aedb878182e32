"""The permission module's decisions, as a table of role x action x object."""

import pytest
from flask_login import AnonymousUserMixin

from marketplace.accounts.models import Membership, Role
from marketplace.extensions import db
from marketplace.needs.models import Question
from marketplace.permissions import Action, can
from marketplace.timeutil import utcnow

from . import factories

ACTORS = [
    "anonymous",
    "unverified_owner",
    "outsider",
    "member",
    "owner",
    "other_owner",
    "pdu_commissioner",
    "region_commissioner",
    "other_region_commissioner",
    "evaluator",
    "board_member",
    "finance",
    "admin",
    "deactivated_admin",
]


@pytest.fixture
def world(db_session):
    """Organisation A (with an owner and a member), organisation B, and area staff in Kent."""
    org_a = factories.make_organisation("Organisation A")
    org_b = factories.make_organisation("Organisation B")
    owner = factories.make_provider(Role.OWNER, org_a)
    actors = {
        "anonymous": AnonymousUserMixin(),
        "unverified_owner": factories.make_provider(Role.OWNER, org_a, verified=False),
        "outsider": factories.make_user(),
        "member": factories.make_provider(Role.MEMBER, org_a),
        "owner": owner,
        "other_owner": factories.make_provider(Role.OWNER, org_b),
        "pdu_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N57EKNT"),
        "region_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N57"),
        "other_region_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "evaluator": factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "board_member": factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT"),
        "finance": factories.make_area_staff(Role.FINANCE, "N57EKNT"),
        "admin": factories.make_user(admin=True),
        "deactivated_admin": factories.make_user(admin=True, deactivated_at=utcnow()),
    }
    from datetime import timedelta

    open_need = factories.make_need(title="Open need")
    closed_need = factories.make_need(title="Closed need")
    closed_need.closes_at = utcnow() - timedelta(hours=1)
    closed_need.question_deadline = utcnow() - timedelta(days=1)
    past_questions = factories.make_need(title="Questions closed")
    past_questions.question_deadline = utcnow() - timedelta(hours=1)
    # A bid led by organisation A with B as its partner, on the open need; and one by A on
    # a need that has since closed.
    from marketplace.bids import consortium

    open_bid = factories.make_bid(open_need, provider=owner, submit=False)
    partner, _ = consortium.invite_partner(open_bid, organisation=org_b, work_percent=30, price_percent=30, actor=owner)
    closing_need = factories.make_need(title="Closing need")
    closed_bid = factories.make_bid(closing_need, provider=owner)
    closing_need.closes_at = utcnow() - timedelta(minutes=1)
    closing_need.question_deadline = utcnow() - timedelta(days=1)
    # Evaluation of the closed bid: the evaluator on the panel with no conflict, a decision
    # waiting for sign-off, an explanation asked for, a summary sent and a contract.
    from marketplace.board.models import PartnershipReview, Rating, ReviewKind
    from marketplace.contracts.models import (
        Contract,
        ContractMilestone,
        ContractParty,
        ContractVariation,
        PartyRole,
    )
    from marketplace.delivery.models import OutcomeReport
    from marketplace.evaluation import panel
    from marketplace.evaluation.models import (
        AssessmentSummary,
        AwardDecision,
        AwardOutcome,
        LowBidReview,
    )
    from marketplace.payments.models import Payment

    commissioner = actors["pdu_commissioner"]
    panel.assign_evaluator(closing_need, actors["evaluator"], actor=commissioner)
    panel.declare_conflicts(closing_need, actors["evaluator"], {org_a.id: (False, "")})
    now = utcnow()
    decision = AwardDecision(
        lot_id=closed_bid.lot_id,
        outcome=AwardOutcome.AWARD,
        bid_id=closed_bid.id,
        reasons="Best value",
        decided_at=now,
        decided_by_id=commissioner.id,
        needs_sign_off=True,
    )
    review = LowBidReview(
        bid_id=closed_bid.id,
        requested_at=now,
        requested_by_id=commissioner.id,
        request="Explain your price",
        respond_by=now + timedelta(days=3),
    )
    db.session.add_all([decision, review])
    db.session.flush()
    summary = AssessmentSummary(decision_id=decision.id, bid_id=closed_bid.id, content={}, sent_at=now)
    contract = Contract(
        need_id=closing_need.id,
        lot_id=closed_bid.lot_id,
        bid_id=closed_bid.id,
        decision_id=decision.id,
        organisation_id=org_a.id,
        title="Contract",
        value_pence=100,
        expected_people=1,
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=365),
        created_by_id=commissioner.id,
    )
    contract.parties.append(
        ContractParty(organisation_id=org_a.id, role=PartyRole.LEAD, work_percent=100, price_percent=100)
    )
    milestone = ContractMilestone(number=1, title="End", amount_pence=100, due_on=now.date())
    contract.milestones.append(milestone)
    db.session.add_all([summary, contract])
    db.session.flush()
    payment = Payment(contract_id=contract.id, milestone_id=milestone.id, amount_pence=100, payable_at=now)
    report = OutcomeReport(contract_id=contract.id, milestone_id=milestone.id, created_by_id=owner.id)
    variation = ContractVariation(
        contract_id=contract.id, reason="Longer", changes={}, before={}, proposed_at=now, proposed_by_id=commissioner.id
    )
    rating = PartnershipReview(
        contract_id=contract.id,
        kind=ReviewKind.YEARLY,
        financial_year=2026,
        rating=Rating.GOOD,
        comment="Fine.",
        rated_by_id=actors["board_member"].id,
    )
    db.session.add_all([payment, report, variation, rating])
    db.session.flush()
    from marketplace.delivery.models import ReportDocument

    def evidence(name):
        return ReportDocument(
            report_id=report.id,
            filename=name,
            content_type="text/csv",
            size_bytes=3,
            sha256=name.ljust(64, "0"),
            storage_key=name.ljust(64, "k"),
            uploaded_by_id=owner.id,
        )

    draft_evidence, sent_evidence = evidence("draft"), evidence("sent")
    # A second, submitted report on another milestone sends its file.
    sent_milestone = ContractMilestone(number=2, title="Later", amount_pence=100, due_on=now.date())
    contract.milestones.append(sent_milestone)
    db.session.flush()
    sent_report = OutcomeReport(contract_id=contract.id, milestone_id=sent_milestone.id, created_by_id=owner.id)
    db.session.add(sent_report)
    db.session.flush()
    sent_evidence.report_id = sent_report.id
    from marketplace.delivery.models import ReportSubmission

    db.session.add_all(
        [
            draft_evidence,
            sent_evidence,
            ReportSubmission(
                report_id=sent_report.id,
                number=1,
                content={"documents": [{"sha256": sent_evidence.sha256}]},
                submitted_at=now,
                submitted_by_id=owner.id,
            ),
        ]
    )
    unverified_org = factories.make_organisation("Unverified C", verified=False)
    db.session.add(Membership(user=actors["owner"], organisation=unverified_org, role=Role.OWNER))
    db.session.flush()
    return {
        "actors": actors,
        "objects": {
            "verified_org": org_a,
            "unverified_org": unverified_org,
            "east_kent": factories.area("N57EKNT"),
            "west_kent": factories.area("N57KECL"),
            "none": None,
            "draft_need": factories.make_need(title="Draft need", published=False),
            "open_need": open_need,
            "closed_need": closed_need,
            "past_questions": past_questions,
            "member_user": actors["member"],
            "admin_user": actors["admin"],
            "open_bid": open_bid,
            "closed_bid": closed_bid,
            "closed_revision": closed_bid.revisions[-1],
            "panel_need": closing_need,
            "waiting_decision": decision,
            "low_review": review,
            "summary": summary,
            "contract": contract,
            "payment": payment,
            "report": report,
            "variation": variation,
            "rating": rating,
            "draft_evidence": draft_evidence,
            "sent_evidence": sent_evidence,
            "org_a": org_a,
            "question": Question(
                need_id=open_need.id, organisation_id=org_a.id, asked_by_id=owner.id, text="Can we bid for both lots?"
            ),
        },
    }


# Commissioners of the need's PDU (East Kent) or of its region (Kent, Surrey & Sussex).
COMMISSIONERS = {"pdu_commissioner", "region_commissioner"}
# Verified, active members of provider organisations.
PROVIDERS = {"member", "owner", "other_owner"}
# Members of organisation A, which leads the bids; B ("other_owner") is A's partner.
LEAD = {"member", "owner"}


# action, object, the actors allowed (everyone else is refused)
TABLE = [
    (Action.VIEW_ORGANISATION, "verified_org", set(ACTORS)),
    (Action.VIEW_ORGANISATION, "unverified_org", {"owner", "admin"}),
    (Action.EDIT_ORGANISATION, "verified_org", {"member", "owner"}),
    (Action.EDIT_ORGANISATION, "unverified_org", {"owner"}),
    (Action.MANAGE_MEMBERS, "verified_org", {"owner"}),
    (Action.VERIFY_ORGANISATION, "verified_org", set()),
    (Action.VERIFY_ORGANISATION, "unverified_org", {"admin"}),
    (
        Action.VIEW_AREA_STAFF,
        "east_kent",
        {"pdu_commissioner", "region_commissioner", "evaluator", "board_member", "finance", "admin"},
    ),
    (Action.VIEW_AREA_STAFF, "west_kent", {"region_commissioner", "admin"}),
    (Action.INVITE_AREA_STAFF, "east_kent", {"admin"}),
    (Action.VIEW_ADMIN, "none", {"admin"}),
    (Action.DEACTIVATE_USER, "member_user", {"admin"}),
    (Action.DEACTIVATE_USER, "admin_user", set()),  # an admin cannot lock themselves out
    (Action.RESET_TWO_FACTOR, "member_user", {"admin"}),
    (Action.RESET_TWO_FACTOR, "admin_user", set()),  # another admin must check who is asking
    (Action.CREATE_NEED, "east_kent", COMMISSIONERS),
    (Action.CREATE_NEED, "west_kent", {"region_commissioner"}),
    (Action.VIEW_NEED, "draft_need", COMMISSIONERS),
    (Action.VIEW_NEED, "open_need", set(ACTORS)),
    (Action.VIEW_NEED, "closed_need", set(ACTORS)),
    (Action.EDIT_NEED, "draft_need", COMMISSIONERS),
    (Action.EDIT_NEED, "open_need", COMMISSIONERS),
    (Action.EDIT_NEED, "closed_need", set()),
    (Action.PUBLISH_NEED, "draft_need", COMMISSIONERS),
    (Action.PUBLISH_NEED, "open_need", set()),
    (Action.WITHDRAW_NEED, "open_need", COMMISSIONERS),
    (Action.WITHDRAW_NEED, "draft_need", set()),
    (Action.WITHDRAW_NEED, "closed_need", set()),
    (Action.CANCEL_NEED, "draft_need", COMMISSIONERS),
    (Action.CANCEL_NEED, "closed_need", COMMISSIONERS),
    (Action.FOLLOW_NEED, "open_need", PROVIDERS),
    (Action.FOLLOW_NEED, "draft_need", set()),
    (Action.FOLLOW_NEED, "closed_need", set()),
    (Action.ASK_QUESTION, "open_need", PROVIDERS),
    (Action.ASK_QUESTION, "past_questions", set()),
    (Action.ASK_QUESTION, "closed_need", set()),
    (Action.ANSWER_QUESTION, "open_need", COMMISSIONERS),
    (Action.LIST_OWN_QUESTIONS, "open_need", PROVIDERS),
    (Action.VIEW_SENT_QUESTION, "question", LEAD),
    (Action.SAVE_SEARCH, "none", PROVIDERS),
    (Action.START_BID, "open_need", PROVIDERS),
    (Action.START_BID, "draft_need", set()),
    (Action.START_BID, "closed_need", set()),
    # Nobody on the commissioning side, and no admin: they read bids only through
    # bids.access after closing (tests/bids/test_sealed.py).
    (Action.VIEW_BID, "open_bid", LEAD | {"other_owner"}),
    (Action.VIEW_BID, "closed_bid", LEAD),
    (Action.EDIT_BID, "open_bid", LEAD),
    (Action.EDIT_BID, "closed_bid", set()),
    (Action.SUBMIT_BID, "open_bid", LEAD),
    (Action.SUBMIT_BID, "closed_bid", set()),
    (Action.WITHDRAW_BID, "open_bid", LEAD),
    (Action.WITHDRAW_BID, "closed_bid", set()),
    (Action.CONFIRM_SHARE, "open_bid", {"other_owner"}),
    (Action.CONFIRM_SHARE, "closed_bid", set()),
    # The provider's bid pages: any provider; the lead's pages and the partner's share page
    # stay open (read-only) after closing.
    (Action.BID_AS_PROVIDER, "none", PROVIDERS),
    (Action.LEAD_BID, "open_bid", LEAD),
    (Action.LEAD_BID, "closed_bid", LEAD),
    (Action.VIEW_SHARE, "open_bid", {"other_owner"}),
    (Action.VIEW_SHARE, "closed_bid", set()),
    # Evaluation: the commissioner runs it, the board reads it, the panel scores.
    (Action.MANAGE_EVALUATION, "closed_need", COMMISSIONERS),
    (Action.MANAGE_EVALUATION, "open_need", set()),
    (Action.VIEW_EVALUATION, "closed_need", COMMISSIONERS | {"board_member"}),
    (Action.VIEW_EVALUATION, "open_need", set()),
    (Action.TAKE_PART, "panel_need", {"evaluator"}),
    (Action.TAKE_PART, "closed_need", set()),  # not on this need's panel
    (Action.OVERSEE_BIDS, "panel_need", COMMISSIONERS | {"board_member"}),
    (Action.OVERSEE_BIDS, "open_need", COMMISSIONERS | {"board_member"}),  # sealed by the clock in bids.access
    (Action.READ_BIDS, "panel_need", COMMISSIONERS | {"board_member", "evaluator"}),
    (Action.READ_BIDS, "closed_need", COMMISSIONERS | {"board_member"}),  # the evaluator is not on its panel
    # A need's bids whole (the list, a bid, its documents): not an adviser (test_advisers.py, route table).
    (Action.READ_WHOLE_BIDS, "panel_need", COMMISSIONERS | {"board_member", "evaluator"}),
    (Action.READ_WHOLE_BIDS, "closed_need", COMMISSIONERS | {"board_member"}),
    # The evaluator declared no conflict with organisation A, whose bid this is.
    (Action.OPEN_BID, "closed_revision", COMMISSIONERS | {"board_member", "evaluator"}),
    (Action.READ_EVIDENCE, "draft_evidence", LEAD),
    (Action.READ_EVIDENCE, "sent_evidence", LEAD | COMMISSIONERS | {"board_member", "finance"}),
    (Action.SCORE_BID, "closed_bid", {"evaluator"}),
    (Action.SCORE_BID, "open_bid", set()),
    (Action.SIGN_OFF_AWARD, "waiting_decision", {"board_member"}),
    (Action.LIST_SIGN_OFFS, "none", {"board_member"}),
    (Action.EXPLAIN_LOW_BID, "low_review", LEAD),
    (Action.VIEW_SUMMARY, "summary", LEAD | COMMISSIONERS | {"board_member"}),
    (Action.VIEW_CONTRACT, "contract", LEAD | COMMISSIONERS | {"board_member", "finance"}),
    # Delivery and payments: the lead reports, the commissioner reviews, finance pays.
    (Action.REPORT_OUTCOMES, "contract", LEAD),
    (Action.REVIEW_REPORT, "report", COMMISSIONERS),
    (Action.RECORD_PAYMENT, "payment", {"finance"}),
    (Action.RELEASE_PAYMENT, "payment", COMMISSIONERS | {"finance"}),
    (Action.MANAGE_PAYOUTS, "org_a", {"owner"}),
    (Action.VARY_CONTRACT, "contract", COMMISSIONERS),
    (Action.ANSWER_VARIATION, "variation", LEAD),
    (Action.VIEW_AREA_PAYMENTS, "east_kent", COMMISSIONERS | {"board_member", "finance"}),
    (Action.VIEW_AREA_PAYMENTS, "west_kent", {"region_commissioner"}),
    # An area's list of contracts: its commissioners, board members and finance officers.
    (Action.VIEW_AREA_CONTRACTS, "east_kent", COMMISSIONERS | {"board_member", "finance"}),
    (Action.VIEW_AREA_CONTRACTS, "west_kent", {"region_commissioner"}),
    (Action.VIEW_DASHBOARD, "east_kent", COMMISSIONERS | {"board_member"}),
    (Action.VIEW_DASHBOARD, "west_kent", {"region_commissioner"}),
    # Partnership reviews: the board rates; the lead and the commissioner answer.
    (Action.RATE_PARTNERSHIP, "contract", {"board_member"}),
    (Action.RESPOND_TO_REVIEW, "rating", LEAD | COMMISSIONERS),
    # An organisation's own figures: its members only (not the area, not the admin).
    (Action.VIEW_ORGANISATION_FIGURES, "verified_org", LEAD),
    (Action.VIEW_ORGANISATION_FIGURES, "unverified_org", {"owner"}),
    (Action.VIEW_ORGANISATION_FIGURES, "none", set()),
    # Feedback from people supported: the lead and the commissioner manage the link and
    # decide on comments (of the lead, only its owner); the board reads comments held.
    (Action.MANAGE_FEEDBACK_LINK, "contract", LEAD | COMMISSIONERS),
    (Action.READ_HELD_FEEDBACK, "contract", LEAD | COMMISSIONERS | {"board_member"}),
    (Action.PUBLISH_FEEDBACK, "contract", {"owner"} | COMMISSIONERS),
]


@pytest.mark.parametrize(
    "action, obj, permitted",
    [pytest.param(action, obj, permitted, id=f"{action.value}-{obj}") for action, obj, permitted in TABLE],
)
def test_permission_table(world, action, obj, permitted):
    """Every actor against one (action, object) row; a failure names each wrong decision."""
    target = world["objects"][obj]
    wrong = [
        f"{actor}: expected {'allowed' if actor in permitted else 'refused'}"
        for actor in ACTORS
        if can(world["actors"][actor], action, target) is not (actor in permitted)
    ]
    assert wrong == []


def test_every_action_is_in_the_table():
    assert {action for action, _, _ in TABLE} == set(Action)


def test_every_action_has_a_rule_once_the_app_is_built(app):
    """The packages register their rules on import (create_app imports them all); an
    action without one would be refused to everybody."""
    from marketplace.permissions import RULES

    assert set(RULES) == set(Action)


def test_a_second_rule_for_an_action_is_refused():
    from marketplace.permissions import rule

    with pytest.raises(RuntimeError, match="has two rules"):
        rule(Action.VIEW_NEED)(lambda user, need: True)


def test_unknown_action_is_refused(world):
    assert can(world["actors"]["admin"], "organisation.delete", world["objects"]["verified_org"]) is False


def test_ended_membership_grants_nothing(world):
    owner = world["actors"]["owner"]
    org = world["objects"]["verified_org"]
    membership = next(m for m in owner.memberships if m.organisation_id == org.id)
    membership.ended_at = utcnow()
    db.session.flush()
    assert can(owner, Action.EDIT_ORGANISATION, org) is False
    assert can(owner, Action.MANAGE_MEMBERS, org) is False
