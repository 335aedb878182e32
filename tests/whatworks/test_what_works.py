"""/what-works and its CSV against a fixture worked out by hand.

Three contracts in women's services (outcome 0 "engages with a women's centre", outcome 1
"is safer from domestic abuse"), each with one approved report:
- A: a micro charity, "Alder Trust": 30 started, 20 completed; outcome 0: 10 achieved,
  4 partly, 6 not (score 12 of 20); outcome 1: 3, 2, 1 (6 people);
- B: a large private company, "Beech Ltd": 12 started, 5 completed; outcome 0: 4, 0, 8;
- C: a small charity, "Cedar Trust": 5 started, 2 completed; outcome 0: 1, 1, 1.
All providers: 47 started, 27 completed; outcome 0: score 12 + 4 + 1.5 = 17.5 of 35, a
rate of 50.0%, Wilson interval 34.3% to 65.7%; outcome 1: 6 people, fewer than 10.
By size: micro 30, small 5 (fewer than 10), large 12, so large is withheld (else 47 - 30 -
large would give small). By type: VCSE (A and C) completed 22, private 5 (fewer than 10),
so VCSE's completed is withheld. Providers: A and B have rows of their own (10 or more
started), C is among "other providers" (5, fewer than 10), so B's started is withheld, and
so is B's outcome 0 (12 people), as the others' 3 are hidden.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.board import keeping
from marketplace.delivery.models import ReportSubmission
from marketplace.extensions import db
from marketplace.organisations.models import IncomeBand, LegalForm
from marketplace.timeutil import london_date, utcnow
from marketplace.whatworks.models import WhatWorksOutcome, WhatWorksPeople
from marketplace.whatworks.periods import financial_year_of

from ..helpers import StatementCount, error_summary, page_text
from . import world

pytestmark = pytest.mark.clock


@pytest.fixture
def three(db_session):
    a = world.contract(band=IncomeBand.MICRO, name="Alder Trust")
    world.report(a, 1, started=30, completed=20, lines={0: (10, 4, 6), 1: (3, 2, 1)})
    b = world.contract(legal_form=LegalForm.COMPANY_LIMITED_BY_SHARES, band=IncomeBand.LARGE, name="Beech Ltd")
    world.report(b, 1, started=12, completed=5, lines={0: (4, 0, 8)})
    c = world.contract(band=IncomeBand.SMALL, name="Cedar Trust")
    world.report(c, 1, started=5, completed=2, lines={0: (1, 1, 1)})
    db.session.commit()
    return a, b, c


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response))).replace("&#39;", "'")


def _table(response, caption: str) -> str:
    html = page_text(response).replace("&#39;", "'")
    start = html.index(caption)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</table>", start)]))


def test_the_rate_counts_achieved_1_partly_half_and_not_0_over_everyone_reported(client, three):
    response = client.get("/what-works")
    assert response.status_code == 200
    outcomes = _table(response, "Outcomes in Women's services, all providers")
    assert "Engages with a women's centre 35 50.0% 34.3% to 65.7%" in outcomes
    text = _text(response)
    assert "People started 47" in text and "People completed 27" in text


def test_cells_under_10_show_fewer_than_10_and_never_the_number_or_rate(client, three):
    outcomes = _table(client.get("/what-works"), "Outcomes in Women's services, all providers")
    assert "Is safer from domestic abuse fewer than 10 fewer than 10 fewer than 10" in outcomes
    assert "83.3%" not in outcomes  # outcome 1's rate, (3 + 1) / 6... never shown
    sizes = _table(client.get("/what-works"), "Women's services: By provider size")
    assert "£100,000 to £999,999 a year fewer than 10 fewer than 10 fewer than 10" in sizes


def test_a_hidden_cell_that_the_total_would_give_away_is_withheld_with_another(client, three):
    response = client.get("/what-works")
    sizes = _table(response, "Women's services: By provider size")
    assert "£10 million a year or more withheld fewer than 10 withheld" in sizes
    types = _table(response, "Women's services: By provider type")
    assert "VCSE organisations 35 withheld" in types
    assert "Private companies 12 fewer than 10" in types


def test_a_provider_has_its_own_row_only_with_10_or_more_people_started(client, three):
    providers = _table(client.get("/what-works"), "Women's services: By provider<")
    assert "Alder Trust 30 20 60.0% (38.7% to 78.1%), 20 people" in providers
    # Beech's outcome 0 (12 people) is withheld too: the other providers' 3 people are hidden.
    assert "Beech Ltd withheld fewer than 10 withheld fewer than 10" in providers
    assert "33.3%" not in providers
    assert "Cedar Trust" not in page_text(client.get("/what-works"))
    assert "Other providers (fewer than 10 people started each) fewer than 10 fewer than 10 fewer than 10" in providers


def test_the_csv_has_the_pages_numbers_and_hides_the_same_cells(client, three):
    response = client.get("/what-works.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["Period", "Service category", "Breakdown", "Providers", "People started"]
    by_group = {(r[2], r[3], r[6]): r[4:] for r in rows[1:]}
    engages = "Engages with a women's centre"
    assert by_group[("All providers", "All providers", engages)] == [
        "47",
        "27",
        engages,
        "35",
        "50.0%",
        "34.3% to 65.7%",
    ]
    assert by_group[("By provider", "Beech Ltd", engages)][:2] == ["withheld", "fewer than 10"]
    other = next(k for k in by_group if k[1].startswith("Other providers"))
    assert by_group[other][:2] == ["fewer than 10", "fewer than 10"]
    assert not any("Cedar Trust" in cell for row in rows for cell in row)
    safer = by_group[("All providers", "All providers", "Is safer from domestic abuse")]
    assert safer[3:] == ["fewer than 10", "fewer than 10", "fewer than 10"]


def test_a_report_not_approved_does_not_count(client, three):
    a = three[0]
    world.report(a, 2, started=100, completed=100, lines={0: (100, 0, 0)}, approve=False)
    db.session.commit()
    assert "People started 47" in _text(client.get("/what-works"))


def test_the_period_is_a_financial_year_the_latest_with_data_by_default_or_all_time(client, three):
    a = three[0]
    earlier = world.report(a, 2, started=20, completed=10, lines={0: (20, 0, 0)})
    submission = db.session.scalar(sa.select(ReportSubmission).where(ReportSubmission.report_id == earlier.id))
    submission.decided_at = utcnow() - timedelta(days=400)
    db.session.commit()
    this_year = financial_year_of(int(london_date(utcnow()).strftime("%Y%m")))
    last_year = financial_year_of(int(london_date(submission.decided_at).strftime("%Y%m")))
    assert "People started 47" in _text(client.get("/what-works"))
    assert f'<option value="{this_year}" selected>' in page_text(client.get("/what-works"))
    assert "People started 20" in _text(client.get(f"/what-works?period={last_year}"))
    assert "People started 67" in _text(client.get("/what-works?period=all"))
    assert "April" in _text(client.get(f"/what-works?period={last_year}"))


@pytest.mark.parametrize("period", ["1999", "next", "2025-26", "<script>", "9" * 40, "all\x00"])
def test_a_period_not_offered_is_told_by_its_field_and_the_default_shown(client, three, period):
    response = client.get("/what-works", query_string={"period": period})
    assert response.status_code == 400
    assert error_summary(response) == ["Choose a period from the list"]
    assert "People started 47" in _text(response)
    assert client.get("/what-works.csv", query_string={"period": period}).status_code == 400


def test_with_nothing_approved_the_page_says_so(client, db_session):
    response = client.get("/what-works")
    assert response.status_code == 200
    assert "No outcome reports were approved in this period." in _text(response)
    assert client.get("/what-works?period=all").status_code == 200


def test_the_kept_figures_equal_those_made_again_from_the_reports(client, three):
    def kept():
        return (
            sorted(tuple(r) for r in db.session.execute(sa.select(WhatWorksPeople.__table__)).all()),
            sorted(tuple(r) for r in db.session.execute(sa.select(WhatWorksOutcome.__table__)).all()),
        )

    before = kept()
    keeping.rebuild()
    assert kept() == before and before[0]


def test_the_page_reads_the_same_statements_for_one_provider_or_many(client, db_session):
    from .test_justice_data_lab import _result

    a = world.contract(band=IncomeBand.MICRO, name="Alder Trust")
    _result(a.contract.organisation, a.commissioner)
    world.report(a, 1, started=30, completed=20, lines={0: (10, 4, 6)})
    db.session.commit()
    client.get("/what-works")  # the reference data's snapshot, once per process
    db.session.commit()  # a request's own transaction, as in production
    keeping.forget()  # counted as read afresh: what is kept by the figures' stamp sends fewer
    with StatementCount() as one:
        client.get("/what-works")
    for name in ("Beech Ltd", "Cedar Trust", "Damson Trust"):
        made = world.contract(name=name)
        _result(made.contract.organisation, made.commissioner, service_name=f"{name} programme")
        world.report(made, 1, started=15, completed=5, lines={0: (5, 5, 5), 1: (1, 1, 1)})
        world.report(made, 2, started=15, completed=5, lines={0: (5, 5, 5)})
    db.session.commit()
    keeping.forget()
    with StatementCount() as many:
        client.get("/what-works")
    db.session.commit()
    with StatementCount() as again:
        client.get("/what-works")
    assert many.count == one.count <= 6
    assert again.count < many.count


def test_the_open_data_page_links_what_works_and_its_csv(client, db_session):
    html = page_text(client.get("/open-data"))
    main = html[html.index("<main") : html.index("</main>")]
    assert 'href="/what-works"' in main and 'href="/what-works.csv"' in main
