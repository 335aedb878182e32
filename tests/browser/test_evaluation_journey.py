"""Evaluation and award in a real browser, from the demo data, as a new user would try it
on the demo allotment need (closed, three bids, the large company's flagged abnormally
low, nobody on the panel yet):

- the commissioner puts the demo evaluator on the panel; the evaluator declares no
  conflicts and scores every bid on their own;
- the commissioner moderates, asks the large company to explain its price, the company
  explains, the commissioner accepts the explanation, closes moderation and awards the
  lot; it is worth more than East Kent's £25,000 sign-off threshold, so the board member
  approves it;
- every demo bidder reads its assessment summary from its bid page;
- standstill (8 working days) is passed by moving the decision's times back until it
  ended a minute ago, as a clock would; the commissioner then makes the contract, whose
  schedule sums to its value.

Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab).
"""

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.timeutil import utcnow

from .test_bids_journey import CLOSED_NEED, need_id
from .test_needs_journey import error_summary, outbox, sign_in

CHARITY = "Thanet Women's Centre"
CIC = "Green Shoots Growing CIC"
BIGCO = "Nationwide Justice Services Ltd"
SCORES = {CHARITY: "4", CIC: "3", BIGCO: "2"}


def _main(tab):
    return tab.page.locator("main")


def _panel_and_declarations(commissioner, evaluator, need):
    page = commissioner.page
    sign_in(commissioner, "commissioner@demo.test")
    # From the home page, the closed need leads to its evaluation.
    commissioner.click(page.get_by_role("link", name=CLOSED_NEED))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evaluation")
    commissioner.click(page.get_by_role("link", name="Manage the evaluation panel"))
    page.get_by_label(re.compile("Evan Evaluator")).check()
    commissioner.click(page.get_by_role("button", name="Add to the panel"))
    expect(_main(commissioner)).to_contain_text("Evan Evaluator")

    page = evaluator.page
    sign_in(evaluator, "evaluator@demo.test")
    evaluator.click(page.get_by_role("link", name=CLOSED_NEED))
    # Nothing to score before declaring interests.
    expect(_main(evaluator)).not_to_contain_text("Each woman sets her own wellbeing goals")
    evaluator.click(page.get_by_role("button", name="Declare your interests"))
    for organisation in (CHARITY, CIC, BIGCO):
        page.get_by_role("group", name=organisation).get_by_label("No conflict of interest").check()
    evaluator.click(page.get_by_role("button", name="Send your declarations"))


def _score_every_bid(evaluator, need):
    page = evaluator.page
    evaluator.goto(f"/needs/{need}/evaluation/mine")
    for organisation, score in SCORES.items():
        evaluator.click(page.get_by_role("link", name=f"Score the bid from {organisation}"))
        # An empty submission explains itself and keeps nothing back.
        evaluator.click_refused(page.get_by_role("button", name="Submit scores"))
        expect(error_summary(page)).to_contain_text("Choose a score")
        for group in page.get_by_role("group", name=re.compile("Your score for")).all():
            group.get_by_label(score, exact=True).check()
        for box in page.get_by_label("Why you gave this score").all():
            box.fill(f"Scored {score}: the answer's evidence, weighed against the question.")
        evaluator.click(page.get_by_role("button", name="Submit scores"))
        expect(_main(evaluator)).to_contain_text(f"Scored {score}")
        evaluator.goto(f"/needs/{need}/evaluation/mine")
    expect(page.get_by_role("table")).not_to_contain_text("To score")


def _moderate(commissioner, need):
    page = commissioner.page
    for organisation, score in SCORES.items():
        commissioner.goto(f"/needs/{need}/evaluation")
        commissioner.click(
            page.get_by_role("row").filter(has_text=organisation).get_by_role("link", name=re.compile("^Moderate"))
        )
        for group in page.get_by_role("group", name=re.compile("Agreed score for")).all():
            group.get_by_label(score, exact=True).check()
        for box in page.get_by_label("Rationale for the agreed score").all():
            box.fill(f"The panel's score of {score} stands.")
        commissioner.click(page.get_by_role("button", name="Save the agreed scores"))


def _explain_the_low_bid(commissioner, bigco, need):
    page = commissioner.page
    commissioner.goto(f"/needs/{need}/evaluation")
    commissioner.click(
        page.get_by_role("row")
        .filter(has_text=BIGCO)
        .get_by_role("link", name=re.compile("explanation|Abnormally|flag", re.I))
        .first
    )
    page.get_by_label("What should the bidder explain?").fill(
        "How will you pay for two sessions a week with tools and transport at this price?"
    )
    # The earliest allowed day is in the hint; too soon is explained by the field.
    hint = page.get_by_role("group", name="Respond by").locator(".govuk-hint").inner_text()
    earliest = re.search(r"(\d{1,2}) (\w+) (\d{4})", hint)
    assert earliest, hint
    from datetime import datetime

    day = datetime.strptime(earliest.group(0), "%d %B %Y").date()
    group = page.get_by_role("group", name="Respond by")
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))
    commissioner.click(page.get_by_role("button", name="Ask the bidder to explain"))
    expect(_main(commissioner)).to_contain_text("How will you pay for two sessions")

    page = bigco.page
    sign_in(bigco, "bigco@demo.test")
    bigco.goto("/bids")
    bigco.click(page.get_by_role("link", name=re.compile(CLOSED_NEED)).first)
    bigco.click(page.get_by_role("link", name="Explain your price"))
    page.get_by_label("Your explanation").fill(
        "Our regional team already runs sessions nearby; tools come from our national stock."
    )
    bigco.click(page.get_by_role("button", name="Send your explanation"))
    expect(_main(bigco)).to_contain_text("Our regional team already runs sessions nearby")

    page = commissioner.page
    commissioner.page.reload()
    commissioner.check()
    page.get_by_label("Accept the explanation: the bid stays in").check()
    page.get_by_label("Reasons for your decision").fill("Existing staff and stock make the price credible.")
    commissioner.click(page.get_by_role("button", name="Record the decision"))
    expect(_main(commissioner)).to_contain_text("Existing staff and stock make the price credible.")


def test_evaluate_award_with_sign_off_summaries_and_contract(tab, another_tab, live_app):
    commissioner, evaluator, bigco = tab, another_tab(), another_tab()
    need = need_id(live_app, CLOSED_NEED)
    _panel_and_declarations(commissioner, evaluator, need)
    _score_every_bid(evaluator, need)
    _moderate(commissioner, need)
    _explain_the_low_bid(commissioner, bigco, need)

    page = commissioner.page
    commissioner.goto(f"/needs/{need}/evaluation")
    commissioner.click(page.get_by_role("button", name=re.compile("Close moderation")))
    commissioner.click(page.get_by_role("link", name=re.compile("See the ranking")))
    ranking = page.get_by_role("table").first
    expect(ranking).to_contain_text(CHARITY)
    commissioner.goto(f"/needs/{need}/evaluation")
    commissioner.click(page.get_by_role("link", name=re.compile("Decide the award")))
    page.get_by_label(f"Award to {CHARITY}").check()
    page.get_by_label("Reasons for the decision").fill(
        "The highest total score: the clearest plan to measure wellbeing."
    )
    commissioner.click(page.get_by_role("button", name="Record the decision"))
    expect(_main(commissioner)).to_contain_text(re.compile("sign-off", re.I))

    # The board member approves it from the home page.
    board = another_tab()
    sign_in(board, "board@demo.test")
    board.click(board.page.get_by_role("link", name=re.compile(CLOSED_NEED)))
    board.page.get_by_label("Yes, approve it").check()
    board.click(board.page.get_by_role("button", name="Send your decision"))
    expect(_main(board)).to_contain_text(re.compile("approved", re.I))

    # Every bidder reads its summary from its bid page, and was emailed.
    for email, _organisation, result in (
        ("charity@demo.test", CHARITY, "Your bid won"),
        ("cic@demo.test", CIC, "did not win"),
        ("bigco@demo.test", BIGCO, "did not win"),
    ):
        bidder = another_tab()
        sign_in(bidder, email)
        bidder.goto("/bids")
        bidder.click(bidder.page.get_by_role("link", name=re.compile(CLOSED_NEED)).first)
        bidder.click(bidder.page.get_by_role("link", name="Read your assessment summary"))
        expect(_main(bidder)).to_contain_text(result)
        expect(_main(bidder)).to_contain_text(CHARITY)  # the winner's scores are shown to all
        assert any("The outcome of your bid" in subject for subject, _ in outbox(live_app, email))

    # During standstill the contract cannot be made.
    commissioner.goto(f"/needs/{need}/evaluation")
    commissioner.click(page.get_by_role("link", name="Make the contract"))
    expect(_main(commissioner)).to_contain_text("Standstill ends")
    _pass_standstill(live_app, need)
    commissioner.page.reload()
    commissioner.check()
    commissioner.click(page.get_by_role("button", name="Make the contract"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(CLOSED_NEED)
    expect(_main(commissioner)).to_contain_text("£29,000")
    contract_value, schedule_total = _contract_sums(live_app, need)
    assert contract_value == schedule_total == 2_900_000


def _pass_standstill(live_app, need):
    """The clock moves on to a minute after standstill ends: the decision's times move back
    by as much (8 working days are 10 calendar days, but 15 over Christmas)."""
    from marketplace.evaluation.models import AwardDecision
    from marketplace.needs.models import Lot

    with live_app.app_context():
        decision = db.session.scalar(
            sa.select(AwardDecision)
            .join(Lot, Lot.id == AwardDecision.lot_id)
            .where(Lot.need_id == need, AwardDecision.refused_at.is_(None))
        )
        moved = decision.standstill_ends_at - utcnow() + timedelta(minutes=1)
        for field in ("decided_at", "signed_off_at", "summaries_sent_at", "standstill_ends_at"):
            setattr(decision, field, getattr(decision, field) - moved)
        db.session.commit()
        db.session.remove()


def _contract_sums(live_app, need):
    from marketplace.contracts.models import Contract

    with live_app.app_context():
        contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need))
        result = contract.value_pence, sum(m.amount_pence for m in contract.milestones)
        db.session.remove()
    return result
