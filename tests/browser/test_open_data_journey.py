"""Open data in a real browser, from the demo data, as issue 19's "done when" says: someone
finds the open data page from the footer, downloads the releases, and they validate with
the official OCDS schema; a journalist finds a contract on /contracts/public and sees how
quickly its provider was paid. Every page visited gets axe-core's WCAG 2.2 A/AA checks
(see conftest.Tab). Nothing here writes: the tests share one live app."""

import gzip
import json
import re

from playwright.sync_api import expect

from ..opendata.helpers import assert_valid


def test_someone_finds_the_open_data_from_the_footer_and_the_releases_validate(tab):
    page = tab.page
    tab.goto("/")
    tab.click(page.get_by_role("contentinfo").get_by_role("link", name="Open data"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.locator("#main-content").get_by_role("link", name="Open Government Licence v3.0")).to_be_visible()

    package_link = page.get_by_role("link", name="OCDS release package")
    package = page.request.get(package_link.get_attribute("href"))
    assert package.ok and package.headers["content-type"].startswith("application/json")
    releases = package.json()
    assert_valid("release-package-schema", releases)
    assert releases["releases"], "the demo data's history has releases"
    assert releases["license"] == "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

    # The record of the first process: every release and the compiled release.
    ocid = releases["releases"][0]["ocid"]
    record = page.request.get(f"/ocds/records/{ocid}.json")
    assert record.ok
    assert_valid("record-package-schema", record.json())

    bulk = page.request.get(page.get_by_role("link", name="Every OCDS release").get_attribute("href"))
    assert bulk.ok
    lines = gzip.decompress(bulk.body()).decode().splitlines()
    assert len(lines) >= len(releases["releases"])
    assert_valid("release-package-schema", {**releases, "releases": [json.loads(line) for line in lines[:50]]})


def test_a_journalist_sees_how_quickly_a_provider_was_paid(tab):
    page = tab.page
    tab.goto("/open-data")
    tab.click(page.get_by_role("link", name="Contracts awarded"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contracts awarded")
    # Narrowed to Kent, Surrey and Sussex: a region includes its delivery units.
    page.get_by_label("Area").select_option(label="Kent, Surrey & Sussex region")
    tab.click(page.get_by_role("button", name="Apply filters"))
    results = page.locator("#results > li")
    assert results.count() >= 1
    paid = results.filter(has_text=re.compile(r"Median days to pay\s*[\d.]+ days?"))
    assert paid.count() >= 1, "a contract of the demo's history has been paid"
    tab.click(paid.first.get_by_role("link").first)
    expect(page.get_by_role("heading", name="How quickly the provider has been paid")).to_be_visible()
    expect(page.locator("#median")).to_contain_text(re.compile(r"Median: [\d.]+ days?"))
    table = page.get_by_role("table", name="Payments made")
    expect(table.get_by_role("columnheader", name="Days to pay")).to_be_visible()
