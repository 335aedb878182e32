"""Working days in England and Wales: Monday to Friday, less the bank holidays.

Bank holidays come from the maintained `holidays` package (England's list, which Wales
shares), never from a list of our own.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from .timeutil import LONDON


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, count: int) -> date:
    """The date `count` working days after `day` (day itself not counted)."""
    current = day
    added = 0
    while added < count:
        current += timedelta(days=1)
        if is_working_day(current):
            added += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            days += 1
    return days


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def at_london_time(day: date, clock: time) -> datetime:
    """A London wall-clock time on a day, as an aware datetime (UTC conversion by the caller)."""
    return datetime.combine(day, clock, tzinfo=LONDON)
