"""The dashboard's outcomes beside England and Wales's (issue 24, item 6): for each category,
the area's rate and the nation's, same definition (achieved 1, partly 0.5, not 0, over
everyone reported), same period and category as the dashboard, fewer than 10 people not
shown; the chart, the table and the CSV have the same numbers.

East Kent: one contract, outcome lines 6 achieved, 4 partly, 2 not (12 people, score 8,
66.7%). West Kent: 2, 0, 8 (10 people, score 2). England and Wales: 22 people, score 10,
45.5%. A category with only 5 people reported in West Kent: fewer than 10 everywhere.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.reference.models import ServiceCategory
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import page_text, sign_in
from ..whatworks import world

pytestmark = pytest.mark.clock


@pytest.fixture
def reported(db_session):
    east = world.contract()
    world.report(east, 1, started=12, completed=6, lines={0: (6, 4, 2)})
    west = world.contract()
    world.report(west, 1, started=10, completed=6, lines={0: (2, 0, 8)})
    world.move(west, "N57KECL")
    small = world.contract(category_code="finance")
    world.report(small, 1, started=5, completed=5, lines={0: (5, 0, 0)})
    world.move(small, "N57KECL")
    db.session.commit()
    return factories.area("N57EKNT")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_board_sees_its_areas_rate_beside_the_national_one(client, reported):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    sign_in(client, board.email)
    html = page_text(client.get(f"/areas/{reported.id}/dashboard"))
    section = _text(html[html.index('id="national"') :])
    assert "Women's services 12 66.7% 22 45.5%" in section
    assert "Finance, benefits and debt fewer than 10 fewer than 10 fewer than 10 fewer than 10" in section
    assert "100.0%" not in section  # the 5 people of the small category, never their rate
    alts = re.findall(r'alt="([^"]+)"', html[html.index('id="national"') :])
    assert alts[0].startswith("Bar chart of the share of outcomes achieved in each service category, in this area")


def test_the_national_csv_has_the_tables_numbers(client, reported):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    sign_in(client, board.email)
    response = client.get(f"/areas/{reported.id}/dashboard/national.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["category", "area_people_reported", "area_rate", "national_people_reported", "national_rate"]
    women = next(r for r in rows if r[0] == "Women's services")
    assert women == ["Women's services", "12", "0.6667", "22", "0.4545"]
    other = next(r for r in rows[1:] if r[0] != "Women's services")
    assert other[1:] == ["fewer than 10"] * 4


def test_the_national_rate_follows_the_dashboards_period_and_category(client, reported):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    sign_in(client, board.email)
    long_ago = london_date(utcnow()) - timedelta(days=900)
    html = page_text(client.get(f"/areas/{reported.id}/dashboard?from={long_ago}&to={long_ago + timedelta(days=30)}"))
    section = _text(html[html.index('id="national"') :])
    assert "No outcome reports were approved in this period." in section
    finance = db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == "finance"))
    html = page_text(client.get(f"/areas/{reported.id}/dashboard?category={finance.id}"))
    section = _text(html[html.index('id="national"') :])
    assert "Women's services" not in section


def test_an_area_with_nothing_reported_still_sees_the_nation(client, reported):
    board = factories.make_area_staff(Role.BOARD_MEMBER, code="N57KECL")
    sign_in(client, board.email)
    west = factories.area("N57KECL")
    section = _text(page_text(client.get(f"/areas/{west.id}/dashboard")).split('id="national"')[1])
    assert "Women's services 10 20.0% 22 45.5%" in section
