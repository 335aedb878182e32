"""A need on the short grant form through evaluation: evaluators score social value from
the answer to question 3, and scores, ranking, award and summaries work as for any need."""

from marketplace.evaluation import award, ranking, scoring, summaries
from marketplace.evaluation.models import SOCIAL_VALUE
from marketplace.extensions import db
from marketplace.needs.proportion import SHORT_FORM_SOCIAL_VALUE_NOTE

from .. import factories
from ..helpers import page_text
from .pages import signed_in


def _short_form_evaluation():
    return factories.make_evaluation(prices=(1_500_000, 1_700_000), lots=(1_800_000,), short_form=True)


def test_the_evaluator_scores_social_value_from_the_answer_to_question_3(app, db_session):
    ev = _short_form_evaluation()
    bid = ev.bids[0]
    answers = dict(bid.answers)
    answers[str(ev.need.criteria[2].id)] = "Two of our mentors are paid: women who came to us through probation."
    bid.answers = answers  # (the need has closed: written directly, as if submitted so)
    bid.latest_revision.content = {
        **bid.latest_revision.content,
        "answers": [{**a, "answer": answers[str(a["criterion_id"])]} for a in bid.latest_revision.content["answers"]],
    }
    db.session.commit()
    client = signed_in(app, ev.evaluators[0])
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/score"))
    assert "Social value is part of the answer to question 3" in page
    assert page.count("women who came to us through probation") == 2  # by question 3, and by social value
    assert "The bidder&#39;s social value commitments" not in page
    social = scoring.parts(ev.need)[-1]
    assert (social.key, social.question, social.weight) == (SOCIAL_VALUE, SHORT_FORM_SOCIAL_VALUE_NOTE, 20)


def test_a_short_form_need_goes_from_bid_to_award(db_session):
    ev = _short_form_evaluation()
    factories.score_all(ev, {0: 2, 1: 4})
    rows = ranking.ranking(ev.lot)
    assert [r.bid.id for r in rows] == [ev.bids[1].id, ev.bids[0].id]
    # Quality 60% (three questions of 20%) and social value 20% at 4 of 4, and price 20%
    # at £15,000 / £17,000.
    assert str(scoring.two(rows[0].total)) == "97.65"
    award.decide(ev.lot, bid=rows[0].bid, reasons="Best quality.", actor=ev.commissioner)
    lost = summaries.summaries_for(ev.bids[0])[0].content
    assert lost["result"] == "not_won"
    assert lost["bid"]["total_points"] == "60.00"  # 2 of 4 on every part (40), and the lowest price (20)
    assert lost["bid"]["parts"][-1]["question"] == SHORT_FORM_SOCIAL_VALUE_NOTE
