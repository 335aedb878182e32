"""The printable board pack: the dashboard's figures, the year's ratings and the latest
decisions on one page laid out to print, and the same as a PDF."""

import html
import os

import pytest

from marketplace.accounts.models import Role
from marketplace.board import reviews, routes
from marketplace.board.reporting.scope import Period
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import page_text, sign_in

REQUIRE_PDF = os.environ.get("REQUIRE_PDF") == "1"


@pytest.fixture
def made(db_session):
    made = factories.make_contract()
    year = Period.financial_year(london_date(utcnow())).start.year
    reviews.rate(
        made.contract,
        period=str(year),
        rating="requires_improvement",
        comment="Reports arrive late.",
        actor=factories.make_area_staff(Role.BOARD_MEMBER),
    )
    return made


def _as(client, user):
    browser = client.application.test_client()
    sign_in(browser, user.email)
    return browser


@pytest.mark.clock
def test_the_pack_holds_the_figures_the_ratings_and_the_decisions(client, made):
    area = made.contract.need.area
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/board-pack"))
    assert "board pack" in page and "Spend and awards by provider size" in page and page.count('class="lp-chart') >= 5
    assert "Requires improvement" in page and "Reports arrive late." in page and made.contract.title in page
    assert "Award decided" in page and "Best value." in page
    assert "download it as a PDF" in page


def test_the_pack_as_a_pdf(client, made):
    if not routes.pdf_available():
        message = "WeasyPrint cannot load Pango here: install libpango-1.0-0 and libpangoft2-1.0-0"
        pytest.fail(message + " (REQUIRE_PDF=1)") if REQUIRE_PDF else pytest.skip(message)
    area = made.contract.need.area
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    response = board.get(f"/areas/{area.id}/board-pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and len(response.data) > 10_000
    assert f'filename="{area.code}-board-pack-' in response.headers["Content-Disposition"]


def test_without_pango_the_pack_is_printed_from_the_browser(client, made, monkeypatch):
    monkeypatch.setattr(routes, "pdf_available", lambda: False)
    area = made.contract.need.area
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/board-pack"))
    assert "download it as a PDF" not in page and "cannot make PDFs itself" in page
    response = board.get(f"/areas/{area.id}/board-pack.pdf", follow_redirects=True)
    assert response.status_code == 200 and "This server cannot make PDFs" in page_text(response)


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-02-30", "Enter a real date"),
        ("from=2026-06-01&to=2026-05-01", "must be the same as or after the start date"),
        ("pdu=abc", "Choose a delivery unit of this area"),
        ("category=0", "Choose a service category from the list"),
    ],
)
def test_bad_queries_are_explained(client, made, query, message):
    area = made.contract.need.area
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    response = board.get(f"/areas/{area.id}/board-pack?{query}")
    assert response.status_code == 400 and message in page_text(response)
    assert board.get(f"/areas/{area.id}/board-pack.pdf?{query}").status_code == 400


def test_one_delivery_unit_and_category_are_named(client, made):
    area = made.contract.need.area
    category = made.contract.need.category
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER, "N57"))
    page = html.unescape(
        page_text(board.get(f"/areas/{area.parent_id}/board-pack?pdu={area.id}&category={category.id}"))
    )
    assert f"{area.name} only" in page and f"{category.name} only" in page


@pytest.mark.parametrize(
    "who, status",
    [
        ("board", 200),
        ("commissioner", 200),
        ("board_elsewhere", 403),
        ("finance", 403),
        ("evaluator", 403),
        ("provider", 403),
    ],
)
def test_who_may_read_the_pack(client, made, who, status):
    user = {
        "board": lambda: factories.make_area_staff(Role.BOARD_MEMBER),
        "commissioner": lambda: made.commissioner,
        "board_elsewhere": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N56ESXN"),
        "finance": lambda: factories.make_area_staff(Role.FINANCE),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR),
        "provider": lambda: made.provider,
    }[who]()
    browser = _as(client, user)
    area = made.contract.need.area
    assert browser.get(f"/areas/{area.id}/board-pack").status_code == status
    if status != 200:
        assert browser.get(f"/areas/{area.id}/board-pack.pdf").status_code == status
    assert client.application.test_client().get(f"/areas/{area.id}/board-pack").status_code == 302
