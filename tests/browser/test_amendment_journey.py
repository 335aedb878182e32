"""An amendment in a real browser, as issue 16's "Done when" describes it: the demo
commissioner raises the budget of lot 1 of an open need with a bid on each of its two
lots; only lot 1's bidder (the demo charity) must confirm its bid again, and it sees the
change, before and after, on the page where it confirms; lot 2's bidder is not disturbed.

Every page visited is checked by `tab` (see conftest.py): GOV.UK Frontend's JavaScript ran,
no console errors, and no axe-core WCAG 2.2 A/AA violations.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.timeutil import london_date, utcnow
from marketplace.workdays import add_working_days

from .test_needs_journey import (
    COMMISSIONER,
    at_noon,
    expect,
    sign_in,
    success_banner,
    task,
)

pytestmark = pytest.mark.browser

CHARITY = "charity@demo.test"
OTHER = "pathways@demo.test"
# Words no other browser test searches for: the tests share one live app.
TITLE = "Family support in Canterbury and Whitstable"


def make_need_with_a_bid_on_each_lot(live_app) -> tuple[int, int, int]:
    """An open need of the demo commissioner's with two lots, closing in 20 working days,
    and a submitted bid on each: the charity's on lot 1, another provider's on lot 2. Set
    up in the database, as the demo data is. Returns (need id, lot 1's bid, lot 2's bid)."""
    from marketplace.accounts.services import find_user
    from marketplace.bids import drafting as bid_drafting
    from marketplace.bids import submission
    from marketplace.needs import drafting
    from marketplace.needs.models import Reservation
    from marketplace.reference.models import Area, DesiredOutcome, ServiceCategory

    today = london_date(utcnow())
    with live_app.app_context():
        commissioner = find_user(COMMISSIONER)
        east_kent = db.session.scalar(sa.select(Area).where(Area.code == "N57EKNT"))
        family = db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == "family"))
        outcomes = db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.category_id == family.id)).all()
        need = drafting.create_need(area=east_kent, title=TITLE, actor=commissioner)
        drafting.update_about(
            need,
            title=TITLE,
            summary="Support for families of people on probation.",
            pdus=[east_kent],
            category=family,
            outcomes=outcomes[:1],
            cohort="Families of adults on probation in East Kent",
            expected_people=40,
            duration_months=12,
            procedure="grant",
        )
        for title, pence in (("Canterbury families", 3_000_000), ("Whitstable family days", 2_000_000)):
            drafting.save_lot(
                need, title=title, description="Weekly sessions.", value_pence=pence, reservation=Reservation.NONE
            )
        drafting.save_criterion(need, question="How will you involve the whole family?", weight=60, word_limit=300)
        drafting.set_weights(need, social_value_weight=20, price_weight=20)
        drafting.set_payment_profile(need, advance_percent=20, milestones=[("Final report", 80, 12)])
        need.question_deadline = at_noon(add_working_days(today, 15))
        need.closes_at = at_noon(add_working_days(today, 20))
        need.published_at = utcnow() - timedelta(days=7)
        db.session.flush()
        made = []
        for email, lot in ((CHARITY, need.lots[0]), (OTHER, need.lots[1])):
            provider = find_user(email)
            bid = bid_drafting.start_bid(lot, organisation=provider.organisations[0], actor=provider)
            bid_drafting.save_answers(
                bid,
                answers={c.id: "Family days every month, with a key worker." for c in need.criteria},
                actor=provider,
            )
            bid_drafting.save_price(
                bid,
                price_pence=lot.value_pence,
                breakdown=bid_drafting.suggested_breakdown(bid, lot.value_pence),
                people=40,
                actor=provider,
            )
            bid_drafting.save_social_value(bid, text="Volunteering roles for parents.", actor=provider)
            bid_drafting.save_local_presence(bid, pdu_ids=[east_kent.id], actor=provider)
            bid_drafting.save_declarations(
                bid, declarations=["eligible", "no_conflict", "accurate"], conflict_details="", actor=provider
            )
            submission.submit_bid(bid, actor=provider)
            made.append(bid.id)
        db.session.commit()
        found = (need.id, *made)
        db.session.remove()
    return found


def test_a_lots_budget_changes_and_only_that_lots_bidder_reconfirms_seeing_the_change(
    tab, another_tab, live_app, tmp_path
):
    need_id, charity_bid, other_bid = make_need_with_a_bid_on_each_lot(live_app)
    reason = "The council has added money for weekend family days in Canterbury."

    # The commissioner raises lot 1's budget from £30,000 to £36,000, with a reason.
    page = tab.page
    sign_in(tab, COMMISSIONER)
    tab.goto(f"/needs/{need_id}/manage")
    task(tab, "Lots")
    tab.click(page.get_by_role("link", name="Change lot 1"))
    expect(page.locator(".govuk-warning-text")).to_contain_text("returns the bids already submitted on that lot")
    page.get_by_label("Budget").fill("£36,000")
    page.get_by_label("Reason for the change").fill(reason)
    tab.click(page.get_by_role("button", name=re.compile("Save")))
    expect(success_banner(page)).to_contain_text("Providers following the need have been told.")

    # The charity, lot 1's bidder, must confirm again, and sees what changed.
    charity = another_tab()
    sign_in(charity, CHARITY)
    charity.goto(f"/bids/{charity_bid}")
    expect(charity.page.locator("#state")).to_contain_text("Needs reconfirmation")
    expect(charity.page.get_by_role("main")).not_to_contain_text("You have changes you have not submitted")
    charity.click(charity.page.get_by_role("link", name="See what changed and confirm your bid"))
    changes = charity.page.locator("#changes")
    expect(changes.get_by_role("heading", level=2)).to_have_text("What changed since you submitted")
    row = changes.locator("tr", has=charity.page.locator("th", has_text="Lot 1 (Canterbury families): budget"))
    expect(row.locator("td")).to_have_text(["£30,000", "£36,000"])
    expect(changes).to_contain_text(f"Reason: {reason}")
    # Photographed (set SCREENSHOT_DIR to keep the picture).
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    charity.page.screenshot(path=str(folder / "reconfirm.png"), full_page=True)
    charity.click(charity.page.get_by_role("button", name="Submit bid"))
    expect(charity.page.get_by_role("heading", level=1)).to_have_text("Bid submitted")
    charity.goto(f"/bids/{charity_bid}")
    expect(charity.page.locator("#state")).to_contain_text("Submitted")

    # Lot 2's bidder was never disturbed: its bid still counts, with nothing to confirm.
    other = another_tab()
    sign_in(other, OTHER)
    other.goto(f"/bids/{other_bid}")
    expect(other.page.locator("#state")).to_contain_text("Submitted")
    main = other.page.get_by_role("main")
    expect(main).not_to_contain_text("Needs reconfirmation")
    expect(main).not_to_contain_text("You have changes you have not submitted")

    # The need's public history shows the change, field by field.
    tab.goto(f"/needs/{need_id}")
    history = page.locator("#amendments + ul > li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("Bids already submitted on lot 1 must be confirmed again.")
