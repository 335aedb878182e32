"""The bids journey in a real browser, from the demo data, as a new user would try it:

- the demo CIC and the demo charity build a consortium bid together, the CIC submits it
  and sees its receipt (time and SHA-256 digest), and the receipt is emailed;
- the demo commissioner sees only how many bids there are until closing;
- on the demo need that has closed, the large company's bid is flagged abnormally low.

Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab).
"""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.audit.models import AuditEvent
from marketplace.bids.models import Bid, BidRevision
from marketplace.extensions import db

from .test_needs_journey import error_summary, outbox, sign_in

# Demo needs (marketplace/demo/needs.py).
OPEN_NEED = "Women's centre support in East Kent"
CLOSING_SOON_NEED = "Move-on accommodation support in West Kent"
CLOSED_NEED = "Allotment and growing project in East Kent"


def find_need(tab, words: str, title: str) -> None:
    """Search the public list and open the need, as a provider would."""
    page = tab.page
    tab.goto("/needs")
    page.get_by_label("Search words").fill(words)
    tab.click(page.get_by_role("button", name="Apply filters"))
    tab.click(page.get_by_role("link", name=title))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def section(tab, name: str) -> None:
    tab.click(tab.page.locator(".govuk-task-list").get_by_role("link", name=name, exact=True))


def save(tab) -> None:
    tab.click(tab.page.get_by_role("button", name="Save and return to your bid"))
    expect(tab.page.get_by_role("heading", level=2, name="Your bid")).to_be_visible()


def need_id(live_app, title: str) -> int:
    from marketplace.needs.models import Need

    with live_app.app_context():
        found = db.session.scalar(sa.select(Need.id).where(Need.title == title))
        db.session.remove()
    return found


def test_the_cic_and_the_charity_bid_together_and_the_commissioner_sees_only_a_count(tab, another_tab, live_app):
    page = tab.page
    sign_in(tab, "cic@demo.test")
    find_need(tab, "move-on", CLOSING_SOON_NEED)
    tab.click(page.get_by_role("button", name="Bid for this need"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid for this need")
    # Submitting without choosing a lot is explained, nothing is created.
    if page.get_by_role("radio").count() > 1:
        tab.click(page.get_by_role("button", name="Start your bid"))
        expect(error_summary(page)).to_contain_text("Select the lot you are bidding for")
    page.get_by_role("radio", name=re.compile("Tenancy support")).check()
    tab.click(page.get_by_role("button", name="Start your bid"))
    expect(page.get_by_role("heading", level=2, name="Your bid")).to_be_visible()
    bid_url = page.url

    # The sections, one by one.
    section(tab, "Answers to the quality questions")
    page.get_by_role("textbox").first.fill(
        "A named tenancy support worker from day one, weekly visits for six months, and a link with "
        "the local council's housing team so that problems are caught before they become arrears."
    )
    expect(page.locator(".govuk-character-count__status").first).to_contain_text("words remaining")
    save(tab)

    section(tab, "Price")
    page.get_by_label("Total price").fill("-5")
    tab.click(page.get_by_role("button", name="Save and return to your bid"))
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Total price")).to_have_value("-5")  # what was typed is kept
    page.get_by_label("Total price").fill("72,000")
    page.get_by_label("Number of people you will support").fill("60")
    save(tab)

    section(tab, "Social value")
    page.get_by_role("textbox").first.fill(
        "We will employ two people with lived experience of probation as peer workers."
    )
    save(tab)

    section(tab, "Local presence")
    # Pre-ticked from the CIC's profile: it works in West Kent.
    expect(page.get_by_role("checkbox", name=re.compile("West Kent"))).to_be_checked()
    save(tab)

    section(tab, "Declarations")
    for box in page.get_by_role("group", name="Confirm each of these").get_by_role("checkbox").all():
        box.check()
    save(tab)

    # The charity joins as a partner.
    section(tab, "Consortium partners")
    tab.click(page.get_by_role("link", name="Add an organisation registered on Local Partners"))
    page.get_by_label("Organisation name, charity or company number").fill("Thanet")
    tab.click(page.get_by_role("button", name="Search"))
    page.get_by_role("radio", name="Thanet Women's Centre").check()
    page.get_by_label("Share of the work").fill("40")
    page.get_by_label("Share of the price").fill("40")
    tab.click(page.get_by_role("button", name="Add partner"))
    expect(page.get_by_role("table")).to_contain_text("Waiting for confirmation")
    lead = page.get_by_role("group", name="Green Shoots Growing CIC (lead)")
    lead.get_by_label("Share of the work").fill("60")
    lead.get_by_label("Share of the price").fill("60")
    tab.click(page.get_by_role("button", name="Save shares"))
    expect(page.get_by_text("The shares of the work add up to")).to_have_count(0)

    # Not yet: the partner has to confirm first, and the check page says so.
    tab.goto(bid_url)
    tab.click(page.get_by_role("link", name="See what is missing"))
    expect(error_summary(page)).to_contain_text("Thanet Women's Centre has not confirmed its share yet")

    charity = another_tab()
    sign_in(charity, "charity@demo.test")
    charity.goto(bid_url)
    expect(charity.page.get_by_role("heading", level=1)).to_be_visible()
    charity.click(charity.page.get_by_role("link", name="Confirm or decline your share"))
    expect(charity.page.get_by_role("heading", level=1)).to_have_text("Your share in Green Shoots Growing CIC's bid")
    charity.click(charity.page.get_by_role("button", name="Continue"))
    expect(error_summary(charity.page)).to_contain_text("Select whether you confirm or decline this share")
    charity.page.get_by_role("radio", name="Yes, confirm this share").check()
    charity.click(charity.page.get_by_role("button", name="Continue"))

    # The lead submits, twice (a double submit gives the same receipt).
    tab.goto(bid_url)
    tab.click(page.locator(".govuk-task-list").get_by_role("link", name="Check and submit"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your bid before submitting it")
    tab.click(page.get_by_role("button", name="Submit bid"))
    expect(page.locator(".govuk-panel")).to_contain_text("Bid submitted")
    digest = re.search(r"\b[0-9a-f]{64}\b", page.locator("main").inner_text()).group(0)
    receipt_url = page.url
    with live_app.app_context():
        bid = db.session.scalar(sa.select(Bid).where(Bid.id == int(re.search(r"/bids/(\d+)", bid_url).group(1))))
        revisions = db.session.scalars(sa.select(BidRevision).where(BidRevision.bid_id == bid.id)).all()
        assert [(r.number, r.digest) for r in revisions] == [(1, digest)]
        assert [p["name"] for p in revisions[0].content["partners"]] == ["Thanet Women's Centre"]
        db.session.remove()
    page.go_back()
    tab.check()
    tab.click(page.get_by_role("button", name="Submit bid"))
    assert page.url == receipt_url
    expect(page.locator("main")).to_contain_text(digest)
    assert any(digest in body for subject, body in outbox(live_app, "cic@demo.test") if subject.startswith("Receipt"))

    # The partner reads the bid but cannot submit it.
    charity.goto(bid_url)
    expect(charity.page.get_by_role("button", name="Submit bid")).to_have_count(0)
    expect(charity.page.locator("main")).to_contain_text("We will employ two people with lived experience")

    # The commissioner sees how many bids there are, and nothing of them, until closing.
    commissioner = another_tab()
    sign_in(commissioner, "commissioner@demo.test")
    commissioner.goto(f"/needs/{need_id(live_app, CLOSING_SOON_NEED)}/bids")
    expect(commissioner.page.locator("main")).to_contain_text("1 bid received so far")
    expect(commissioner.page.locator("main")).not_to_contain_text("Green Shoots")
    expect(commissioner.page.locator("main")).not_to_contain_text("lived experience")
    # Reading the bid itself is refused, and the attempt is on the record.
    commissioner.goto_refused(commissioner.page.url.replace("/bids", f"/bids/{bid.id}"), 403)
    expect(commissioner.page.locator("main")).to_contain_text("sealed")
    expect(commissioner.page.locator("main")).not_to_contain_text("lived experience")
    with live_app.app_context():
        refused = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "bid.sealed_access_refused", AuditEvent.object_id == bid.id)
        )
        db.session.remove()
    assert refused == 1


def test_after_closing_the_large_companys_bid_is_flagged_abnormally_low(tab, live_app):
    page = tab.page
    sign_in(tab, "commissioner@demo.test")
    tab.goto(f"/needs/{need_id(live_app, CLOSED_NEED)}/bids")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Nationwide Justice Services Ltd")
    expect(row).to_contain_text("Abnormally low")
    expect(row).to_contain_text("below the median of the other bids")
    for other in ("Thanet Women's Centre", "Green Shoots Growing CIC"):
        expect(page.get_by_role("row").filter(has_text=other)).not_to_contain_text("Abnormally low")
    # The commissioner opens the flagged bid: its counted revision and digest.
    tab.click(row.get_by_role("link").first)
    expect(page.locator("main")).to_contain_text(re.compile(r"[0-9a-f]{64}"))
