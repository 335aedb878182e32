"""The board member's dashboard in a real browser, from the demo data: the figures for the
financial year, a filter explained when it is wrong, and a CSV of a table's numbers.
Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab)."""

import re

from playwright.sync_api import expect

from .test_needs_journey import error_summary, sign_in


def test_the_board_reads_its_dashboard(tab):
    page = tab.page
    sign_in(tab, "board@demo.test")
    tab.click(page.get_by_role("link", name=re.compile("^Dashboard for East Kent")))
    expect(page.get_by_role("heading", level=1)).to_have_text("How local commissioning is working")
    expect(page.get_by_role("table").first).to_contain_text("Micro")
    # A period ending before it starts is explained, by the field.
    page.get_by_label("From").fill("2026-06-01")
    page.get_by_label("To").fill("2026-05-01")
    tab.click_refused(page.get_by_role("button", name="Show figures"))
    expect(error_summary(page)).to_contain_text("The end date must be the same as or after the start date")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download these numbers")).first.click()
    assert download.value.suggested_filename.endswith(".csv")


def test_the_board_follows_a_decision_in_the_record_to_its_need(tab):
    page = tab.page
    sign_in(tab, "board@demo.test")
    tab.click(page.get_by_role("link", name=re.compile("^Dashboard for East Kent")))
    tab.click(page.get_by_role("link", name="Record of decisions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of decisions")
    row = page.get_by_role("row").filter(has_text="Award decided").filter(has_text="Employment support in East Kent").first
    expect(row).to_contain_text("The highest total score")
    tab.click(row.get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Employment support in East Kent")
