"""What works in a real browser, from the demo data, as issue 24's "done when" says: anyone
opens /what-works from the open data page, changes the period, downloads the CSV, and
follows a Justice Data Lab result to its provider's page. Every page visited gets
axe-core's WCAG 2.2 A/AA checks (see conftest.Tab). Nothing here writes."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from .test_needs_journey import error_summary


def test_anyone_opens_what_works_from_open_data_changes_the_period_and_downloads_the_csv(tab):
    page = tab.page
    tab.goto("/open-data")
    tab.click(page.get_by_role("link", name="What works", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("What works")
    # The demo's history has rates to show, each with its interval.
    expect(page.get_by_role("table").first).to_contain_text(re.compile(r"\d+\.\d% to \d+\.\d%"))
    charts = page.locator("img.lp-chart")
    assert charts.count() >= 1
    assert "The numbers are in the table beside it." in charts.first.get_attribute("alt")

    page.get_by_label("Reports approved in").select_option(label="All time")
    tab.click(page.get_by_role("button", name="Show figures"))
    expect(page.get_by_role("heading", level=2, name="All time")).to_be_visible()
    assert "period=all" in page.url

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    assert download.value.suggested_filename == "what-works-all-time.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["Period", "Service category", "Breakdown"]
    assert any(row[8].endswith("%") for row in rows[1:]), "a rate in the CSV"


def test_a_period_not_offered_is_explained(tab):
    page = tab.page
    tab.goto_refused("/what-works?period=1999", 400)
    expect(error_summary(page)).to_contain_text("Choose a period from the list")
    expect(page.get_by_label("Reports approved in")).to_be_visible()


def test_a_justice_data_lab_result_leads_to_its_provider(tab):
    page = tab.page
    tab.goto("/what-works")
    results = page.locator("#justice-data-lab ~ div")
    expect(results.first).to_contain_text("People who used this service reoffended less than a matched group")
    tab.click(results.first.get_by_role("link", name="Thanet Women's Centre"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thanet Women's Centre")
    expect(page.get_by_role("heading", name="Justice Data Lab results")).to_be_visible()
    expect(page.locator("main")).to_contain_text("The difference is statistically significant.")
