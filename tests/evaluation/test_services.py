"""The rules of evaluation through the domain functions: the panel and its conflicts,
independent scoring, moderation, and the arithmetic of totals and ranking (the award side
is in test_award_services.py)."""

from fractions import Fraction

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import consortium, lifecycle, submission
from marketplace.evaluation import moderation, panel, ranking, scoring
from marketplace.evaluation.errors import EvaluationError
from marketplace.evaluation.models import AgreedScore, ConflictDeclaration, ScoreSheet
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

from .. import factories
from ..helpers import count

pytestmark = pytest.mark.clock


def _scores(need, value, text="Clear evidence."):
    return {p.key: (value, text) for p in scoring.parts(need)}


# The panel and its conflicts --------------------------------------------------------------------


def test_only_evaluators_of_the_area_join_the_panel_and_only_after_closing(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner)
    factories.make_bid(need)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    with pytest.raises(EvaluationError, match="once the need has closed"):
        panel.assign_evaluator(need, evaluator, actor=commissioner)
    factories.close_need(need)
    for outsider in (
        factories.make_area_staff(Role.BOARD_MEMBER),
        factories.make_area_staff(Role.EVALUATOR, "N56ESXN"),
    ):
        with pytest.raises(EvaluationError, match="evaluator of this area"):
            panel.assign_evaluator(need, outsider, actor=commissioner)
    member = panel.assign_evaluator(need, evaluator, actor=commissioner)
    with pytest.raises(EvaluationError, match="already on the panel"):
        panel.assign_evaluator(need, evaluator, actor=commissioner)
    # A regional evaluator covers the PDU's needs.
    panel.assign_evaluator(need, factories.make_area_staff(Role.EVALUATOR, "N57"), actor=commissioner)
    assert count(AuditEvent, AuditEvent.action == "panel.assigned") == 2
    assert count(OutboxEmail, OutboxEmail.to == evaluator.email) == 1
    panel.remove_evaluator(member, actor=commissioner)
    assert panel.panel_member(need, evaluator) is None
    assert len(panel.panel(need)) == 1


def test_declarations_cover_every_bidding_organisation_lead_and_partner(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner)
    lead = factories.make_provider()
    partner_user = factories.make_provider()
    bid = factories.make_bid(need, provider=lead, submit=False)
    partner, _ = consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=30, price_percent=30, actor=lead
    )
    consortium.set_shares(
        bid, lead_work_percent=70, lead_price_percent=70, partner_shares={partner.id: (30, 30)}, actor=lead
    )
    consortium.confirm_partner(partner, actor=partner_user)
    submission.submit_bid(bid, actor=lead)
    other = factories.make_bid(need)
    factories.close_need(need)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    panel.assign_evaluator(need, evaluator, actor=commissioner)
    organisations = {o.id for o in panel.bidding_organisations(need)}
    assert organisations == {lead.organisations[0].id, partner_user.organisations[0].id, other.organisation_id}

    partner_org = partner_user.organisations[0]
    # Every organisation at once; a conflict needs its details. Nothing is written until then.
    with pytest.raises(EvaluationError) as missing:
        panel.declare_conflicts(need, evaluator, {lead.organisations[0].id: (False, "")})
    assert missing.value.field.startswith("org_")
    answers = dict.fromkeys(organisations, (False, ""))
    answers[partner_org.id] = (True, "  ")
    with pytest.raises(EvaluationError, match="Describe your conflict") as blank:
        panel.declare_conflicts(need, evaluator, answers)
    assert blank.value.field == f"details_{partner_org.id}"
    assert count(ConflictDeclaration) == 0

    answers[partner_org.id] = (True, "I chair its board.")
    panel.declare_conflicts(need, evaluator, answers)
    assert count(ConflictDeclaration) == 3
    assert count(AuditEvent, AuditEvent.action == "conflict.declared") == 3
    with pytest.raises(EvaluationError, match="already declared"):
        panel.declare_conflicts(need, evaluator, answers)
    # The partner's conflict keeps the evaluator off the whole consortium bid, not the other.
    assert not panel.may_open(evaluator, bid, lifecycle.counting_revision(bid))
    assert panel.may_open(evaluator, other, lifecycle.counting_revision(other))
    with pytest.raises(EvaluationError, match="cannot score this bid"):
        scoring.save_sheet(bid, evaluator, _scores(need, 3), submit=True)
    assert [m.user_id for m in scoring.expected_scorers(bid, lifecycle.counting_revision(bid))] == []


def test_an_evaluator_who_has_not_declared_cannot_open_or_score(db_session):
    ev = factories.make_evaluation(evaluators=0)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    panel.assign_evaluator(ev.need, evaluator, actor=ev.commissioner)
    bid = ev.bids[0]
    assert not panel.may_open(evaluator, bid, lifecycle.counting_revision(bid))
    with pytest.raises(EvaluationError, match="cannot score"):
        scoring.save_sheet(bid, evaluator, _scores(ev.need, 3), submit=False)


# Scoring ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [5, -1, "four", "3.5", ""])
def test_scores_are_whole_numbers_from_0_to_4(db_session, bad):
    ev = factories.make_evaluation()
    with pytest.raises(EvaluationError) as error:
        scoring.save_sheet(ev.bids[0], ev.evaluators[0], _scores(ev.need, bad), submit=True)
    assert error.value.field.startswith("score_")
    assert count(ScoreSheet) == 0


def test_a_draft_may_be_partial_but_a_submission_is_complete_and_final(db_session):
    ev = factories.make_evaluation()
    bid, evaluator = ev.bids[0], ev.evaluators[0]
    parts = scoring.parts(ev.need)
    assert [p.key for p in parts][-1] == "social_value"
    draft = scoring.save_sheet(bid, evaluator, {parts[0].key: (2, "")}, submit=False)
    assert draft.submitted_at is None and draft.score_for(parts[0].key).score == 2
    with pytest.raises(EvaluationError, match="Give a justification") as error:
        scoring.save_sheet(bid, evaluator, _scores(ev.need, 3, text=" "), submit=True)
    assert error.value.field == f"justification_{parts[0].key}"
    with pytest.raises(EvaluationError, match="Choose a score for social value"):
        scoring.save_sheet(bid, evaluator, {parts[0].key: (3, "Good")}, submit=True)
    sheet = scoring.save_sheet(bid, evaluator, _scores(ev.need, 3), submit=True)
    assert sheet.id == draft.id and sheet.submitted_at is not None
    assert count(AuditEvent, AuditEvent.action == "scores.submitted") == 1
    with pytest.raises(EvaluationError, match="already submitted"):
        scoring.save_sheet(bid, evaluator, _scores(ev.need, 4), submit=True)
    db.session.refresh(sheet)
    assert {s.score for s in sheet.scores} == {3}


def test_evaluators_see_others_scores_only_after_submitting_their_own(db_session):
    ev = factories.make_evaluation()
    bid = ev.bids[0]
    first, second = ev.evaluators
    scoring.save_sheet(bid, first, _scores(ev.need, 4), submit=True)
    assert scoring.may_see_scores(first, bid)
    assert not scoring.may_see_scores(second, bid)
    scoring.save_sheet(bid, second, _scores(ev.need, 2), submit=False)
    assert not scoring.may_see_scores(second, bid)
    scoring.save_sheet(bid, second, _scores(ev.need, 2), submit=True)
    assert scoring.may_see_scores(second, bid)


# Moderation --------------------------------------------------------------------------------------


def test_moderation_needs_every_unconflicted_evaluators_scores(db_session):
    ev = factories.make_evaluation()
    bid = ev.bids[0]
    scoring.save_sheet(bid, ev.evaluators[0], _scores(ev.need, 3), submit=True)
    with pytest.raises(EvaluationError, match="must submit their scores"):
        moderation.agree_scores(bid, _scores(ev.need, 3), actor=ev.commissioner)
    scoring.save_sheet(bid, ev.evaluators[1], _scores(ev.need, 1), submit=True)
    with pytest.raises(EvaluationError, match="rationale") as error:
        moderation.agree_scores(bid, _scores(ev.need, 2, text=""), actor=ev.commissioner)
    assert error.value.field.startswith("rationale_")
    assert count(AgreedScore) == 0
    moderation.agree_scores(bid, _scores(ev.need, 2, "Between the two."), actor=ev.commissioner)
    moderation.agree_scores(bid, _scores(ev.need, 3, "On reflection, good."), actor=ev.commissioner)
    assert {a.score for a in moderation.agreed_scores(bid).values()} == {3}
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "scores.moderated").order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2 and set(events[1].before.values()) == {2} and set(events[1].after["scores"].values()) == {3}
    # The original sheets are kept as they were.
    assert sorted(s.scores[0].score for s in scoring.counted_sheets(bid)) == [1, 3]


def test_closing_moderation_needs_agreed_scores_for_every_bid_then_freezes_scoring(db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, close=False, agree=False)
    moderation.agree_scores(ev.bids[0], _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    with pytest.raises(EvaluationError, match="Agree the scores of every bid first"):
        moderation.close_moderation(ev.lot, actor=ev.commissioner)
    moderation.agree_scores(ev.bids[1], _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    moderation.close_moderation(ev.lot, actor=ev.commissioner)
    late = factories.make_area_staff(Role.EVALUATOR)
    panel.assign_evaluator(ev.need, late, actor=ev.commissioner)
    panel.declare_conflicts(ev.need, late, {o.id: (False, "") for o in panel.bidding_organisations(ev.need)})
    with pytest.raises(EvaluationError, match="Moderation of this lot is closed"):
        scoring.save_sheet(ev.bids[0], late, _scores(ev.need, 4), submit=True)
    with pytest.raises(EvaluationError, match="Moderation of this lot is closed"):
        moderation.agree_scores(ev.bids[0], _scores(ev.need, 4, "Later"), actor=ev.commissioner)
    with pytest.raises(EvaluationError, match="already closed"):
        moderation.close_moderation(ev.lot, actor=ev.commissioner)


# Totals and ranking (worked by hand) ---------------------------------------------------------------


def test_totals_and_ranking_worked_by_hand(db_session):
    """Weights: question 60, social value 20, price 20.
    A: scores 3 and 3, price £40,000 (the lowest): 45 + 15 + 20 = 80.00
    B: scores 4 and 4, price £45,000: 60 + 20 + 40000/45000 x 20 = 17.777... -> 97.78
    C: scores 4 and 2, price £60,000: 60 + 10 + 13.333... = 83.33"""
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000, 6_000_000), lots=(7_000_000,))
    parts = scoring.parts(ev.need)
    for index, bid in enumerate(ev.bids):
        values = [(3, 3), (4, 4), (4, 2)][index]
        scores = {p.key: (v, "Because.") for p, v in zip(parts, values, strict=True)}
        for evaluator in ev.evaluators:
            scoring.save_sheet(bid, evaluator, scores, submit=True)
        moderation.agree_scores(bid, scores, actor=ev.commissioner)
    rows = ranking.ranking(ev.lot)
    assert [(r.bid.id, str(r.total_2dp), r.rank) for r in rows] == [
        (ev.bids[1].id, "97.78", 1),
        (ev.bids[2].id, "83.33", 2),
        (ev.bids[0].id, "80.00", 3),
    ]
    assert rows[0].price_points == Fraction(4_000_000, 4_500_000) * 20
    assert str(rows[1].quality_2dp) == "70.00" and str(rows[1].price_2dp) == "13.33"


def test_a_tie_is_broken_by_the_higher_quality_score_and_a_full_tie_shares_the_rank(db_session):
    """A: 3/3 at £40,000 -> 45 + 15 + 20 = 80. B: 4/1 at £40,000 -> 60 + 5 + 20 = 85.
    C: 4/2 at £80,000 -> 60 + 10 + 10 = 80, the same total as A, but its quality (70) beats
    A's (60), so C ranks above A. D: A's scores and price exactly: it shares A's rank."""
    ev = factories.make_evaluation(prices=(4_000_000, 4_000_000, 8_000_000, 4_000_000), lots=(9_000_000,))
    parts = scoring.parts(ev.need)
    for index, bid in enumerate(ev.bids):
        values = [(3, 3), (4, 1), (4, 2), (3, 3)][index]
        scores = {p.key: (v, "Because.") for p, v in zip(parts, values, strict=True)}
        for evaluator in ev.evaluators:
            scoring.save_sheet(bid, evaluator, scores, submit=True)
        moderation.agree_scores(bid, scores, actor=ev.commissioner)
    rows = ranking.ranking(ev.lot)
    by_bid = {r.bid.id: r for r in rows}
    a, b, c, d = (by_bid[bid.id] for bid in ev.bids)
    assert (str(a.total_2dp), str(c.total_2dp)) == ("80.00", "80.00")
    assert (b.rank, c.rank, a.rank, d.rank) == (1, 2, 3, 3)
    assert a.tied and d.tied and not c.tied


def test_moderation_waits_for_a_panel_member_who_has_not_declared(db_session):
    ev = factories.make_evaluation()
    late = factories.make_area_staff(Role.EVALUATOR)
    panel.assign_evaluator(ev.need, late, actor=ev.commissioner)
    bid = ev.bids[0]
    for evaluator in ev.evaluators:
        scoring.save_sheet(bid, evaluator, _scores(ev.need, 3), submit=True)
    assert not scoring.scoring_complete(bid, lifecycle.counting_revision(bid))
    with pytest.raises(EvaluationError, match="must submit their scores"):
        moderation.agree_scores(bid, _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
    # Taken off the panel, they no longer hold moderation up.
    panel.remove_evaluator(panel.panel_member(ev.need, late), actor=ev.commissioner)
    moderation.agree_scores(bid, _scores(ev.need, 3, "Agreed"), actor=ev.commissioner)
