"""The homes of the demo's providers, evaluator, finance officer and board member in a real
browser (issue 21): each signs in, sees under "What to do next" the work waiting for them,
and one click on a task opens the page where it is done.

The tasks chosen are ones the demo data gives each role whatever the other browser tests
do with the shared demo (they only look, and change nothing): the charity answers the
board's rating of last year's money advice partnership, the CIC explains its low price on
the need being scored, the evaluator scores its bids, the finance officer records payments
left unpaid, and the board member rates this year's partnerships.

Every page visited is checked by `tab` (see conftest.py): GOV.UK Frontend's JavaScript ran,
no console errors, and no axe-core WCAG 2.2 A/AA violations.
"""

import re

import pytest

from .test_homes_journey import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser

SCORING_NEED = "Community groups and volunteering in Maidstone"

# (login, the to-do's id, a task waiting for them, the heading of the page it opens)
ROLES = [
    (
        "charity@demo.test",
        "provider-to-do",
        re.compile(r"^Answer the board's rating of your partnership$"),
        re.compile(r"^Partnership reviews$"),
    ),
    ("cic@demo.test", "provider-to-do", re.compile(r"^Explain your bid's price$"), re.compile(r"^Explain your price$")),
    ("evaluator@demo.test", "evaluator-to-do", re.compile(r"^Score bids$"), re.compile(r"^Your evaluation$")),
    ("adviser@demo.test", "adviser-to-do", re.compile(r"^Score bids$"), re.compile(r"^Your evaluation$")),
    ("finance@demo.test", "finance-to-do", re.compile(r"^Record payments? to providers$"), re.compile(r"^Payments?\b")),
    (
        "board@demo.test",
        "board-to-do",
        re.compile(r"^Rate partnerships for the year$"),
        re.compile(r"^Partnership reviews$"),
    ),
]


def _to_do(page, heading_id: str):
    """The task list under the role's "What to do next" heading."""
    return page.locator(f"#{heading_id} + .govuk-task-list")


@pytest.mark.parametrize("email, heading_id, task, heading", ROLES, ids=[email.split("@")[0] for email, *_ in ROLES])
def test_each_role_sees_what_to_do_next_and_reaches_a_task_in_one_click(tab, email, heading_id, task, heading):
    page = tab.page
    sign_in(tab, email)
    expect(page.locator(f"#{heading_id}")).to_have_text("What to do next")
    items = _to_do(page, heading_id).locator(".govuk-task-list__item")
    expect(items.first).to_be_visible()
    # Each item says how many are waiting.
    for item in items.all():
        expect(item.locator(".govuk-tag")).to_have_text(re.compile(r"^\s*\d+ waiting\s*$"))
    link = _to_do(page, heading_id).get_by_role("link", name=task).first
    expect(link).to_be_visible()
    tab.click(link)
    expect(page).not_to_have_title(re.compile(r"^(Error|Page not found|Forbidden|Sorry)"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_the_cics_task_names_the_need_and_its_deadline_and_opens_the_request(tab):
    page = tab.page
    sign_in(tab, "cic@demo.test")
    item = _to_do(page, "provider-to-do").locator(".govuk-task-list__item").filter(has_text="Explain your bid's price")
    expect(item).to_contain_text(f"{SCORING_NEED}, lot 1")
    expect(item).to_contain_text("Due by")
    tab.click(item.get_by_role("link"))
    expect(page.locator("main")).to_contain_text("Your price is well below the other bids")
    expect(page.get_by_role("button", name="Send your explanation")).to_be_visible()


def test_the_finance_officer_and_board_member_reach_an_areas_contracts_from_home(tab, another_tab):
    for viewer, email in ((tab, "finance@demo.test"), (another_tab(), "board@demo.test")):
        page = viewer.page
        sign_in(viewer, email)
        viewer.click(page.get_by_role("link", name=re.compile(r"^Contracts in East Kent")).first)
        expect(page.get_by_role("heading", level=1)).to_have_text("Contracts")
        expect(page.get_by_role("table")).to_contain_text("Employment support in East Kent")
