"""A new charity bids for the demo's small reserved lot in a real browser, as a newcomer
would (issue 20): it finds the need and reads how long a bid takes, registers from the
need's page, confirms its email with one link that brings it back to the bid signed in,
says once on its profile where it works and the social value it brings, and bids on the
short grant form: local presence comes from the profile, the third answer starts from its
profile's statement through "Use an earlier answer", then check and submit.

Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab).
"""

import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db

from .test_accounts_journey import latest_email_body
from .test_bids_journey import find_need, save, section

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser

SMALL_NEED = "Peer mentoring for women leaving custody in Thanet"
EMAIL = "hello@cliftonvillesisters.example"
STATEMENT = (
    "Every mentor we train is a woman from Thanet with lived experience, paid the real living wage, "
    "and we buy from local firms."
)


def verify(live_app, name: str) -> None:
    """The Local Partners team checks the new organisation against the register."""
    from marketplace.accounts.services import find_user
    from marketplace.organisations.models import Organisation
    from marketplace.organisations.services import verify_organisation

    with live_app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == name))
        verify_organisation(organisation, actor=find_user("admin@demo.test"))
        db.session.commit()
        db.session.remove()


def test_a_new_charity_registers_and_bids_for_the_small_reserved_lot_reusing_its_profile(tab, live_app):
    page = tab.page
    find_need(tab, "mentoring", SMALL_NEED)
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"A bid for this need takes about \d+ minutes"))
    need_url = page.url

    # Registering from the need's page; one email brings the charity back to its bid.
    tab.click(page.get_by_role("link", name="Register your organisation to bid"))
    page.get_by_label("Organisation name").fill("Cliftonville Sisters")
    page.get_by_label("Charitable incorporated organisation (CIO)").check()
    page.get_by_label("Charity number").fill("1198765")
    page.get_by_label("Under £100,000 a year").check()
    page.get_by_label("Your full name").fill("Jade Okoro")
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("tidal marram pebble lighthouse")
    tab.click(page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    link = re.search(r"(https?://\S+/verify-email/\S+)", latest_email_body(live_app, EMAIL)).group(1)
    tab.goto(link)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("you are signed in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid for this need")

    # Said once, on the profile: where it works and the social value it brings.
    tab.click(page.locator(".govuk-service-navigation").get_by_role("link", name="Cliftonville Sisters"))
    tab.click(page.get_by_role("button", name="Edit profile"))
    page.get_by_role("checkbox", name="East Kent", exact=True).check()
    page.get_by_label("Your social value statement").fill(STATEMENT)
    tab.click(page.get_by_role("button", name="Save profile"))

    # The bid, on the short grant form.
    tab.goto(need_url)
    tab.click(page.get_by_role("button", name="Bid for this need"))
    tab.click(page.get_by_role("button", name="Start your bid"))
    expect(page.get_by_role("heading", level=2, name="Your bid")).to_be_visible()
    task_list = page.locator(".govuk-task-list").first
    expect(task_list).not_to_contain_text("Social value")  # part of question 3 on the short form
    expect(task_list.locator("li", has_text="Local presence")).to_contain_text("From your organisation's profile")

    section(tab, "Answers to the quality questions")
    boxes = page.get_by_role("textbox")
    boxes.nth(0).fill("Weekly one-to-one mentoring for women in their first three months after release.")
    boxes.nth(1).fill("Thirty women leaving custody to Thanet each year, referred by probation.")
    # Choosing an earlier answer keeps what was typed in the other boxes.
    tab.click(page.get_by_role("button", name="Use an earlier answer to question 3"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Use an earlier answer")
    tab.click(page.get_by_role("button", name=re.compile("^Use this answer")).first)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Answer copied from")
    third = page.get_by_role("textbox").nth(2)
    expect(third).to_have_value(STATEMENT)
    expect(page.get_by_role("textbox").nth(0)).to_have_value(re.compile("^Weekly one-to-one mentoring"))
    third.fill(STATEMENT + " Women will have somewhere to live and someone to call.")
    save(tab)

    section(tab, "Price")
    page.get_by_label("Total price").fill("17,500")
    save(tab)

    section(tab, "Declarations")
    for box in page.get_by_role("group", name="Confirm each of these").get_by_role("checkbox").all():
        box.check()
    save(tab)

    # Everything is filled in; only the team's check of the organisation was missing.
    expect(page.get_by_role("main")).to_contain_text("must be verified by the Local Partners team")
    verify(live_app, "Cliftonville Sisters")
    tab.goto(page.url)
    tab.click(page.locator(".govuk-task-list").get_by_role("link", name="Check and submit"))
    tab.click(page.get_by_role("button", name="Submit bid"))
    expect(page.locator(".govuk-panel")).to_contain_text("Bid submitted")
