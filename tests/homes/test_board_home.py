"""The board member's home: awards to sign off and partnerships to rate, as tasks above the
year's figures, each linking to where it is done and gone once done; only the member's own
areas; a fixed number of SQL statements whatever the number of awards and partnerships."""

import re
from html import unescape

import pytest

from marketplace.accounts.models import Role
from marketplace.board import reviews
from marketplace.evaluation.award import decide, sign_off
from marketplace.extensions import db
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import StatementCount, page_text, sign_in
from .helpers import contract_won, evaluation, task_links, tasks

pytestmark = pytest.mark.clock


def _home(client, user):
    client._cookies.clear()
    sign_in(client, user.email)
    return client.get("/")


def _waiting_award(app, title=None):
    """An award over the area's sign-off threshold, waiting for a board member."""
    threshold = app.config["SIGN_OFF_THRESHOLD_PENCE"]
    app.config["SIGN_OFF_THRESHOLD_PENCE"] = 100
    ev = evaluation(factories.make_provider(), **({"title": title} if title else {}))
    factories.score_all(ev, {0: 4})
    decision = decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    app.config["SIGN_OFF_THRESHOLD_PENCE"] = threshold
    return decision


def test_an_award_to_sign_off_is_a_task_above_the_figures_until_signed_off(client, app, db_session):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    decision = _waiting_award(app, title="Housing in Thanet")
    home = _home(client, board)
    [task] = tasks(home)
    assert task.startswith("Sign off an award Housing in Thanet, lot 1") and task.endswith("1 waiting")
    assert task_links(home) == [f"/sign-offs/{decision.id}"]
    html = page_text(home)
    assert html.index("What to do next") < html.index("this year so far")
    sign_off(decision, approve=True, comment="", actor=board)
    home = _home(client, board)
    assert tasks(home) == [] and "Nothing is waiting for you" in page_text(home)


def test_several_awards_link_to_the_list_of_sign_offs_oldest_first(client, app, db_session):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    first = _waiting_award(app)
    _waiting_award(app)
    home = _home(client, board)
    [task] = tasks(home)
    assert task.startswith("Sign off awards") and task.endswith("2 waiting")
    assert task_links(home) == ["/sign-offs"]
    html = page_text(home)
    assert html.index(f"/sign-offs/{first.id}") < html.rindex('href="/sign-offs/')


def test_partnerships_to_rate_are_a_task_until_rated(client, db_session):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    contract = contract_won(factories.make_provider()).contract
    home = _home(client, board)
    [task] = tasks(home)
    area = factories.area("N57EKNT")
    assert task.startswith("Rate partnerships for the year") and task.endswith("1 waiting")
    assert task_links(home) == [f"/areas/{area.id}/partnerships"]
    period = reviews.due(contract, london_date(utcnow()))[0].key
    reviews.rate(contract, period=period, rating="good", comment="Strong reach.", actor=board)
    assert tasks(_home(client, board)) == []


def test_a_board_member_sees_only_its_own_areas_work(client, app, db_session):
    _waiting_award(app)
    contract_won(factories.make_provider())
    elsewhere = factories.make_area_staff(Role.BOARD_MEMBER, "N07")
    assert tasks(_home(client, elsewhere)) == []


def test_the_home_page_sends_the_same_number_of_statements_for_one_item_or_five(client, app, db_session):
    counted = {}
    for n in (1, 5):
        board = factories.make_area_staff(Role.BOARD_MEMBER)
        for _ in range(n if n == 1 else n - 1):
            _waiting_award(app)
            contract_won(factories.make_provider())
        _home(client, board)
        db.session.expire_all()
        with StatementCount() as sql:
            response = client.get("/")
        assert [t.split(" waiting")[0][-1] for t in tasks(response)] == [str(n), str(n)]
        counted[n] = sql.count
    assert counted[1] == counted[5], counted
    assert counted[5] <= 13, counted  # a small fixed number (one more on PostgreSQL: homes.serial_plans)


def test_the_home_links_to_the_contracts_of_each_of_the_members_areas(client, db_session):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    contract = contract_won(factories.make_provider()).contract
    html = page_text(_home(client, board))
    east = factories.area("N57EKNT")
    assert [
        (href, unescape(label))
        for href, label in re.findall(r'href="(/areas/\d+/contracts)">Contracts in ([^<]+)</a>', html)
    ] == [(f"/areas/{east.id}/contracts", east.label)]
    listing = client.get(f"/areas/{east.id}/contracts")
    assert listing.status_code == 200 and contract.title in page_text(listing)
