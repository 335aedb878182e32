"""The dates of a need: once published they only move later, they fall on working days,
and a draft's closing date is at least 10 working days away, said on the dates step
itself. Service tests pass `now`; page tests use dates far enough ahead (or counted in
working days from today) to hold on any day of the week."""

from datetime import date, datetime, time, timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.needs import amendments, dates
from marketplace.needs.models import Amendment, NeedError
from marketplace.timeutil import LONDON, london_date, utcnow
from marketplace.workdays import add_working_days

from .. import factories
from ..helpers import count, error_summary, page_text, post_form
from .test_manage import EAST_KENT, _fresh, _signed_in, dates_data

# Page tests count working days from today; needs close a number of days from now.
pytestmark = pytest.mark.clock

NOON = time(12, 0)
# Friday 4 December 2026, 6:30pm in London: a fixed instant for the service tests.
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 30, tzinfo=LONDON)


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, EAST_KENT)


def _noon(day: date) -> datetime:
    return datetime.combine(day, NOON, tzinfo=LONDON)


def _published(commissioner, *, closes: datetime, deadline: datetime, published: datetime):
    need = factories.make_need(commissioner=commissioner)
    need.published_at, need.question_deadline, need.closes_at = published, deadline, closes
    return need


# The closing time only moves later -----------------------------------------------------


def test_closing_time_cannot_move_earlier_once_published(commissioner):
    need = _published(
        commissioner,
        published=FRIDAY_EVENING - timedelta(days=7),
        deadline=_noon(date(2026, 12, 9)),
        closes=_noon(date(2026, 12, 29)),
    )
    problems = dates.date_problems(
        need, question_deadline=need.question_deadline, closes_at=_noon(date(2026, 12, 11)), now=FRIDAY_EVENING
    )
    assert problems == [
        (
            "closes_at",
            "The closing time cannot be brought forward once the need is published: providers were told "
            "midday on 29 December 2026. Choose that time or later",
        )
    ]
    with pytest.raises(NeedError, match="cannot be brought forward"):
        dates.set_dates(
            need, question_deadline=need.question_deadline, closes_at=_noon(date(2026, 12, 11)), now=FRIDAY_EVENING
        )
    assert need.closes_at == _noon(date(2026, 12, 29))


def test_closing_time_cannot_move_even_an_hour_earlier_once_published(commissioner):
    need = _published(
        commissioner, published=FRIDAY_EVENING, deadline=_noon(date(2026, 12, 22)), closes=_noon(date(2026, 12, 29))
    )
    earlier = datetime.combine(date(2026, 12, 29), time(11, 0), tzinfo=LONDON)
    assert [
        field
        for field, _ in dates.date_problems(
            need, question_deadline=need.question_deadline, closes_at=earlier, now=FRIDAY_EVENING
        )
    ] == ["closes_at"]


def test_question_deadline_cannot_move_earlier_once_published(commissioner):
    need = _published(
        commissioner, published=FRIDAY_EVENING, deadline=_noon(date(2026, 12, 22)), closes=_noon(date(2026, 12, 29))
    )
    problems = dates.date_problems(
        need, question_deadline=_noon(date(2026, 12, 15)), closes_at=need.closes_at, now=FRIDAY_EVENING
    )
    assert [field for field, _ in problems] == ["question_deadline"]
    assert "cannot be brought forward" in problems[0][1]


def test_closing_time_may_move_later_once_published(commissioner):
    need = _published(
        commissioner, published=FRIDAY_EVENING, deadline=_noon(date(2026, 12, 22)), closes=_noon(date(2026, 12, 29))
    )
    dates.set_dates(
        need, question_deadline=need.question_deadline, closes_at=_noon(date(2027, 1, 8)), now=FRIDAY_EVENING
    )
    assert need.closes_at == _noon(date(2027, 1, 8))


def test_a_draft_may_bring_its_closing_time_forward(commissioner):
    need = factories.make_need(commissioner=commissioner, published=False)
    need.question_deadline, need.closes_at = _noon(date(2027, 1, 20)), _noon(date(2027, 1, 29))
    dates.set_dates(
        need, question_deadline=_noon(date(2027, 1, 6)), closes_at=_noon(date(2027, 1, 15)), now=FRIDAY_EVENING
    )
    assert need.closes_at == _noon(date(2027, 1, 15))


# Working days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "closing_day, message",
    [
        (
            date(2026, 12, 25),
            "25 December 2026 is Christmas Day, a bank holiday: the next working day is Tuesday 29 December 2026",
        ),
        (
            date(2026, 12, 28),
            "28 December 2026 is Boxing Day (observed), a bank holiday: the next working day is Tuesday 29 December 2026",
        ),
        (date(2027, 1, 9), "9 January 2027 is a Saturday: the next working day is Monday 11 January 2027"),
        (
            date(2027, 3, 26),
            "26 March 2027 is Good Friday, a bank holiday: the next working day is Tuesday 30 March 2027",
        ),
    ],
)
def test_closing_time_falls_on_a_working_day_with_the_next_one_suggested(commissioner, closing_day, message):
    need = factories.make_need(commissioner=commissioner, published=False)
    problems = dates.date_problems(
        need,
        question_deadline=_noon(date(2026, 12, 21)),
        closes_at=_noon(closing_day),
        now=datetime(2026, 11, 2, 9, 0, tzinfo=LONDON),
    )
    assert problems == [("closes_at", f"The closing date must be on a working day. {message}")]


def test_question_deadline_falls_on_a_working_day(commissioner):
    need = factories.make_need(commissioner=commissioner, published=False)
    problems = dates.date_problems(
        need, question_deadline=_noon(date(2027, 1, 1)), closes_at=_noon(date(2027, 1, 15)), now=FRIDAY_EVENING
    )
    assert problems == [
        (
            "question_deadline",
            "The question deadline must be on a working day. 1 January 2027 is New Year's Day, a bank holiday: "
            "the next working day is Monday 4 January 2027",
        )
    ]


def test_a_date_left_as_it_was_is_not_judged_again(commissioner):
    """An open need whose question deadline has passed may still move its closing time."""
    need = _published(
        commissioner,
        published=FRIDAY_EVENING - timedelta(days=20),
        deadline=FRIDAY_EVENING - timedelta(days=1),
        closes=_noon(date(2026, 12, 10)),
    )
    assert (
        dates.date_problems(
            need, question_deadline=need.question_deadline, closes_at=_noon(date(2026, 12, 17)), now=FRIDAY_EVENING
        )
        == []
    )


# Ten working days, said on the dates step ----------------------------------------------


def test_draft_closing_fewer_than_ten_working_days_away_is_refused_at_the_dates_step(commissioner):
    need = factories.make_need(commissioner=commissioner, published=False)
    # Friday evening: ten working days on is Friday 18 December.
    problems = dates.date_problems(
        need, question_deadline=_noon(date(2026, 12, 10)), closes_at=_noon(date(2026, 12, 17)), now=FRIDAY_EVENING
    )
    assert problems == [
        (
            "closes_at",
            "The closing date must be at least 10 working days after publication: if you publish today, 18 December 2026 or later",
        )
    ]
    assert (
        dates.date_problems(
            need, question_deadline=_noon(date(2026, 12, 10)), closes_at=_noon(date(2026, 12, 18)), now=FRIDAY_EVENING
        )
        == []
    )


# Through the dates page ----------------------------------------------------------------


def _today():
    return london_date(utcnow())


def test_dates_page_refuses_christmas_day_and_keeps_what_was_typed(client, commissioner):
    draft = factories.make_need(commissioner=commissioner, published=False)
    _signed_in(client, commissioner)
    before = amendments.snapshot(draft)
    events = count(AuditEvent)
    response = post_form(
        client,
        f"/needs/{draft.id}/dates",
        dates_data(question_deadline=_noon(date(2031, 12, 15)), closes_at=_noon(date(2031, 12, 25))),
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        "The closing date must be on a working day. 25 December 2031 is Christmas Day, a bank holiday: "
        "the next working day is Monday 29 December 2031"
    ]
    html = page_text(response)
    assert "<title>Error:" in html
    assert 'value="2031"' in html and 'value="25"' in html
    assert amendments.snapshot(_fresh(draft)) == before
    assert count(AuditEvent) == events


def test_dates_page_says_when_a_draft_closes_too_soon(client, commissioner):
    draft = factories.make_need(commissioner=commissioner, published=False)
    _signed_in(client, commissioner)
    closes = _noon(add_working_days(_today(), 5))
    response = post_form(
        client,
        f"/needs/{draft.id}/dates",
        dates_data(question_deadline=_noon(add_working_days(_today(), 2)), closes_at=closes),
    )
    assert response.status_code == 200
    earliest = add_working_days(_today(), dates.MIN_WORKING_DAYS_OPEN)
    assert error_summary(response) == [
        "The closing date must be at least 10 working days after publication: "
        f"if you publish today, {earliest.day} {earliest:%B %Y} or later"
    ]


def test_dates_page_refuses_bringing_an_open_need_forward(client, commissioner):
    need = factories.make_need(commissioner=commissioner)
    need.question_deadline = _noon(add_working_days(_today(), 10))
    need.closes_at = _noon(add_working_days(_today(), 25))
    promised = need.closes_at
    _signed_in(client, commissioner)
    response = post_form(
        client,
        f"/needs/{need.id}/dates",
        {
            **dates_data(question_deadline=need.question_deadline, closes_at=_noon(add_working_days(_today(), 12))),
            "reason": "Bring it forward",
        },
    )
    assert response.status_code == 200
    [message] = error_summary(response)
    assert message.startswith("The closing time cannot be brought forward once the need is published")
    assert _fresh(need).closes_at == promised
    assert count(Amendment, Amendment.need_id == need.id) == 0


def test_dates_page_moves_an_open_need_later_as_an_amendment(client, commissioner):
    need = factories.make_need(commissioner=commissioner)
    need.question_deadline = _noon(add_working_days(_today(), 20))
    need.closes_at = _noon(add_working_days(_today(), 25))
    later = _noon(add_working_days(_today(), 30))
    _signed_in(client, commissioner)
    response = post_form(
        client,
        f"/needs/{need.id}/dates",
        {
            **dates_data(question_deadline=need.question_deadline, closes_at=later),
            "reason": "More time for consortium bids",
        },
    )
    assert response.status_code == 302, error_summary(response)
    assert _fresh(need).closes_at == later
    assert count(Amendment, Amendment.need_id == need.id) == 1
