"""Dates, times and money in the page's language, by Babel: Welsh month names ("12 Rhagfyr
2026"), the Welsh clock ("9yb", "canol dydd"), still Europe/London and integer pence."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from marketplace.money import format_pounds
from marketplace.timeutil import format_london_date, london, london_to_the_tenth


@pytest.fixture
def welsh(app):
    with app.test_request_context(), force_locale("cy"):
        yield


@pytest.fixture
def english(app):
    with app.test_request_context():
        yield


def test_a_date_is_written_with_welsh_month_names(welsh):
    assert format_london_date(datetime(2026, 12, 12, 10, tzinfo=UTC)) == "12 Rhagfyr 2026"
    # Still the day in London: 11:30pm UTC on 30 June is 1 July in London.
    assert format_london_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 Gorffennaf 2026"


def test_a_time_is_written_the_welsh_way(welsh):
    assert london(datetime(2026, 12, 12, 9, tzinfo=UTC)) == "9yb ar 12 Rhagfyr 2026"
    assert london(datetime(2026, 12, 12, 17, 30, tzinfo=UTC)) == "5:30yh ar 12 Rhagfyr 2026"
    assert london(datetime(2026, 12, 12, 12, tzinfo=UTC)) == "canol dydd ar 12 Rhagfyr 2026"
    assert london(datetime(2026, 12, 12, 0, tzinfo=UTC)) == "hanner nos ar 12 Rhagfyr 2026"
    assert london_to_the_tenth(datetime(2026, 6, 12, 11, 5, 3, 760000, tzinfo=UTC)) == "12:05:03.7yh ar 12 Mehefin 2026"


def test_english_dates_and_times_are_as_gov_uk_writes_them(english):
    assert london(datetime(2026, 12, 12, 12, tzinfo=UTC)) == "midday on 12 December 2026"
    assert london(datetime(2026, 7, 1, 8, 5, tzinfo=UTC)) == "9:05am on 1 July 2026"


@pytest.mark.parametrize(
    ("pence", "whole", "shown"),
    [
        (0, False, "£0"),
        (99, False, "£0.99"),
        (1250050, False, "£12,500.50"),
        (1250050, True, "£12,500"),
        (-1250050, False, "-£12,500.50"),
        (100_000_000_000, False, "£1,000,000,000"),
    ],
)
def test_money_is_pounds_from_integer_pence_in_either_language(app, pence, whole, shown):
    with app.test_request_context():
        assert format_pounds(pence, whole=whole) == shown
        with force_locale("cy"):
            assert format_pounds(pence, whole=whole) == shown
