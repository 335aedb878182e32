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
    row = (
        page.get_by_role("row")
        .filter(has_text="Award decided")
        .filter(has_text="Employment support in East Kent")
        .first
    )
    expect(row).to_contain_text("The highest total score")
    tab.click(row.get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Employment support in East Kent")


def test_each_chart_is_drawn_beside_its_table_and_the_dashboard_is_photographed(tab, tmp_path):
    """Every chart loads as an image with alternative text, next to its table; the whole
    page is photographed (set SCREENSHOT_DIR to keep the picture, as in the README)."""
    import os
    from pathlib import Path

    page = tab.page
    sign_in(tab, "board@demo.test")
    tab.click(page.get_by_role("link", name=re.compile("^Dashboard for East Kent")))
    charts = page.locator("img.lp-chart")
    assert charts.count() >= 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        expect(chart).to_be_visible()
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), "a chart did not load"
        assert "The numbers are in the table beside it." in chart.get_attribute("alt")
    for caption in (
        "Spend and awards by provider size",
        "Spend and awards by type of organisation",
        "How often bidders won (lots decided in the period)",
    ):
        figure = page.locator(".lp-figure").filter(has=page.get_by_role("table", name=caption))
        expect(figure.locator("img.lp-chart")).to_have_count(1)
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "dashboard.png"), full_page=True)
    assert (folder / "dashboard.png").stat().st_size > 50_000
    # The board pack: the same figures laid out to print.
    tab.click(page.get_by_role("link", name="Board pack"))
    expect(page.get_by_role("heading", level=1)).to_have_text("How local commissioning is working")
    expect(page.get_by_role("heading", name=re.compile("^Partnership ratings"))).to_be_visible()


def test_the_board_rates_a_partnership_and_the_provider_answers(tab, another_tab):
    page = tab.page
    sign_in(tab, "board@demo.test")
    tab.click(page.get_by_role("link", name=re.compile("^Partnership reviews for East Kent")))
    row = page.get_by_role("row").filter(has_text="Employment support in East Kent")
    tab.click(row.get_by_role("link", name=re.compile("^Rate")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership reviews")
    # Nothing chosen: explained by each field.
    page.get_by_label("Comment").fill("")
    tab.click_refused(page.get_by_role("button", name="Save the rating"))
    expect(error_summary(page)).to_contain_text("Select a rating")
    expect(error_summary(page)).to_contain_text("Enter a comment that explains the rating")
    page.get_by_label("Approaching target").check()
    page.get_by_label("Comment").fill("Job starts are behind plan but the new employer links should close the gap.")
    tab.click(page.get_by_role("button", name="Save the rating"))
    expect(page.get_by_text("Rating saved")).to_be_visible()
    expect(page.locator(".govuk-tag").filter(has_text="Approaching target")).to_be_visible()

    provider = another_tab()
    sign_in(provider, "charity@demo.test")
    provider.goto(page.url)
    provider.page.get_by_label("Your response to this rating").fill(
        "Agreed. Two employers now interview our members directly."
    )
    provider.click(provider.page.get_by_role("button", name="Send your response"))
    expect(provider.page.get_by_text("The provider answered")).to_be_visible()


def test_a_provider_reads_its_own_figures(tab):
    page = tab.page
    sign_in(tab, "charity@demo.test")
    tab.click(page.get_by_role("link", name=re.compile("^Figures for Thanet Women's Centre")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation's figures")
    expect(page.get_by_role("table", name="Your bids and how often they won")).to_be_visible()
    # The employment contract has been paid this year: its payments and outcomes are there.
    expect(page.locator("main")).to_contain_text("Payments to you")
    expect(page.get_by_role("table", name=re.compile("^Outcomes achieved"))).to_contain_text(
        "Education, training and employment"
    )
    page.get_by_label("From").fill("2026-06-01")
    page.get_by_label("To").fill("2026-05-01")
    tab.click_refused(page.get_by_role("button", name=re.compile("^Show")))
    expect(error_summary(page)).to_contain_text("The end date must be the same as or after the start date")
