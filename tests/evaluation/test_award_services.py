"""The rules of award through the domain functions: abnormally low bids, award with
sign-off, summaries and standstill, and the contract that follows (the panel, scoring and
ranking are in test_services.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import closing, lifecycle
from marketplace.contracts import services as contracts
from marketplace.contracts.models import Contract, PartyRole
from marketplace.evaluation import (
    award,
    low_bids,
    moderation,
    ranking,
    scoring,
    summaries,
    timing,
)
from marketplace.evaluation.errors import EvaluationError
from marketplace.evaluation.models import AssessmentSummary, AwardDecision
from marketplace.extensions import db
from marketplace.needs.models import NeedStatus, Procedure
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import LONDON, utcnow

from .. import factories
from ..helpers import count

pytestmark = pytest.mark.clock


def _scores(need, value, text="Clear evidence."):
    return {p.key: (value, text) for p in scoring.parts(need)}


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
    assert timing.earliest_respond_by(christmas_eve) == date(2026, 12, 30)
    with pytest.raises(EvaluationError, match="at least 2 working days") as error:
        low_bids.request_explanation(
            low, request="Explain", respond_by=date(2026, 12, 29), actor=ev.commissioner, now=christmas_eve
        )
    assert error.value.field == "respond_by"
    with pytest.raises(EvaluationError, match="was not flagged"):
        low_bids.request_explanation(
            ev.bids[0], request="Explain", respond_by=date(2026, 12, 30), actor=ev.commissioner, now=christmas_eve
        )
    review = low_bids.request_explanation(
        low, request="How will you pay staff?", respond_by=date(2026, 12, 30), actor=ev.commissioner, now=christmas_eve
    )
    assert review.respond_by == datetime(2026, 12, 30, 23, 59, 59, tzinfo=LONDON).astimezone(UTC)
    emails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.like("Explain your price%"))).all()
    assert [e.to for e in emails] == [ev.providers[2].email]
    assert "11:59pm on 30 December 2026" in emails[0].body


def test_a_flagged_bid_is_decided_only_after_the_answer_or_the_window(db_session):
    ev, low = _flagged_evaluation()
    now = utcnow()
    review = low_bids.request_explanation(
        low, request="Explain", respond_by=timing.earliest_respond_by(now), actor=ev.commissioner, now=now
    )
    with pytest.raises(EvaluationError, match="Wait for the bidder's explanation"):
        low_bids.decide_low_bid(
            review, accept=False, reason="Too low", actor=ev.commissioner, now=now + timedelta(hours=1)
        )
    # No answer, and the window has passed: the commissioner may decide.
    after = review.respond_by + timedelta(seconds=1)
    with pytest.raises(EvaluationError, match="time to explain"):
        low_bids.explain(review, text="Late", actor=ev.providers[2], now=after)
    with pytest.raises(EvaluationError, match="Enter the reasons"):
        low_bids.decide_low_bid(review, accept=False, reason="", actor=ev.commissioner, now=after)
    low_bids.decide_low_bid(
        review, accept=False, reason="No explanation; the price cannot pay the staff.", actor=ev.commissioner, now=after
    )
    assert low_bids.is_rejected(low)
    assert low_bids.unresolved_low_bids(ev.lot) == []
    with pytest.raises(EvaluationError, match="already been decided"):
        low_bids.decide_low_bid(review, accept=True, reason="Changed", actor=ev.commissioner, now=after)


def test_an_answered_explanation_can_be_accepted_at_once(db_session):
    ev, low = _flagged_evaluation()
    now = utcnow()
    review = low_bids.request_explanation(
        low, request="Explain", respond_by=timing.earliest_respond_by(now), actor=ev.commissioner, now=now
    )
    with pytest.raises(EvaluationError, match="Enter your explanation"):
        low_bids.explain(review, text="  ", actor=ev.providers[2], now=now)
    low_bids.explain(
        review, text="Volunteers deliver half the sessions.", actor=ev.providers[2], now=now + timedelta(hours=2)
    )
    with pytest.raises(EvaluationError, match="already sent"):
        low_bids.explain(review, text="Again", actor=ev.providers[2], now=now + timedelta(hours=3))
    low_bids.decide_low_bid(
        review, accept=True, reason="Volunteer model is credible.", actor=ev.commissioner, now=now + timedelta(hours=4)
    )
    assert not low_bids.is_rejected(low)
    assert count(AuditEvent, AuditEvent.action.like("low_bid.%")) == 3


def test_a_rejected_bid_leaves_the_ranking_and_the_lowest_price(db_session):
    ev, low = _flagged_evaluation()
    now = utcnow()
    review = low_bids.request_explanation(
        low, request="Explain", respond_by=timing.earliest_respond_by(now), actor=ev.commissioner, now=now
    )
    low_bids.explain(review, text="Our national programme.", actor=ev.providers[2], now=now)
    low_bids.decide_low_bid(review, accept=False, reason="Not credible.", actor=ev.commissioner, now=now)
    factories.score_all(ev, {0: 3, 1: 3, 2: 3}, agree=False)
    for bid in ev.bids[:2]:
        moderation.agree_scores(bid, _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    moderation.close_moderation(ev.lot, actor=ev.commissioner)  # the rejected bid needs no agreed scores
    rows = ranking.ranking(ev.lot)
    assert [r.bid.id for r in rows] == [ev.bids[0].id, ev.bids[1].id, low.id]
    assert rows[0].price_points == 20 and rows[2].rank is None and rows[2].excluded
    with pytest.raises(EvaluationError, match="rejected as abnormally low"):
        award.decide(ev.lot, bid=low, reasons="Cheapest", actor=ev.commissioner)


# Award, sign-off, summaries and standstill ------------------------------------------------------------


def test_a_lot_cannot_be_awarded_with_an_unresolved_flag_or_before_moderation_closes(db_session):
    ev, low = _flagged_evaluation()
    with pytest.raises(EvaluationError, match="Close moderation"):
        award.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    factories.score_all(ev)
    with pytest.raises(EvaluationError, match="Resolve the abnormally low bid"):
        award.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    assert count(AwardDecision) == 0


def test_while_moderation_is_open_awarding_says_close_moderation_first(db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, close=False)  # every score agreed, but moderation not closed
    # Whatever else is wrong (here, no reasons), closing moderation is what to do first.
    with pytest.raises(EvaluationError, match="^Close moderation of this lot first$") as refused:
        award.decide(ev.lot, bid=ev.bids[0], reasons=" ", actor=ev.commissioner)
    assert refused.value.field == "bid_id"
    # A decision naming no bid at all is told the same, not to select a bid.
    assert award.unchosen_message(ev.lot) == "Close moderation of this lot first"
    assert count(AwardDecision) == 0
    moderation.close_moderation(ev.lot, actor=ev.commissioner)
    assert award.unchosen_message(ev.lot) == "Select the bid to award the lot to, or that the lot is not awarded"
    award.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    assert count(AwardDecision) == 1


def test_an_award_over_the_threshold_waits_for_a_board_member(db_session):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000), lots=(5_000_000,))
    ev.need.area.sign_off_threshold_pence = 4_999_999
    factories.score_all(ev, {0: 2, 1: 4})
    winner = ranking.ranking(ev.lot)[0].bid
    decision = award.decide(ev.lot, bid=winner, reasons="Highest total score.", actor=ev.commissioner)
    assert decision.is_waiting_for_sign_off and not decision.is_effective
    assert count(AssessmentSummary) == 0
    with pytest.raises(EvaluationError, match="waiting for a board member"):
        award.decide(ev.lot, bid=winner, reasons="Again", actor=ev.commissioner)
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    assert award.waiting_for_sign_off(board) == [decision]
    assert award.waiting_for_sign_off(factories.make_area_staff(Role.BOARD_MEMBER, "N56ESXN")) == []
    with pytest.raises(EvaluationError, match="why you do not approve"):
        award.sign_off(decision, approve=False, comment="", actor=board)
    award.sign_off(decision, approve=False, comment="Explain the social value scores.", actor=board)
    assert decision.refused_at is not None and award.current_decision(ev.lot) is None
    again = award.decide(ev.lot, bid=winner, reasons="Highest total; social value explained.", actor=ev.commissioner)
    award.sign_off(again, approve=True, comment="", actor=board)
    assert again.is_effective and again.summaries_sent_at is not None
    assert ev.need.status == NeedStatus.AWARDED
    assert [d.id for d in award.decisions(ev.lot)] == [decision.id, again.id]
    # Every bidder has its summary, and its members an email.
    assert {s.bid_id for s in db.session.scalars(sa.select(AssessmentSummary))} == {b.id for b in ev.bids}
    for provider in ev.providers:
        assert (
            count(OutboxEmail, OutboxEmail.to == provider.email, OutboxEmail.subject.like("The outcome of your bid%"))
            == 1
        )
    actions = [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "award_decisions").order_by(AuditEvent.id)
        )
    ]
    assert actions == [
        "award.decided",
        "award.sign_off_refused",
        "award.decided",
        "award.signed_off",
        "award.took_effect",
    ]


def test_summaries_tell_each_bidder_its_scores_the_winners_and_why(db_session):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000))
    factories.score_all(ev, {0: 3, 1: 4})
    winner, loser = ev.bids[1], ev.bids[0]
    award.decide(ev.lot, bid=winner, reasons="Best quality for the price.", actor=ev.commissioner)
    lost = summaries.summaries_for(loser)[0].content
    assert lost["result"] == "not_won" and lost["bid"]["total_points"] == "80.00" and lost["bid"]["rank"] == 2
    assert lost["winner"]["total_points"] == "97.78"
    assert "lower than the winning bid's 97.78" in lost["why"]
    assert [p["score"] for p in lost["winner"]["parts"]] == [4, 4]
    assert all("rationale" not in p for p in lost["winner"]["parts"])  # the winner's reasons are its own
    assert [p["rationale"] for p in lost["bid"]["parts"]] == ["The panel agreed.", "The panel agreed."]
    won = summaries.summaries_for(winner)[0].content
    assert won["result"] == "won" and won["bid"]["rank"] == 1


def test_standstill_is_eight_working_days_for_contracts_and_none_for_grants(db_session):
    # Monday 21 December 2026: the 8th working day after it, skipping Christmas Day, the
    # Boxing Day substitute (28th) and New Year's Day, is Tuesday 5 January 2027.
    sent = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    assert timing.standstill_end(sent) == datetime(2027, 1, 5, 23, 59, 59, tzinfo=LONDON).astimezone(UTC)
    grant = factories.make_evaluation()
    factories.score_all(grant)
    decision = award.decide(grant.lot, bid=grant.bids[0], reasons="Best", actor=grant.commissioner)
    assert decision.standstill_ends_at is None
    contract = factories.make_evaluation(procedure=Procedure.CONTRACT)
    factories.score_all(contract)
    decision = award.decide(contract.lot, bid=contract.bids[0], reasons="Best", actor=contract.commissioner)
    assert decision.standstill_ends_at == timing.standstill_end(decision.summaries_sent_at)


def test_not_awarding_tells_every_bidder_why_and_ends_the_need(db_session):
    ev = factories.make_evaluation()
    with pytest.raises(EvaluationError, match="Enter the reasons"):
        award.decide(ev.lot, bid=None, reasons=" ", actor=ev.commissioner)
    decision = award.decide(ev.lot, bid=None, reasons="The budget was withdrawn.", actor=ev.commissioner)
    assert decision.is_effective and decision.standstill_ends_at is None
    assert ev.need.status == NeedStatus.NOT_AWARDED
    for bid in ev.bids:
        content = summaries.summaries_for(bid)[0].content
        assert content["result"] == "not_awarded" and "budget was withdrawn" in content["why"]


def test_a_need_is_awarded_only_when_every_lot_is_decided(db_session):
    ev = factories.make_evaluation(lots=(5_000_000, 3_000_000))
    factories.score_all(ev)
    award.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    assert ev.need.status == NeedStatus.CLOSED
    award.decide(ev.need.lots[1], bid=None, reasons="No bids", actor=ev.commissioner)
    assert ev.need.status == NeedStatus.AWARDED


# The contract ------------------------------------------------------------------------------------------


def _awarded(procedure=Procedure.CONTRACT):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000), procedure=procedure)
    factories.score_all(ev)
    decision = award.decide(ev.lot, bid=ev.bids[0], reasons="Best", actor=ev.commissioner)
    return ev, decision


def test_no_contract_during_standstill(db_session):
    ev, decision = _awarded()
    start = date(2027, 2, 1)
    schedule = contracts.proposed_schedule(decision, start)
    with pytest.raises(contracts.ContractError, match="Standstill ends at"):
        contracts.create_contract(
            decision,
            starts_on=start,
            ends_on=date(2028, 1, 31),
            schedule=schedule,
            outcome_ids=[o.id for o in ev.need.outcomes],
            actor=ev.commissioner,
        )
    assert count(Contract) == 0


def test_the_schedule_must_sum_exactly_to_the_value(db_session):
    ev, decision = _awarded()
    after = decision.standstill_ends_at + timedelta(seconds=1)
    start = date(2027, 2, 1)
    schedule = contracts.proposed_schedule(decision, start)
    # Proposed from the bid's own breakdown: advance 25 %, then 40 % and 35 %.
    assert [(line.number, line.amount_pence, line.due_on) for line in schedule] == [
        (0, 1_000_000, start),
        (1, 1_600_000, date(2027, 8, 1)),
        (2, 1_400_000, date(2028, 2, 1)),
    ]
    outcome_ids = [o.id for o in ev.need.outcomes]
    schedule[1].amount_pence -= 1
    with pytest.raises(contracts.ContractError, match=r"add up to £39,999.99 .* add £0.01") as error:
        contracts.create_contract(
            decision,
            starts_on=start,
            ends_on=date(2028, 2, 1),
            schedule=schedule,
            outcome_ids=outcome_ids,
            actor=ev.commissioner,
            now=after,
        )
    assert error.value.field == "schedule"
    schedule[1].amount_pence += 1
    with pytest.raises(contracts.ContractError, match="between the start and end dates"):
        contracts.create_contract(
            decision,
            starts_on=start,
            ends_on=date(2028, 1, 31),
            schedule=schedule,
            outcome_ids=outcome_ids,
            actor=ev.commissioner,
            now=after,
        )
    with pytest.raises(contracts.ContractError, match="after the start date"):
        contracts.create_contract(
            decision,
            starts_on=start,
            ends_on=start,
            schedule=schedule,
            outcome_ids=outcome_ids,
            actor=ev.commissioner,
            now=after,
        )
    assert count(Contract) == 0
    contract = contracts.create_contract(
        decision,
        starts_on=start,
        ends_on=date(2028, 2, 1),
        schedule=schedule,
        outcome_ids=outcome_ids,
        actor=ev.commissioner,
        now=after,
    )
    assert sum(m.amount_pence for m in contract.milestones) == contract.value_pence == 4_000_000
    assert [(p.organisation_id, p.role) for p in contract.parties] == [(ev.bids[0].organisation_id, PartyRole.LEAD)]
    assert count(AuditEvent, AuditEvent.action == "contract.created") == 1
    with pytest.raises(contracts.ContractError, match="already been made"):
        contracts.create_contract(
            decision,
            starts_on=start,
            ends_on=date(2028, 2, 1),
            schedule=schedule,
            outcome_ids=outcome_ids,
            actor=ev.commissioner,
            now=after,
        )


def test_a_grant_has_its_contract_at_once(db_session):
    ev, decision = _awarded(Procedure.GRANT)
    start = date(2027, 2, 1)
    contract = contracts.create_contract(
        decision,
        starts_on=start,
        ends_on=date(2028, 2, 1),
        schedule=contracts.proposed_schedule(decision, start),
        outcome_ids=[ev.need.outcomes[0].id],
        actor=ev.commissioner,
    )
    assert [o.id for o in contract.outcomes] == [ev.need.outcomes[0].id]


def test_a_part_priced_at_nothing_is_not_proposed_as_a_payment(db_session):
    ev, decision = _awarded()
    bid = decision.bid
    revision = lifecycle.counting_revision(bid)
    content = dict(revision.content)
    content["price_breakdown"] = [
        dict(item, pence=0 if item["key"] == "advance" else item["pence"]) for item in content["price_breakdown"]
    ]
    revision.content = content
    lines = contracts.proposed_schedule(decision, date(2027, 2, 1))
    assert [line.number for line in lines] == [1, 2]
