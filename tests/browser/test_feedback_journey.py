"""Feedback from the people a contract supports, in a real browser, from the demo data: on a
phone 320 pixels wide someone opens the demo contract's short link (as scanning its QR code
does), answers and gets the thank-you page; the provider publishes the comment after
editing it; a board member reads it on the partnership's review page. Every page visited
gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab)."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from marketplace.demo.feedback import DEMO_CODE

from .test_needs_journey import sign_in, success_banner

COMMENT = "Jo at the Ramsgate office helped me write my CV on 4 May."
EDITED = "A member of staff helped me write my CV."


def test_someone_gives_feedback_on_a_phone_and_the_board_reads_it(tab, another_tab):
    phone = another_tab()
    page = phone.page
    page.set_viewport_size({"width": 320, "height": 640})
    phone.goto(f"/f/{DEMO_CODE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us what you think")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the form is wider than the phone"
    page.get_by_role("group", name="Did our service help you?").get_by_label("Yes").check()
    page.get_by_label("I have a CV and feel ready for interviews").check()
    page.get_by_label("5 – Very well").check()
    page.get_by_role("group", name="Would you tell a friend to use it?").get_by_label("Yes").check()
    page.get_by_label("Is there anything else you want to tell us? (optional)").fill(COMMENT)
    phone.click(page.get_by_role("button", name="Send"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    # The provider (the charity's owner) publishes it, names and places taken out.
    provider = tab.page
    sign_in(tab, "charity@demo.test")
    tab.goto("/contracts")
    tab.click(provider.get_by_role("link", name="Employment support in East Kent").first)
    expect(provider.get_by_role("heading", name="Feedback from people supported")).to_be_visible()
    expect(provider.locator("dd").filter(has_text=f"/f/{DEMO_CODE}")).to_be_visible()
    expect(provider.locator("svg.lp-qr")).to_have_attribute("role", "img")
    tab.click(provider.get_by_role("link", name="See the feedback"))
    box = provider.locator("textarea").filter(has_text=COMMENT)
    expect(box).to_have_count(1)
    box.fill(EDITED)
    tab.click(box.locator("xpath=ancestor::form").get_by_role("button", name="Publish this comment"))
    expect(success_banner(provider)).to_contain_text("The comment has been published.")
    expect(provider.get_by_text(EDITED)).to_be_visible()
    expect(provider.get_by_text(COMMENT)).to_have_count(0)

    # The board member reads it on the partnership's review page, beside the outcomes.
    board = another_tab()
    sign_in(board, "board@demo.test")
    board.goto(re.sub(r"/feedback$", "/reviews", urlsplit(provider.url).path))
    expect(board.page.get_by_role("heading", name="What people supported say")).to_be_visible()
    expect(board.page.get_by_role("heading", name="Outcomes so far")).to_be_visible()
    expect(board.page.get_by_text(EDITED)).to_be_visible()
    expect(board.page.get_by_text(COMMENT)).to_have_count(0)
