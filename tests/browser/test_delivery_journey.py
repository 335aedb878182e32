"""Delivery and payments in a real browser, from the demo data (the employment contract is
in its last quarter: the advance and first quarter paid, the second quarter's payment
overdue, the third quarter's report waiting):

- the demo charity reports the last milestone (a mistake is explained by its field first);
- the commissioner approves it; the finance officer records the bank transfer (ledger);
- the board member reads the days taken on the area's payments page;
- with PAYMENTS_BACKEND=stripe pointed at the test suite's fake Stripe server, the
  commissioner releases the overdue payment, and a double release pays once.

Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab).
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db

from ..payments import fake_stripe
from .test_needs_journey import error_summary, sign_in

CONTRACT = "Employment support in East Kent: Training and job search"


def _main(tab):
    return tab.page.locator("main")


def _open_contract(tab):
    tab.goto("/")
    tab.click(tab.page.get_by_role("link", name=CONTRACT).first)
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(CONTRACT)


def _area_payment(tab, title):
    """From the home page, the area's payments, then one payment of the contract."""
    tab.click(tab.page.get_by_role("link", name=re.compile("^Payments in East Kent")))
    tab.click(tab.page.get_by_role("link", name=f"{CONTRACT}: {title}").first)
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(f"Payment: {title}")


def _schedule_row(tab, title):
    return tab.page.get_by_role("row").filter(has_text=title)


def test_report_approve_and_pay_by_ledger(tab, another_tab, live_app):
    charity = tab
    page = charity.page
    sign_in(charity, "charity@demo.test")
    _open_contract(charity)
    charity.click(_schedule_row(charity, "End of the service").get_by_role("link", name=re.compile("^Report")))
    page.get_by_label("People referred").fill("20")
    page.get_by_label("People who started").fill("16")
    page.get_by_label("People who completed").fill("18")  # more than started: explained by the field
    groups = page.locator("fieldset").filter(has=page.locator("legend", has_text=re.compile(r"Outcome \d:"))).all()
    assert len(groups) == 2
    for group in groups:
        group.get_by_label("Achieved", exact=True).fill("8")
        group.get_by_label("Partly achieved").fill("4")
        group.get_by_label("Not achieved").fill("4")
    page.get_by_label("Narrative").fill(
        "Twelve people are in work at the end of the year; eight of them for more than 13 weeks."
    )
    charity.click_refused(page.get_by_role("button", name="Submit the report"))
    expect(error_summary(page)).to_contain_text("completed")
    expect(page.get_by_label("People referred")).to_have_value("20")
    page.get_by_label("People who completed").fill("10")
    charity.click(page.get_by_role("button", name="Submit the report"))
    expect(_main(charity)).to_contain_text("Waiting for approval")

    commissioner = another_tab()
    sign_in(commissioner, "commissioner@demo.test")
    commissioner.goto(charity.page.url)
    commissioner.page.get_by_label("Approve the report").check()
    commissioner.click(commissioner.page.get_by_role("button", name="Confirm your decision"))
    expect(_main(commissioner)).to_contain_text("Approved")

    finance = another_tab()
    sign_in(finance, "finance@demo.test")
    _area_payment(finance, "End of the service")
    from datetime import date

    today = date.today()
    group = finance.page.get_by_role("group", name="Date the bank transfer was made")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    finance.page.get_by_label("Bank transfer reference").fill("BACS-EK-0099")
    finance.click(finance.page.get_by_role("button", name="Record the payment"))
    expect(_schedule_row(finance, "End of the service")).to_contain_text("Paid")  # back on the contract page

    board = another_tab()
    sign_in(board, "board@demo.test")
    board.click(board.page.get_by_role("link", name=re.compile("^Payments in East Kent")))
    overdue = board.page.get_by_role("table").first
    expect(overdue).to_contain_text("Second quarter")
    expect(overdue).to_contain_text("Overdue")
    expect(board.page.get_by_role("row").filter(has_text="First quarter")).to_contain_text("4 days")


@pytest.fixture
def fake(live_app, monkeypatch):
    yield from fake_stripe.serve(live_app, monkeypatch)


def test_release_through_stripe_pays_once(tab, live_app, fake):
    from marketplace.accounts.services import find_user
    from marketplace.contracts.models import Contract
    from marketplace.payments import stripe_backend

    with live_app.app_context():
        contract = db.session.scalar(sa.select(Contract).where(Contract.title == CONTRACT))
        account = stripe_backend.ensure_account(contract.organisation, find_user("charity@demo.test"))
        fake.complete_onboarding(account.account_id)
        stripe_backend.refresh_account(account)
        db.session.commit()
        db.session.remove()

    page = tab.page
    sign_in(tab, "commissioner@demo.test")
    _area_payment(tab, "Second quarter")
    token = page.locator("form input[name=csrf_token]").first.input_value()
    action = (
        page.locator("form").filter(has=page.get_by_role("button", name="Release the payment")).get_attribute("action")
    )
    tab.click(page.get_by_role("button", name="Release the payment"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Payment released")
    # A double click, a second tab or a retry: the same form sent again pays nothing more.
    again = page.request.post(action, form={"csrf_token": token})
    assert again.ok
    assert fake.transfers_made == 1
    [transfer] = fake.transfers.values()
    assert transfer["amount"] == 390_000 and transfer["currency"] == "gbp"
    tab.goto(page.url)
    expect(_main(tab)).to_contain_text("Paid")


def test_a_variation_proposed_and_agreed(tab, another_tab, live_app):
    """The commissioner moves the end date a month later; the charity agrees; the contract
    changes only then."""
    commissioner = tab
    page = commissioner.page
    sign_in(commissioner, "commissioner@demo.test")
    _area_payment(commissioner, "First quarter")
    commissioner.click(page.get_by_role("link", name="Back to the contract"))
    contract_url = page.url
    commissioner.click(page.get_by_role("link", name="Change the end date, value or schedule"))
    group = page.get_by_role("group", name="New end date")
    year = int(group.get_by_label("Year").input_value())
    group.get_by_label("Year").fill(str(year + 1))
    commissioner.click_refused(page.get_by_role("button", name="Send to the provider"))
    expect(error_summary(page)).to_contain_text("Enter the reason for the variation")
    page.get_by_label("Why the contract is changing").fill("A second year, funded by the region's underspend.")
    commissioner.click(page.get_by_role("button", name="Send to the provider"))
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("sent to the provider")

    charity = another_tab()
    sign_in(charity, "charity@demo.test")
    charity.goto(contract_url)
    charity.click(charity.page.get_by_role("link", name="See the proposed change"))
    expect(charity.page.locator("main")).to_contain_text("A second year, funded by the region's underspend.")
    charity.page.get_by_label("Yes, we agree: the change takes effect now").check()
    charity.click(charity.page.get_by_role("button", name="Send your answer"))
    expect(charity.page.locator("main")).to_contain_text(str(year + 1))
