"""A board in Wales reads its dashboard, its board pack, its record of decisions and its
partnership reviews in Welsh: every sentence, the charts' alternative text, the CSV
columns and the dates; what people typed (a rating's comment, a contract's title) is
shown as written. The English pages stay as they were."""

import csv
import io

import pytest

from marketplace.accounts.models import Role
from marketplace.board import reviews
from marketplace.board.reporting.scope import Period
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import page_text, post_form, sign_in
from ..i18n.test_welsh_pages import english_fragments, visible_text

pytestmark = pytest.mark.clock  # the financial year and the ratings are dated from now


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


def _in_welsh(client, user):
    browser = client.application.test_client()
    browser.get("/?lang=cy")
    sign_in(browser, user.email)
    return browser


def _english_on(page: str) -> list[str]:
    text = visible_text(page)
    return sorted(fragment for fragment in english_fragments() if fragment in text)


def test_a_board_in_wales_reads_its_pages_in_welsh(client, made):
    area = made.contract.need.area
    board = _in_welsh(client, factories.make_area_staff(Role.BOARD_MEMBER))
    year = Period.financial_year(london_date(utcnow())).start.year
    for url in (
        f"/areas/{area.id}/dashboard",
        f"/areas/{area.id}/board-pack",
        f"/areas/{area.id}/decisions",
        f"/areas/{area.id}/partnerships",
        f"/contracts/{made.contract.id}/reviews",
    ):
        response = board.get(url)
        page = page_text(response)
        assert response.status_code == 200, url
        assert '<html lang="cy"' in page, url
        assert _english_on(page) == [], url
    dashboard = page_text(board.get(f"/areas/{area.id}/dashboard"))
    assert "Sut mae comisiynu lleol yn gweithio" in dashboard
    assert f"O 1 Ebrill {year} i 31 Mawrth {year + 1}." in dashboard  # Babel's Welsh month names
    assert 'alt="Siart bar o’r gwariant a’r gwerth a ddyfarnwyd yn ôl maint y sefydliad arweiniol.' in dashboard
    pack = page_text(board.get(f"/areas/{area.id}/board-pack"))
    assert "Angen gwella" in pack and "Reports arrive late." in pack  # the rating in Welsh, the comment as written
    assert "Penderfyniad ar y dyfarniad" in page_text(board.get(f"/areas/{area.id}/decisions"))


def test_the_english_pages_are_as_they_were(client, made):
    area = made.contract.need.area
    board = client.application.test_client()
    sign_in(board, factories.make_area_staff(Role.BOARD_MEMBER).email)
    year = Period.financial_year(london_date(utcnow())).start.year
    dashboard = page_text(board.get(f"/areas/{area.id}/dashboard"))
    assert '<html lang="en"' in dashboard and f"From 1 April {year} to 31 March {year + 1}." in dashboard
    assert 'alt="Bar chart of spend and value awarded by the size of the lead organisation.' in dashboard
    assert "Requires improvement" in page_text(board.get(f"/areas/{area.id}/board-pack"))


def test_a_csv_has_its_column_names_in_the_pages_language(client, made):
    area = made.contract.need.area
    staff = factories.make_area_staff(Role.BOARD_MEMBER)
    english = client.application.test_client()
    sign_in(english, staff.email)
    header = next(csv.reader(io.StringIO(english.get(f"/areas/{area.id}/dashboard/size-bands.csv").text)))
    assert header == ["group", "spend_pence", "spend", "awards", "award_value_pence"]
    welsh = _in_welsh(client, staff)
    rows = list(csv.reader(io.StringIO(welsh.get(f"/areas/{area.id}/dashboard/size-bands.csv").text)))
    assert rows[0] == ["grwp", "gwariant_ceiniogau", "gwariant", "dyfarniadau", "gwerth_dyfarniadau_ceiniogau"]
    assert [row[0] for row in rows[1:]] == [
        "Micro (llai na £100,000)",
        "Bach (llai na £1m)",
        "Canolig (llai na £10m)",
        "Mawr",
    ]
    decisions = list(csv.reader(io.StringIO(welsh.get(f"/areas/{area.id}/decisions.csv").text)))
    assert decisions[0][:2] == ["pryd_utc", "penderfyniad"] and "Penderfyniad ar y dyfarniad" in {
        r[1] for r in decisions
    }


def test_a_rating_is_emailed_in_each_recipients_language(client, db_session):
    made = factories.make_contract()
    made.provider.language = "cy"
    db.session.flush()
    year = Period.financial_year(london_date(utcnow())).start.year
    review = reviews.rate(
        made.contract,
        period=str(year),
        rating="requires_improvement",
        comment="Reports arrive late.",
        actor=factories.make_area_staff(Role.BOARD_MEMBER),
    )
    rated = OutboxEmail.subject.startswith
    welsh = db.session.query(OutboxEmail).filter(OutboxEmail.to == made.provider.email, rated("Adolygiad")).one()
    assert welsh.subject == f"Adolygiad partneriaeth: {made.contract.title}"
    assert "Mae’r bwrdd wedi rhoi sgôr i’r bartneriaeth" in welsh.body and "Angen gwella" in welsh.body
    assert f"Ebrill {year} i Fawrth {year + 1}: Angen gwella" in welsh.body
    english = (
        db.session.query(OutboxEmail).filter(OutboxEmail.to == made.commissioner.email, rated("Partnership")).one()
    )
    assert "The board has rated the partnership" in english.body and "Requires improvement" in english.body

    url = f"/contracts/{made.contract.id}/reviews"
    provider = _in_welsh(client, made.provider)
    response = post_form(
        provider, f"/reviews/{review.id}/responses", {f"review-{review.id}-text": "Mae gennym gynllun."}, from_url=url
    )
    assert response.status_code == 302
    answered = db.session.query(OutboxEmail).filter(OutboxEmail.to == made.commissioner.email, rated("Response")).one()
    assert "The provider has answered the board's rating of" in answered.body  # the commissioner reads English
    page = page_text(provider.get(url))
    assert "Atebodd y darparwr (" in page and "Mae gennym gynllun." in page
    assert "&lt;p" not in page  # the answer's heading is markup, not text


def test_an_organisation_reads_its_own_figures_in_welsh(client, made):
    provider = _in_welsh(client, made.provider)
    page = page_text(provider.get(f"/organisations/{made.provider.organisations[0].id}/figures"))
    assert "Ffigurau eich sefydliad" in page and "Siart bar o ba mor aml yr enillodd eich cynigion" in page
    assert _english_on(page) == []
