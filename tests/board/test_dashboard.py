"""The area dashboard through HTTP: the same numbers as reporting.py in tables and CSV,
for board members and commissioners of the area only; bad query strings explained."""

import csv
import io

import pytest

from marketplace.accounts.models import Role
from marketplace.board.reporting.competition import activity
from marketplace.board.reporting.scope import Period, Scope
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import page_text, sign_in
from .test_reporting import world  # noqa: F401 (fixture)


@pytest.fixture
def area(world):  # noqa: F811
    return factories.area("N57EKNT")


def _as(client, user):
    browser = client.application.test_client()
    sign_in(browser, user.email)
    return browser


def _query(world):  # noqa: F811
    return f"from={world['period'].start.isoformat()}&to={world['period'].end.isoformat()}"


@pytest.mark.clock
def test_the_board_reads_the_figures_and_downloads_the_same_numbers(client, world, area):  # noqa: F811
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/dashboard?{_query(world)}"))
    assert "Spend and awards by provider size" in page and "50.0%" in page and "8.0" in page
    response = board.get(f"/areas/{area.id}/dashboard/size-bands.csv?{_query(world)}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["group"].split(" ")[0], r["spend_pence"], r["awards"]) for r in rows] == [
        ("Micro", "1000000", "1"),
        ("Small", "0", "0"),
        ("Medium", "0", "1"),
        ("Large", "1000000", "1"),
    ]
    timeliness = list(
        csv.DictReader(
            io.StringIO(board.get(f"/areas/{area.id}/dashboard/timeliness.csv?{_query(world)}").get_data(as_text=True))
        )
    )
    assert timeliness == [{"payments_paid": "2", "median_days": "8.0", "paid_within_10_days": "1", "overdue_now": "1"}]


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-13-01", "Enter a real date"),
        ("from=1900-01-01", "Enter a date between"),
        ("from=2026-06-01&to=2026-05-01", "must be the same as or after the start date"),
        ("pdu=99999", "Choose a delivery unit of this area"),
        ("pdu=abc", "Choose a delivery unit of this area"),
        ("category=99999", "Choose a service category from the list"),
        ("category=99999999999999999999", "Choose a service category from the list"),
    ],
)
def test_bad_queries_are_explained(client, world, area, query, message):  # noqa: F811
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    response = board.get(f"/areas/{area.id}/dashboard?{query}")
    assert response.status_code == 400 and message in page_text(response)
    download = board.get(f"/areas/{area.id}/dashboard/types.csv?{query}")
    assert download.status_code == 400 and message in page_text(download)


def test_a_pdu_of_another_area_is_refused(client, world, area):  # noqa: F811
    other = factories.area("N56ESXN")
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    assert board.get(f"/areas/{area.id}/dashboard?pdu={other.id}").status_code == 400


@pytest.mark.parametrize(
    "who, status",
    [
        ("board", 200),
        ("commissioner", 200),
        ("region_board", 200),
        ("board_elsewhere", 403),
        ("finance", 403),
        ("evaluator", 403),
        ("provider", 403),
    ],
)
def test_who_may_read_the_dashboard(client, world, area, who, status):  # noqa: F811
    users = {
        "board": lambda: factories.make_area_staff(Role.BOARD_MEMBER),
        "commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER),
        "region_board": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N57"),
        "board_elsewhere": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N56ESXN"),
        "finance": lambda: factories.make_area_staff(Role.FINANCE),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR),
        "provider": lambda: factories.make_provider(),
    }
    browser = _as(client, users[who]())
    assert browser.get(f"/areas/{area.id}/dashboard").status_code == status
    assert browser.get(f"/areas/{area.id}/dashboard/types.csv").status_code == status
    assert client.application.test_client().get(f"/areas/{area.id}/dashboard").status_code == 302


def test_competition_and_success_on_the_page_and_in_csv(client, world, area):  # noqa: F811
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/dashboard?{_query(world)}"))
    assert "3, worth £120,000" in page and "2.0" in page and "25.0%" in page
    rows = list(
        csv.DictReader(
            io.StringIO(board.get(f"/areas/{area.id}/dashboard/success.csv?{_query(world)}").get_data(as_text=True))
        )
    )
    assert [(r["bids"], r["won"]) for r in rows] == [
        ("4", "1"),
        ("1", "1"),
        ("1", "1"),
        ("4", "1"),
        ("1", "1"),
        ("1", "1"),
    ]


def test_outcomes_csv_has_the_pages_numbers(client, world, area):  # noqa: F811
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    response = board.get(f"/areas/{area.id}/dashboard/outcomes.csv?{_query(world)}")
    assert response.status_code == 200
    assert (
        response.get_data(as_text=True).splitlines()[0]
        == "category,contracts,people_expected,achieved,partly_achieved,not_achieved,score"
    )
    assert "No outcome reports were approved in this period." in page_text(
        board.get(f"/areas/{area.id}/dashboard?{_query(world)}")
    )
    assert board.get(f"/areas/{area.id}/dashboard/unknown.csv").status_code == 404


def test_the_comparison_csv_has_the_pages_numbers(client, world, area):  # noqa: F811
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/dashboard?{_query(world)}"))
    assert f"{area.name} (this area)" in page
    rows = {
        r["area"]: r
        for r in csv.DictReader(
            io.StringIO(board.get(f"/areas/{area.id}/dashboard/comparison.csv?{_query(world)}").get_data(as_text=True))
        )
    }
    assert (rows[area.name]["vcse_share"], rows[area.name]["median_days_to_pay"]) == ("0.5000", "8.0000")


def test_each_chart_is_drawn_from_the_numbers_of_the_table_beside_it(client, world, area):  # noqa: F811
    import base64
    import re

    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/dashboard?{_query(world)}"))
    charts = re.findall(r'<img class="lp-chart[^"]*" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    assert len(charts) == 5  # size, type, success, timeliness, comparison (no outcomes were reported here)
    svgs = {alt: base64.b64decode(data).decode() for data, alt in charts}
    assert all("The numbers are in the table beside it." in alt for _, alt in charts)
    size = svgs[
        "Bar chart of spend and value awarded by the size of the lead organisation. The numbers are in the table beside it."
    ]
    # Micro and large were each paid the £10,000 advance and awarded £40,000 (the table's numbers).
    printed = re.findall(r'class="value">([^<]+)</text>', size)
    assert sorted(printed) == sorted(["£10,000", "£0", "£0", "£10,000", "£40,000", "£0", "£40,000", "£40,000"])
    assert "Micro (under £100,000)" in size and "Large" in size
    timeliness = next(svg for alt, svg in svgs.items() if alt.startswith("Bar chart of payments paid within 10 days"))
    assert "Paid within 10 days" in timeliness and "Overdue now" in timeliness
    for svg in svgs.values():  # no script, nothing fetched from elsewhere
        assert "<script" not in svg and 'xlink:href="http' not in svg and 'src="http' not in svg


@pytest.mark.clock
def test_nothing_on_the_dashboard_tells_of_a_bid_before_its_need_closes(client, db_session):
    """A bid on an open need: its price, its organisation and even its existence stay off
    the dashboard, its pack and every CSV until the need closes; afterwards it is counted."""
    area = factories.area("N57EKNT")
    need = factories.make_need(lots=(5_000_000,))
    bidder = factories.make_provider()
    factories.make_bid(need, provider=bidder, price_pence=4_321_987)
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    name = bidder.organisations[0].name

    def everything() -> str:
        pages = [
            page_text(board.get(f"/areas/{area.id}/dashboard")),
            page_text(board.get(f"/areas/{area.id}/board-pack")),
        ]
        for figure in ("size-bands", "types", "success", "outcomes", "timeliness", "comparison"):
            pages.append(board.get(f"/areas/{area.id}/dashboard/{figure}.csv").get_data(as_text=True))
        return "\n".join(pages)

    seen = everything()
    assert "43,219" not in seen and "4321987" not in seen and name not in seen
    scope = Scope(area_ids=(area.id,))
    period = Period.financial_year(london_date(utcnow()))
    open_activity = activity(scope, period)
    assert (open_activity.needs_published, open_activity.lots, open_activity.bids) == (1, 0, 0)
    factories.close_need(need)
    closed = activity(scope, period)
    assert (closed.needs_published, closed.lots, closed.bids) == (1, 1, 1)


def test_commissioners_and_board_members_find_the_dashboard_from_home(client, db_session):
    area = factories.area("N57EKNT")
    for role in (Role.COMMISSIONER, Role.BOARD_MEMBER):
        home = page_text(_as(client, factories.make_area_staff(role)).get("/"))
        assert f'href="/areas/{area.id}/dashboard"' in home
    assert "/dashboard" not in page_text(_as(client, factories.make_area_staff(Role.EVALUATOR)).get("/"))
    assert f'href="/areas/{area.id}/partnerships"' not in page_text(
        _as(client, factories.make_area_staff(Role.COMMISSIONER)).get("/")
    )
