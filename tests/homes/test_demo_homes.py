"""With the demo data loaded, every demo role finds something to do on its home page, and
its to-do's link opens the page where it is done: the providers (the charity answers the
board's rating, the CIC explains its low price by its deadline), the evaluator (bids to
score), the finance officer (payments to record) and the board member (partnerships to
rate). The need being scored that gives the CIC and the evaluator their work was made by the
rules; a won bid's page links to its contract."""

import html
import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.services import find_user
from marketplace.bids import closing
from marketplace.demo.bids import FINISHED_NEED, SCORING_NEED
from marketplace.evaluation import low_bids, panel, scoring
from marketplace.extensions import db
from marketplace.needs import publishing
from marketplace.needs.models import Need, NeedStatus

from ..helpers import DEMO_PASSWORD, page_text, sign_in
from .helpers import task_links, tasks

pytestmark = pytest.mark.clock

# (login, the to-do's first words for a task every time the demo is loaded, the heading of
# the page it opens)
DEMO_TODO = [
    ("charity@demo.test", "Answer the board's rating of your partnership", "Partnership reviews"),
    ("cic@demo.test", f"Explain your bid's price {SCORING_NEED}, lot 1", "Explain your price"),
    ("evaluator@demo.test", f"Score bids {SCORING_NEED}", "Your evaluation"),
    ("adviser@demo.test", f"Score bids {SCORING_NEED}", "Your evaluation"),
    ("finance@demo.test", "Record payment", "Payment"),
    ("board@demo.test", "Rate partnerships for the year", "Partnership reviews"),
]


def _home(client, email: str):
    client._cookies.clear()
    sign_in(client, email, DEMO_PASSWORD)
    return client.get("/")


def _heading(response) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page_text(response), re.S)
    assert found, page_text(response)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def test_each_demo_role_has_something_to_do_on_its_home_and_its_link_opens_where_it_is_done(demo_client, demo_session):
    """One test on the committed demo."""
    client = demo_client
    for email, task_start, heading in DEMO_TODO:
        home = _home(client, email)
        rows = tasks(home)
        index = next((i for i, row in enumerate(rows) if row.startswith(task_start)), None)
        assert index is not None, (email, rows)
        page = client.get(task_links(home)[index])
        assert page.status_code == 200, (email, task_links(home)[index])
        assert heading in _heading(page), (email, _heading(page))
    _check_the_cic_is_asked_by_a_deadline_to_come(client)
    _check_the_need_being_scored_followed_the_rules()
    _check_a_won_bids_page_links_to_its_contract(client)


def _check_the_cic_is_asked_by_a_deadline_to_come(client):
    cic = find_user("cic@demo.test")
    [review] = low_bids.explanations_waiting([o.id for o in cic.organisations])
    assert review.bid.need.title == SCORING_NEED and review.requested_at < review.respond_by
    assert "Due by" in next(row for row in tasks(_home(client, "cic@demo.test")) if row.startswith("Explain"))


def _check_the_need_being_scored_followed_the_rules():
    need = db.session.scalar(sa.select(Need).where(Need.title == SCORING_NEED))
    assert need.status == NeedStatus.CLOSED and need.bids_checked_at is not None
    found = publishing.problems(need, now=need.published_at)
    assert [p.message for p in found if "question deadline" not in p.message] == []
    counted = closing.counting_bids(need)
    flagged = {b.organisation.contact_email: b.low_flagged_at is not None for b, _ in counted}
    assert flagged == {"cafe@demo.test": False, "learning@demo.test": False, "cic@demo.test": True}
    evaluator, adviser = find_user("evaluator@demo.test"), find_user("adviser@demo.test")
    assert [m.user_id for m in panel.panel(need)] == [evaluator.id, adviser.id]
    submitted = [b for b, r in scoring.lot_bids(need.lots[0]) if scoring.scoring_complete(b, r)]
    assert len(submitted) == 1 and submitted[0].low_flagged_at is None


def _check_a_won_bids_page_links_to_its_contract(client):
    from marketplace.contracts.models import Contract

    need = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need.id))
    _home(client, "charity@demo.test")
    bid_page = page_text(client.get(f"/bids/{contract.bid_id}"))
    assert re.search(r'id="state">\s*<strong class="govuk-tag[^"]*">\s*Won\s*</strong>', bid_page)
    assert f'href="/contracts/{contract.id}"' in bid_page
