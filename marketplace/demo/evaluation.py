"""The demo's evaluations, through the evaluation and contract services at times after the
needs closed: the community groups need being scored (the evaluator's work, and the CIC
asked to explain its low price), the mentoring need in moderation, and the employment need
scored, moderated, awarded and, its standstill over, made a contract. DEMO_JUSTIFICATIONS are the evaluator's
words for each mark, HISTORY's too."""

from datetime import timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ..accounts import services as account_services
from ..contracts import services as contract_services
from ..evaluation import award, low_bids, moderation, panel, ranking, scoring
from ..extensions import db
from ..needs.models import Need
from ..timeutil import london_date, utcnow
from ..workdays import add_working_days
from .bids import FINISHED_NEED, MODERATION_NEED, SCORING_NEED
from .dated import on

DEMO_JUSTIFICATIONS = {
    1: "Weak: little evidence that the approach would reach people here.",
    2: "Acceptable: a general programme, with little about how it works in East Kent.",
    3: "Good: a clear local plan, with some gaps in how progress is measured.",
    4: "Excellent: a detailed local plan with evidence from their current work.",
}


def add_evaluations() -> None:
    """The mentoring need in moderation and the employment need finished with a contract,
    both through the evaluation services at times after they closed. The allotment need is
    left for people trying the portal to evaluate from the start."""
    _scoring_under_way()
    commissioner = account_services.find_user("commissioner@demo.test")
    evaluator = account_services.find_user("evaluator@demo.test")
    assert evaluator is not None  # made by demo/people.py
    marks = {"charity@demo.test": 4, "cic@demo.test": 3, "bigco@demo.test": 2}
    for title in (MODERATION_NEED, FINISHED_NEED):
        need = db.session.scalar(sa.select(Need).where(Need.title == title))
        if need is None or need.closes_at is None or panel.panel(need) or award.current_decision(need.lots[0]):
            continue
        lot = need.lots[0]
        at = need.closes_at + timedelta(days=1)
        if need.status_at(at).value != "closed":
            continue
        panel.assign_evaluator(need, evaluator, actor=commissioner, now=at)
        panel.declare_conflicts(need, evaluator, {o.id: (False, "") for o in panel.bidding_organisations(need)}, now=at)
        entries = scoring.lot_bids(lot)
        for bid, _ in entries:
            mark = next(v for email, v in marks.items() if bid.organisation.contact_email == email)
            scores = {p.key: (mark, DEMO_JUSTIFICATIONS[mark]) for p in scoring.parts(need)}
            scoring.save_sheet(bid, evaluator, scores, submit=True, now=at + timedelta(hours=2))
            if title == FINISHED_NEED or bid is entries[0][0]:
                moderation.agree_scores(bid, scores, actor=commissioner, now=at + timedelta(days=1))
        if title == MODERATION_NEED:
            continue
        moderation.close_moderation(lot, actor=commissioner, now=at + timedelta(days=1, hours=1))
        winner = ranking.ranking(lot)[0].bid
        decided = at + timedelta(days=2)
        decision = award.decide(
            lot,
            bid=winner,
            reasons="The highest total score: the strongest plan for work that lasts, at a fair price.",
            actor=commissioner,
            now=decided,
        )
        assert decision.standstill_ends_at is not None and need.duration_months is not None  # an award; a demo need
        made = decision.standstill_ends_at + timedelta(days=1)
        starts = london_date(made) + timedelta(days=1)
        contract_services.create_contract(
            decision,
            starts_on=starts,
            ends_on=starts + relativedelta(months=need.duration_months),
            schedule=contract_services.proposed_schedule(decision, starts),
            outcome_ids=[o.id for o in need.outcomes],
            actor=commissioner,
            now=made,
        )
    db.session.flush()


LOW_PRICE_QUESTION = (
    "Your price is well below the other bids. How will you pay for two groups a week, the mentors and the "
    "placements' travel at this price?"
)


def _scoring_under_way() -> None:
    """The community groups need, closed a few days ago: the demo evaluator on its panel,
    interests declared, one bid of three scored (two left to score); and the CIC, whose
    price was flagged abnormally low at closing, asked this morning to explain it, by a day
    3 working days away."""
    commissioner = account_services.find_user("commissioner@demo.test")
    evaluator = account_services.find_user("evaluator@demo.test")
    need = db.session.scalar(sa.select(Need).where(Need.title == SCORING_NEED))
    if need is None or need.closes_at is None or panel.panel(need):
        return
    now = utcnow()
    at = need.closes_at + timedelta(days=1)
    if need.status_at(at).value != "closed" or at >= now:
        return
    on(at, panel.assign_evaluator, need, evaluator, actor=commissioner)
    on(at, panel.declare_conflicts, need, evaluator, {o.id: (False, "") for o in panel.bidding_organisations(need)})
    entries = scoring.lot_bids(need.lots[0])
    first = next(bid for bid, _ in entries if bid.low_flagged_at is None)
    scores = {p.key: (3, DEMO_JUSTIFICATIONS[3]) for p in scoring.parts(need)}
    on(at + timedelta(hours=3), scoring.save_sheet, first, evaluator, scores, submit=True)
    flagged = [bid for bid, _ in entries if bid.low_flagged_at is not None]
    asked = now - timedelta(hours=1)
    for bid in flagged:
        on(
            asked,
            low_bids.request_explanation,
            bid,
            request=LOW_PRICE_QUESTION,
            respond_by=add_working_days(london_date(asked), 3),
            actor=commissioner,
        )
    db.session.flush()
