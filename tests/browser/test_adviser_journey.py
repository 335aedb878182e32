"""A lived-experience adviser on a panel, in a real browser, from the demo data: on the
community groups need being scored, the commissioner invites a new adviser by email (an
empty form first: it explains itself), to score social value, unpaid; the adviser opens
the emailed link, makes an account, sets up an authenticator app, declares no conflicts
from their home's to-do, and scores a bid: only social value is on the sheet.
The commissioner then sees the adviser's score in moderation, marked as the adviser's.

Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab).
"""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

from .test_bids_journey import need_id
from .test_needs_journey import error_summary, sign_in
from .test_two_factor_journey import set_up_app

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser

SCORING_NEED = "Community groups and volunteering in Maidstone"
EMAIL = "sky.adviser@example.org"
REASON = "People I know would go to this group: it is run by people who have been through it."


def _invitation_path(live_app) -> str:
    """The accept link of the invitation emailed to the adviser, as their inbox holds it."""
    with live_app.app_context():
        body = db.session.scalar(
            sa.select(OutboxEmail.private_body).where(OutboxEmail.to == EMAIL).order_by(OutboxEmail.id.desc())
        )
        db.session.remove()
    return urlsplit(re.search(r"https?://\S+/invitations/\S+", body).group(0)).path


def _invite(commissioner, need):
    page = commissioner.page
    sign_in(commissioner, "commissioner@demo.test")
    commissioner.goto(f"/needs/{need}/evaluation/panel")
    commissioner.click(page.get_by_role("link", name="Invite a lived-experience adviser"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a lived-experience adviser")
    expect(page.get_by_label("Social value")).to_be_checked()  # suggested
    parts = page.get_by_role("group", name="What will the adviser score?")
    for box in parts.get_by_role("checkbox").all():
        box.uncheck()
    commissioner.click_refused(page.get_by_role("button", name="Send the invitation"))
    expect(error_summary(page)).to_contain_text("Enter the adviser's full name")
    expect(error_summary(page)).to_contain_text("Select at least one part for the adviser to score")
    page.get_by_label("Full name").fill("Sky Adviser")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("No, a volunteer").check()
    page.get_by_label("Social value").check()
    commissioner.click(page.get_by_role("button", name="Send the invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("The evaluation panel")
    expect(page.get_by_role("main")).to_contain_text(f"Invitation sent to {EMAIL}")
    expect(
        page.get_by_role("table", name="Lived-experience advisers invited who have not accepted yet")
    ).to_contain_text("Sky Adviser")


def _accept_and_score(adviser, live_app):
    page = adviser.page
    adviser.goto(_invitation_path(live_app))
    expect(page.get_by_role("main")).to_contain_text("as lived-experience adviser")
    page.get_by_label("Your full name").fill("Sky Adviser")
    page.get_by_label("Password", exact=True).fill("kestrel lantern orchard 41")
    adviser.click(page.get_by_role("button", name="Accept invitation"))
    adviser.goto("/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("kestrel lantern orchard 41")
    adviser.click(page.get_by_role("button", name="Sign in", exact=True))
    set_up_app(adviser)
    adviser.click(page.get_by_role("button", name="I have saved my recovery codes"))
    expect(page.locator("#adviser-to-do")).to_have_text("What to do next")
    adviser.click(page.locator("#adviser-to-do + .govuk-task-list").get_by_role("link", name="Declare your interests"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("interests")
    for choice in page.get_by_label("No conflict of interest").all():
        choice.check()
    adviser.click(page.get_by_role("button", name="Send your declarations"))
    adviser.click(page.get_by_role("link", name=re.compile(r"^Score the bid from ")).first)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Social value")
    expect(page.get_by_role("group", name=re.compile("Your score for"))).to_have_count(1)  # their part only
    expect(main).not_to_contain_text("Read the whole bid")
    page.get_by_role("group", name=re.compile("Your score for social value")).get_by_label("3", exact=True).check()
    page.get_by_label("Why you gave this score").fill(REASON)
    adviser.click(page.get_by_role("button", name="Submit scores"))
    expect(main).to_contain_text(REASON)
    return int(re.search(r"/bids/(\d+)/scores", page.url).group(1))


def test_an_adviser_is_invited_accepts_declares_and_scores_their_part(tab, another_tab, live_app):
    need = need_id(live_app, SCORING_NEED)
    _invite(tab, need)
    bid = _accept_and_score(another_tab(), live_app)
    page = tab.page
    tab.goto(f"/needs/{need}/evaluation/panel")
    expect(page.get_by_role("main")).to_contain_text("Sky Adviser")
    expect(page.get_by_role("main")).to_contain_text("Scores: Social value")
    tab.goto(f"/needs/{need}/evaluation/bids/{bid}/moderate")
    row = page.get_by_role("row", name=re.compile("Sky Adviser"))
    expect(row).to_contain_text("Lived-experience adviser")
    expect(row).to_contain_text(REASON)
