"""Each role's home page in a real browser, with the demo data: it shows what the person
has to do next, and one click reaches it (issue 21).

Every page visited is checked by `tab` (see conftest.py): GOV.UK Frontend's JavaScript ran,
no console errors, and no axe-core WCAG 2.2 A/AA violations.
"""

import re

import pytest

from .conftest import DEMO_PASSWORD, give_demo_code

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser


def sign_in(tab, email: str, password: str = DEMO_PASSWORD) -> None:
    page = tab.page
    tab.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    tab.click(page.get_by_role("button", name="Sign in", exact=True))
    give_demo_code(tab, email)


def test_commissioner_sees_what_waits_and_reaches_each_task_in_one_click(tab):
    page = tab.page
    sign_in(tab, "commissioner@demo.test")
    expect(page.get_by_role("heading", name="What waits for you")).to_be_visible()
    tasks = page.locator("#commissioner-todo + .govuk-task-list .govuk-task-list__link")
    expect(tasks.first).to_be_visible()
    titles = tasks.all_inner_texts()
    assert titles, "the demo commissioner has something to do"
    for title in titles:
        tab.goto("/")
        link = page.locator("#commissioner-todo + .govuk-task-list").get_by_role("link", name=title, exact=True)
        tab.click(link)
        expect(page).not_to_have_title(re.compile(r"^(Error|Page not found|Forbidden|Sorry)"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_commissioner_reaches_the_areas_contracts_from_home(tab):
    page = tab.page
    sign_in(tab, "commissioner@demo.test")
    tab.click(page.get_by_role("link", name=re.compile(r"^Contracts in ")).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contracts")
    expect(page.get_by_role("table")).to_be_visible()
    page.get_by_label("Ending within").fill("soon")
    tab.click_refused(page.get_by_role("button", name="Apply filters"))
    expect(page).to_have_title(re.compile(r"^Error: Contracts in "))
    expect(page.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        ["Enter the number of days as a whole number, like 90"]
    )
    expect(page.get_by_label("Ending within")).to_have_value("soon")
