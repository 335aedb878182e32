"""The rules of evaluation and award, through the domain functions: the panel and its
conflicts, independent scoring, moderation, the arithmetic of totals and ranking,
abnormally low bids, award with sign-off, summaries, standstill and the contract."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import closing, consortium, lifecycle, submission
from marketplace.contracts import services as contracts
from marketplace.contracts.models import Contract, PartyRole
from marketplace.evaluation import services as evaluation
from marketplace.evaluation.models import (
    AgreedScore,
    AssessmentSummary,
    AwardDecision,
    ConflictDeclaration,
    ScoreSheet,
)
from marketplace.evaluation.services import EvaluationError
from marketplace.extensions import db
from marketplace.needs.models import NeedStatus, Procedure
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import LONDON, utcnow

from .. import factories
from ..helpers import count

pytestmark = pytest.mark.clock


def _scores(need, value, text="Clear evidence."):
    return {p.key: (value, text) for p in evaluation.parts(need)}


# The panel and its conflicts --------------------------------------------------------------------


def test_only_evaluators_of_the_area_join_the_panel_and_only_after_closing(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner)
    factories.make_bid(need)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    with pytest.raises(EvaluationError, match="once the need has closed"):
        evaluation.assign_evaluator(need, evaluator, actor=commissioner)
    factories.close_need(need)
    for outsider in (factories.make_area_staff(Role.BOARD_MEMBER), factories.make_area_staff(Role.EVALUATOR, "N56ESXN")):
        with pytest.raises(EvaluationError, match="evaluator of this area"):
            evaluation.assign_evaluator(need, outsider, actor=commissioner)
    member = evaluation.assign_evaluator(need, evaluator, actor=commissioner)
    with pytest.raises(EvaluationError, match="already on the panel"):
        evaluation.assign_evaluator(need, evaluator, actor=commissioner)
    # A regional evaluator covers the PDU's needs.
    evaluation.assign_evaluator(need, factories.make_area_staff(Role.EVALUATOR, "N57"), actor=commissioner)
    assert count(AuditEvent, AuditEvent.action == "panel.assigned") == 2
    assert count(OutboxEmail, OutboxEmail.to == evaluator.email) == 1
    evaluation.remove_evaluator(member, actor=commissioner)
    assert evaluation.panel_member(need, evaluator) is None
    assert len(evaluation.panel(need)) == 1


def test_declarations_cover_every_bidding_organisation_lead_and_partner(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner)
    lead = factories.make_provider()
    partner_user = factories.make_provider()
    bid = factories.make_bid(need, provider=lead, submit=False)
    partner, _ = consortium.invite_partner(bid, organisation=partner_user.organisations[0], work_percent=30, price_percent=30, actor=lead)
    consortium.set_shares(bid, lead_work_percent=70, lead_price_percent=70, partner_shares={partner.id: (30, 30)}, actor=lead)
    consortium.confirm_partner(partner, actor=partner_user)
    submission.submit_bid(bid, actor=lead)
    other = factories.make_bid(need)
    factories.close_need(need)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    evaluation.assign_evaluator(need, evaluator, actor=commissioner)
    organisations = {o.id for o in evaluation.bidding_organisations(need)}
    assert organisations == {lead.organisations[0].id, partner_user.organisations[0].id, other.organisation_id}

    partner_org = partner_user.organisations[0]
    # Every organisation at once; a conflict needs its details. Nothing is written until then.
    with pytest.raises(EvaluationError) as missing:
        evaluation.declare_conflicts(need, evaluator, {lead.organisations[0].id: (False, "")})
    assert missing.value.field.startswith("org_")
    answers = {i: (False, "") for i in organisations}
    answers[partner_org.id] = (True, "  ")
    with pytest.raises(EvaluationError, match="Describe your conflict") as blank:
        evaluation.declare_conflicts(need, evaluator, answers)
    assert blank.value.field == f"details_{partner_org.id}"
    assert count(ConflictDeclaration) == 0

    answers[partner_org.id] = (True, "I chair its board.")
    evaluation.declare_conflicts(need, evaluator, answers)
    assert count(ConflictDeclaration) == 3
    assert count(AuditEvent, AuditEvent.action == "conflict.declared") == 3
    with pytest.raises(EvaluationError, match="already declared"):
        evaluation.declare_conflicts(need, evaluator, answers)
    # The partner's conflict keeps the evaluator off the whole consortium bid, not the other.
    assert not evaluation.may_open(evaluator, bid, lifecycle.counting_revision(bid))
    assert evaluation.may_open(evaluator, other, lifecycle.counting_revision(other))
    with pytest.raises(EvaluationError, match="cannot score this bid"):
        evaluation.save_sheet(bid, evaluator, _scores(need, 3), submit=True)
    assert [m.user_id for m in evaluation.expected_scorers(bid, lifecycle.counting_revision(bid))] == []


def test_an_evaluator_who_has_not_declared_cannot_open_or_score(db_session):
    ev = factories.make_evaluation(evaluators=0)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    evaluation.assign_evaluator(ev.need, evaluator, actor=ev.commissioner)
    bid = ev.bids[0]
    assert not evaluation.may_open(evaluator, bid, lifecycle.counting_revision(bid))
    with pytest.raises(EvaluationError, match="cannot score"):
        evaluation.save_sheet(bid, evaluator, _scores(ev.need, 3), submit=False)


# Scoring ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [5, -1, "four", "3.5", ""])
def test_scores_are_whole_numbers_from_0_to_4(db_session, bad):
    ev = factories.make_evaluation()
    with pytest.raises(EvaluationError) as error:
        evaluation.save_sheet(ev.bids[0], ev.evaluators[0], _scores(ev.need, bad), submit=True)
    assert error.value.field.startswith("score_")
    assert count(ScoreSheet) == 0


def test_a_draft_may_be_partial_but_a_submission_is_complete_and_final(db_session):
    ev = factories.make_evaluation()
    bid, evaluator = ev.bids[0], ev.evaluators[0]
    parts = evaluation.parts(ev.need)
    assert [p.key for p in parts][-1] == "social_value"
    draft = evaluation.save_sheet(bid, evaluator, {parts[0].key: (2, "")}, submit=False)
    assert draft.submitted_at is None and draft.score_for(parts[0].key).score == 2
    with pytest.raises(EvaluationError, match="Give a justification") as error:
        evaluation.save_sheet(bid, evaluator, _scores(ev.need, 3, text=" "), submit=True)
    assert error.value.field == f"justification_{parts[0].key}"
    with pytest.raises(EvaluationError, match="Choose a score for social value"):
        evaluation.save_sheet(bid, evaluator, {parts[0].key: (3, "Good")}, submit=True)
    sheet = evaluation.save_sheet(bid, evaluator, _scores(ev.need, 3), submit=True)
    assert sheet.id == draft.id and sheet.submitted_at is not None
    assert count(AuditEvent, AuditEvent.action == "scores.submitted") == 1
    with pytest.raises(EvaluationError, match="already submitted"):
        evaluation.save_sheet(bid, evaluator, _scores(ev.need, 4), submit=True)
    db.session.refresh(sheet)
    assert {s.score for s in sheet.scores} == {3}


def test_evaluators_see_others_scores_only_after_submitting_their_own(db_session):
    ev = factories.make_evaluation()
    bid = ev.bids[0]
    first, second = ev.evaluators
    evaluation.save_sheet(bid, first, _scores(ev.need, 4), submit=True)
    assert evaluation.may_see_scores(first, bid)
    assert not evaluation.may_see_scores(second, bid)
    evaluation.save_sheet(bid, second, _scores(ev.need, 2), submit=False)
    assert not evaluation.may_see_scores(second, bid)
    evaluation.save_sheet(bid, second, _scores(ev.need, 2), submit=True)
    assert evaluation.may_see_scores(second, bid)


# Moderation --------------------------------------------------------------------------------------


def test_moderation_needs_every_unconflicted_evaluators_scores(db_session):
    ev = factories.make_evaluation()
    bid = ev.bids[0]
    evaluation.save_sheet(bid, ev.evaluators[0], _scores(ev.need, 3), submit=True)
    with pytest.raises(EvaluationError, match="must submit their scores"):
        evaluation.agree_scores(bid, _scores(ev.need, 3), actor=ev.commissioner)
    evaluation.save_sheet(bid, ev.evaluators[1], _scores(ev.need, 1), submit=True)
    with pytest.raises(EvaluationError, match="rationale") as error:
        evaluation.agree_scores(bid, _scores(ev.need, 2, text=""), actor=ev.commissioner)
    assert error.value.field.startswith("rationale_")
    assert count(AgreedScore) == 0
    evaluation.agree_scores(bid, _scores(ev.need, 2, "Between the two."), actor=ev.commissioner)
    evaluation.agree_scores(bid, _scores(ev.need, 3, "On reflection, good."), actor=ev.commissioner)
    assert {a.score for a in evaluation.agreed_scores(bid).values()} == {3}
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "scores.moderated").order_by(AuditEvent.id)).all()
    assert len(events) == 2 and set(events[1].before.values()) == {2} and set(events[1].after["scores"].values()) == {3}
    # The original sheets are kept as they were.
    assert sorted(s.scores[0].score for s in evaluation.counted_sheets(bid)) == [1, 3]


def test_closing_moderation_needs_agreed_scores_for_every_bid_then_freezes_scoring(db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, close=False, agree=False)
    evaluation.agree_scores(ev.bids[0], _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    with pytest.raises(EvaluationError, match="Agree the scores of every bid first"):
        evaluation.close_moderation(ev.lot, actor=ev.commissioner)
    evaluation.agree_scores(ev.bids[1], _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    evaluation.close_moderation(ev.lot, actor=ev.commissioner)
    late = factories.make_area_staff(Role.EVALUATOR)
    evaluation.assign_evaluator(ev.need, late, actor=ev.commissioner)
    evaluation.declare_conflicts(ev.need, late, {o.id: (False, "") for o in evaluation.bidding_organisations(ev.need)})
    with pytest.raises(EvaluationError, match="Moderation of this lot is closed"):
        evaluation.save_sheet(ev.bids[0], late, _scores(ev.need, 4), submit=True)
    with pytest.raises(EvaluationError, match="Moderation of this lot is closed"):
        evaluation.agree_scores(ev.bids[0], _scores(ev.need, 4, "Later"), actor=ev.commissioner)
    with pytest.raises(EvaluationError, match="already closed"):
        evaluation.close_moderation(ev.lot, actor=ev.commissioner)


# Totals and ranking (worked by hand) ---------------------------------------------------------------


def test_totals_and_ranking_worked_by_hand(db_session):
    """Weights: question 60, social value 20, price 20.
    A: scores 3 and 3, price £40,000 (the lowest): 45 + 15 + 20 = 80.00
    B: scores 4 and 4, price £45,000: 60 + 20 + 40000/45000 x 20 = 17.777... -> 97.78
    C: scores 4 and 2, price £60,000: 60 + 10 + 13.333... = 83.33"""
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000, 6_000_000), lots=(7_000_000,))
    parts = evaluation.parts(ev.need)
    for index, bid in enumerate(ev.bids):
        values = [(3, 3), (4, 4), (4, 2)][index]
        scores = {p.key: (v, "Because.") for p, v in zip(parts, values, strict=True)}
        for evaluator in ev.evaluators:
            evaluation.save_sheet(bid, evaluator, scores, submit=True)
        evaluation.agree_scores(bid, scores, actor=ev.commissioner)
    rows = evaluation.ranking(ev.lot)
    assert [(r.bid.id, str(r.total_2dp), r.rank) for r in rows] == [
        (ev.bids[1].id, "97.78", 1), (ev.bids[2].id, "83.33", 2), (ev.bids[0].id, "80.00", 3),
    ]
    assert rows[0].price_points == Fraction(4_000_000, 4_500_000) * 20
    assert str(rows[1].quality_2dp) == "70.00" and str(rows[1].price_2dp) == "13.33"


def test_a_tie_is_broken_by_the_higher_quality_score_and_a_full_tie_shares_the_rank(db_session):
    """A: 3/3 at £40,000 -> 45 + 15 + 20 = 80. B: 4/1 at £40,000 -> 60 + 5 + 20 = 85.
    C: 4/2 at £80,000 -> 60 + 10 + 10 = 80, the same total as A, but its quality (70) beats
    A's (60), so C ranks above A. D: A's scores and price exactly: it shares A's rank."""
    ev = factories.make_evaluation(prices=(4_000_000, 4_000_000, 8_000_000, 4_000_000), lots=(9_000_000,))
    parts = evaluation.parts(ev.need)
    for index, bid in enumerate(ev.bids):
        values = [(3, 3), (4, 1), (4, 2), (3, 3)][index]
        scores = {p.key: (v, "Because.") for p, v in zip(parts, values, strict=True)}
        for evaluator in ev.evaluators:
            evaluation.save_sheet(bid, evaluator, scores, submit=True)
        evaluation.agree_scores(bid, scores, actor=ev.commissioner)
    rows = evaluation.ranking(ev.lot)
    by_bid = {r.bid.id: r for r in rows}
    a, b, c, d = (by_bid[bid.id] for bid in ev.bids)
    assert (str(a.total_2dp), str(c.total_2dp)) == ("80.00", "80.00")
    assert (b.rank, c.rank, a.rank, d.rank) == (1, 2, 3, 3)
    assert a.tied and d.tied and not c.tied


# Abnormally low bids -------------------------------------------------------------------------------


def _flagged_evaluation():
    ev = factories.make_evaluation(prices=(4_000_000, 4_200_000, 2_000_000), lots=(5_000_000,))
    closing.check_at_closing(ev.need)
    low = ev.bids[2]
    assert low.low_flagged_at is not None
    return ev, low


def test_the_explanation_window_is_at_least_two_working_days_with_bank_holidays(db_session):
    ev, low = _flagged_evaluation()
    # Thursday 24 December 2026: Christmas Day and the Boxing Day substitute (Monday 28th)
    # are not working days, so the earliest is Wednesday 30 December.
    christmas_eve = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
    ev.need.closes_at = christmas_eve - timedelta(days=1)
    ev.need.question_deadline = christmas_eve - timedelta(days=2)
    assert evaluation.earliest_respond_by(christmas_eve) == date(2026, 12, 30)
    with pytest.raises(EvaluationError, match="at least 2 working days") as error:
        evaluation.request_explanation(low, request="Explain", respond_by=date(2026, 12, 29), actor=ev.commissioner, now=christmas_eve)
    assert error.value.field == "respond_by"
    with pytest.raises(EvaluationError, match="was not flagged"):
        evaluation.request_explanation(ev.bids[0], request="Explain", respond_by=date(2026, 12, 30), actor=ev.commissioner, now=christmas_eve)
    review = evaluation.request_explanation(low, request="How will you pay staff?", respond_by=date(2026, 12, 30), actor=ev.commissioner, now=christmas_eve)
    assert review.respond_by == datetime(2026, 12, 30, 23, 59, 59, tzinfo=LONDON).astimezone(UTC)
    emails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.like("Explain your price%"))).all()
    assert [e.to for e in emails] == [ev.providers[2].email]
    assert "11:59pm on 30 December 2026" in emails[0].body


def test_a_flagged_bid_is_decided_only_after_the_answer_or_the_window(db_session):
    ev, low = _flagged_evaluation()
    now = utcnow()
    review = evaluation.request_explanation(low, request="Explain", respond_by=evaluation.earliest_respond_by(now), actor=ev.commissioner, now=now)
    with pytest.raises(EvaluationError, match="Wait for the bidder's explanation"):
        evaluation.decide_low_bid(review, accept=False, reason="Too low", actor=ev.commissioner, now=now + timedelta(hours=1))
    # No answer, and the window has passed: the commissioner may decide.
    after = review.respond_by + timedelta(seconds=1)
    with pytest.raises(EvaluationError, match="time to explain"):
        evaluation.explain(review, text="Late", actor=ev.providers[2], now=after)
    with pytest.raises(EvaluationError, match="Enter the reasons"):
        evaluation.decide_low_bid(review, accept=False, reason="", actor=ev.commissioner, now=after)
    evaluation.decide_low_bid(review, accept=False, reason="No explanation; the price cannot pay the staff.", actor=ev.commissioner, now=after)
    assert evaluation.is_rejected(low)
    assert evaluation.unresolved_low_bids(ev.lot) == []
    with pytest.raises(EvaluationError, match="already been decided"):
        evaluation.decide_low_bid(review, accept=True, reason="Changed", actor=ev.commissioner, now=after)


def test_an_answered_explanation_can_be_accepted_at_once(db_session):
    ev, low = _flagged_evaluation()
    now = utcnow()
    review = evaluation.request_explanation(low, request="Explain", respond_by=evaluation.earliest_respond_by(now), actor=ev.commissioner, now=now)
    with pytest.raises(EvaluationError, match="Enter your explanation"):
        evaluation.explain(review, text="  ", actor=ev.providers[2], now=now)
    evaluation.explain(review, text="Volunteers deliver half the sessions.", actor=ev.providers[2], now=now + timedelta(hours=2))
    with pytest.raises(EvaluationError, match="already sent"):
        evaluation.explain(review, text="Again", actor=ev.providers[2], now=now + timedelta(hours=3))
    evaluation.decide_low_bid(review, accept=True, reason="Volunteer model is credible.", actor=ev.commissioner, now=now + timedelta(hours=4))
    assert not evaluation.is_rejected(low)
    assert count(AuditEvent, AuditEvent.action.like("low_bid.%")) == 3


def test_a_rejected_bid_leaves_the_ranking_and_the_lowest_price(db_session):
    ev, low = _flagged_evaluation()
    now = utcnow()
    review = evaluation.request_explanation(low, request="Explain", respond_by=evaluation.earliest_respond_by(now), actor=ev.commissioner, now=now)
    evaluation.explain(review, text="Our national programme.", actor=ev.providers[2], now=now)
    evaluation.decide_low_bid(review, accept=False, reason="Not credible.", actor=ev.commissioner, now=now)
    factories.score_all(ev, {0: 3, 1: 3, 2: 3}, agree=False)
    for bid in ev.bids[:2]:
        evaluation.agree_scores(bid, _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    evaluation.close_moderation(ev.lot, actor=ev.commissioner)  # the rejected bid needs no agreed scores
    rows = evaluation.ranking(ev.lot)
    assert [r.bid.id for r in rows] == [ev.bids[0].id, ev.bids[1].id, low.id]
    assert rows[0].price_points == 20 and rows[2].rank is None and rows[2].excluded
    with pytest.raises(EvaluationError, match="rejected as abnormally low"):
        evaluation.decide(ev.lot, bid=low, reasons="Cheapest", actor=ev.commissioner)


# Award, sign-off, summaries and standstill ------------------------------------------------------------


def test_a_lot_cannot_be_awarded_with_an_unresolved_flag_or_before_moderation_closes(db_session):
    ev, low = _flagged_evaluation()
    with pytest.raises(EvaluationError, match="Close moderation"):
        evaluation.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    factories.score_all(ev)
    with pytest.raises(EvaluationError, match="Resolve the abnormally low bid"):
        evaluation.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    assert count(AwardDecision) == 0


def test_while_moderation_is_open_awarding_says_close_moderation_first(db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, close=False)  # every score agreed, but moderation not closed
    # Whatever else is wrong (here, no reasons), closing moderation is what to do first.
    with pytest.raises(EvaluationError, match="^Close moderation of this lot first$") as refused:
        evaluation.decide(ev.lot, bid=ev.bids[0], reasons=" ", actor=ev.commissioner)
    assert refused.value.field == "bid_id"
    # A decision naming no bid at all is told the same, not to select a bid.
    assert evaluation.unchosen_message(ev.lot) == "Close moderation of this lot first"
    assert count(AwardDecision) == 0
    evaluation.close_moderation(ev.lot, actor=ev.commissioner)
    assert evaluation.unchosen_message(ev.lot) == "Select the bid to award the lot to, or that the lot is not awarded"
    evaluation.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    assert count(AwardDecision) == 1


def test_an_award_over_the_threshold_waits_for_a_board_member(db_session):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000), lots=(5_000_000,))
    ev.need.area.sign_off_threshold_pence = 4_999_999
    factories.score_all(ev, {0: 2, 1: 4})
    winner = evaluation.ranking(ev.lot)[0].bid
    decision = evaluation.decide(ev.lot, bid=winner, reasons="Highest total score.", actor=ev.commissioner)
    assert decision.is_waiting_for_sign_off and not decision.is_effective
    assert count(AssessmentSummary) == 0
    with pytest.raises(EvaluationError, match="waiting for a board member"):
        evaluation.decide(ev.lot, bid=winner, reasons="Again", actor=ev.commissioner)
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    assert evaluation.waiting_for_sign_off(board) == [decision]
    assert evaluation.waiting_for_sign_off(factories.make_area_staff(Role.BOARD_MEMBER, "N56ESXN")) == []
    with pytest.raises(EvaluationError, match="why you do not approve"):
        evaluation.sign_off(decision, approve=False, comment="", actor=board)
    evaluation.sign_off(decision, approve=False, comment="Explain the social value scores.", actor=board)
    assert decision.refused_at is not None and evaluation.current_decision(ev.lot) is None
    again = evaluation.decide(ev.lot, bid=winner, reasons="Highest total; social value explained.", actor=ev.commissioner)
    evaluation.sign_off(again, approve=True, comment="", actor=board)
    assert again.is_effective and again.summaries_sent_at is not None
    assert ev.need.status == NeedStatus.AWARDED
    assert [d.id for d in evaluation.decisions(ev.lot)] == [decision.id, again.id]
    # Every bidder has its summary, and its members an email.
    assert {s.bid_id for s in db.session.scalars(sa.select(AssessmentSummary))} == {b.id for b in ev.bids}
    for provider in ev.providers:
        assert count(OutboxEmail, OutboxEmail.to == provider.email, OutboxEmail.subject.like("The outcome of your bid%")) == 1
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "award_decisions").order_by(AuditEvent.id))]
    assert actions == ["award.decided", "award.sign_off_refused", "award.decided", "award.signed_off", "award.took_effect"]


def test_summaries_tell_each_bidder_its_scores_the_winners_and_why(db_session):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000))
    factories.score_all(ev, {0: 3, 1: 4})
    winner, loser = ev.bids[1], ev.bids[0]
    evaluation.decide(ev.lot, bid=winner, reasons="Best quality for the price.", actor=ev.commissioner)
    lost = evaluation.summaries_for(loser)[0].content
    assert lost["result"] == "not_won" and lost["bid"]["total_points"] == "80.00" and lost["bid"]["rank"] == 2
    assert lost["winner"]["total_points"] == "97.78"
    assert "lower than the winning bid's 97.78" in lost["why"]
    assert [p["score"] for p in lost["winner"]["parts"]] == [4, 4]
    assert all("rationale" not in p for p in lost["winner"]["parts"])  # the winner's reasons are its own
    assert [p["rationale"] for p in lost["bid"]["parts"]] == ["The panel agreed.", "The panel agreed."]
    won = evaluation.summaries_for(winner)[0].content
    assert won["result"] == "won" and won["bid"]["rank"] == 1


def test_standstill_is_eight_working_days_for_contracts_and_none_for_grants(db_session):
    # Monday 21 December 2026: the 8th working day after it, skipping Christmas Day, the
    # Boxing Day substitute (28th) and New Year's Day, is Tuesday 5 January 2027.
    sent = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    assert evaluation.standstill_end(sent) == datetime(2027, 1, 5, 23, 59, 59, tzinfo=LONDON).astimezone(UTC)
    grant = factories.make_evaluation()
    factories.score_all(grant)
    decision = evaluation.decide(grant.lot, bid=grant.bids[0], reasons="Best", actor=grant.commissioner)
    assert decision.standstill_ends_at is None
    contract = factories.make_evaluation(procedure=Procedure.CONTRACT)
    factories.score_all(contract)
    decision = evaluation.decide(contract.lot, bid=contract.bids[0], reasons="Best", actor=contract.commissioner)
    assert decision.standstill_ends_at == evaluation.standstill_end(decision.summaries_sent_at)


def test_not_awarding_tells_every_bidder_why_and_ends_the_need(db_session):
    ev = factories.make_evaluation()
    with pytest.raises(EvaluationError, match="Enter the reasons"):
        evaluation.decide(ev.lot, bid=None, reasons=" ", actor=ev.commissioner)
    decision = evaluation.decide(ev.lot, bid=None, reasons="The budget was withdrawn.", actor=ev.commissioner)
    assert decision.is_effective and decision.standstill_ends_at is None
    assert ev.need.status == NeedStatus.NOT_AWARDED
    for bid in ev.bids:
        content = evaluation.summaries_for(bid)[0].content
        assert content["result"] == "not_awarded" and "budget was withdrawn" in content["why"]


def test_a_need_is_awarded_only_when_every_lot_is_decided(db_session):
    ev = factories.make_evaluation(lots=(5_000_000, 3_000_000))
    factories.score_all(ev)
    evaluation.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    assert ev.need.status == NeedStatus.CLOSED
    evaluation.decide(ev.need.lots[1], bid=None, reasons="No bids", actor=ev.commissioner)
    assert ev.need.status == NeedStatus.AWARDED


# The contract ------------------------------------------------------------------------------------------


def _awarded(procedure=Procedure.CONTRACT):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000), procedure=procedure)
    factories.score_all(ev)
    decision = evaluation.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    return ev, decision


def test_no_contract_during_standstill(db_session):
    ev, decision = _awarded()
    start = date(2027, 2, 1)
    schedule = contracts.proposed_schedule(decision, start)
    with pytest.raises(contracts.ContractError, match="Standstill ends at"):
        contracts.create_contract(decision, starts_on=start, ends_on=date(2028, 1, 31), schedule=schedule,
                                  outcome_ids=[o.id for o in ev.need.outcomes], actor=ev.commissioner)
    assert count(Contract) == 0


def test_the_schedule_must_sum_exactly_to_the_value(db_session):
    ev, decision = _awarded()
    after = decision.standstill_ends_at + timedelta(seconds=1)
    start = date(2027, 2, 1)
    schedule = contracts.proposed_schedule(decision, start)
    # Proposed from the bid's own breakdown: advance 25 %, then 40 % and 35 %.
    assert [(line.number, line.amount_pence, line.due_on) for line in schedule] == [
        (0, 1_000_000, start), (1, 1_600_000, date(2027, 8, 1)), (2, 1_400_000, date(2028, 2, 1)),
    ]
    outcome_ids = [o.id for o in ev.need.outcomes]
    schedule[1].amount_pence -= 1
    with pytest.raises(contracts.ContractError, match=r"add up to £39,999.99 .* add £0.01") as error:
        contracts.create_contract(decision, starts_on=start, ends_on=date(2028, 2, 1), schedule=schedule,
                                  outcome_ids=outcome_ids, actor=ev.commissioner, now=after)
    assert error.value.field == "schedule"
    schedule[1].amount_pence += 1
    with pytest.raises(contracts.ContractError, match="between the start and end dates"):
        contracts.create_contract(decision, starts_on=start, ends_on=date(2028, 1, 31), schedule=schedule,
                                  outcome_ids=outcome_ids, actor=ev.commissioner, now=after)
    with pytest.raises(contracts.ContractError, match="after the start date"):
        contracts.create_contract(decision, starts_on=start, ends_on=start, schedule=schedule,
                                  outcome_ids=outcome_ids, actor=ev.commissioner, now=after)
    assert count(Contract) == 0
    contract = contracts.create_contract(decision, starts_on=start, ends_on=date(2028, 2, 1), schedule=schedule,
                                         outcome_ids=outcome_ids, actor=ev.commissioner, now=after)
    assert sum(m.amount_pence for m in contract.milestones) == contract.value_pence == 4_000_000
    assert [(p.organisation_id, p.role) for p in contract.parties] == [(ev.bids[0].organisation_id, PartyRole.LEAD)]
    assert count(AuditEvent, AuditEvent.action == "contract.created") == 1
    with pytest.raises(contracts.ContractError, match="already been made"):
        contracts.create_contract(decision, starts_on=start, ends_on=date(2028, 2, 1), schedule=schedule,
                                  outcome_ids=outcome_ids, actor=ev.commissioner, now=after)


def test_a_grant_has_its_contract_at_once(db_session):
    ev, decision = _awarded(Procedure.GRANT)
    start = date(2027, 2, 1)
    contract = contracts.create_contract(
        decision, starts_on=start, ends_on=date(2028, 2, 1), schedule=contracts.proposed_schedule(decision, start),
        outcome_ids=[ev.need.outcomes[0].id], actor=ev.commissioner,
    )
    assert [o.id for o in contract.outcomes] == [ev.need.outcomes[0].id]


def test_moderation_waits_for_a_panel_member_who_has_not_declared(db_session):
    ev = factories.make_evaluation()
    late = factories.make_area_staff(Role.EVALUATOR)
    evaluation.assign_evaluator(ev.need, late, actor=ev.commissioner)
    bid = ev.bids[0]
    for evaluator in ev.evaluators:
        evaluation.save_sheet(bid, evaluator, _scores(ev.need, 3), submit=True)
    assert not evaluation.scoring_complete(bid, lifecycle.counting_revision(bid))
    with pytest.raises(EvaluationError, match="must submit their scores"):
        evaluation.agree_scores(bid, _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    # Taken off the panel, they no longer hold moderation up.
    evaluation.remove_evaluator(evaluation.panel_member(ev.need, late), actor=ev.commissioner)
    evaluation.agree_scores(bid, _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)


def test_a_part_priced_at_nothing_is_not_proposed_as_a_payment(db_session):
    ev, decision = _awarded()
    bid = decision.bid
    revision = lifecycle.counting_revision(bid)
    content = dict(revision.content)
    content["price_breakdown"] = [dict(item, pence=0 if item["key"] == "advance" else item["pence"]) for item in content["price_breakdown"]]
    revision.content = content
    lines = contracts.proposed_schedule(decision, date(2027, 2, 1))
    assert [line.number for line in lines] == [1, 2]
