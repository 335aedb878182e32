"""Working days in England and Wales: Monday to Friday, less the bank holidays.

Bank holidays come from the maintained `holidays` package (England's list, which Wales
shares), never from a list of our own.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from .timeutil import LONDON


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> MappingProxyType:
    """The year's bank holidays in England and Wales, each with its name."""
    return MappingProxyType(dict(holidays.country_holidays("GB", subdiv="ENG", years=year)))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def why_not_working_day(day: date) -> str | None:
    """Why a day is not a working day, to tell a person ('Christmas Day, a bank holiday',
    'a Saturday'); None for a working day."""
    name = _bank_holidays(day.year).get(day)
    if name:
        return f"{name}, a bank holiday"
    if day.weekday() >= 5:
        return f"a {day:%A}"
    return None


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


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


def at_london_time(day: date, clock: time) -> datetime:
    """A London wall-clock time on a day, as an aware datetime (UTC conversion by the caller)."""
    return datetime.combine(day, clock, tzinfo=LONDON)
