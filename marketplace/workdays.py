"""Working days in England and Wales: Monday to Friday, less the bank holidays.

Bank holidays come from the maintained `holidays` package (England's list, which Wales
shares), never from a list of our own.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays
from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .i18n import current_language
from .timeutil import LONDON

# The names the `holidays` package gives England's bank holidays (in English only), for
# gettext: a name not here (a new one-off holiday) is shown as the package gives it.
HOLIDAY_NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Good Friday": _l("Good Friday"),
    "Easter Monday": _l("Easter Monday"),
    "May Day": _l("May Day"),
    "Spring Bank Holiday": _l("Spring Bank Holiday"),
    "Late Summer Bank Holiday": _l("Late Summer Bank Holiday"),
    "Christmas Day": _l("Christmas Day"),
    "Boxing Day": _l("Boxing Day"),
    "Coronation of Charles III": _l("Coronation of Charles III"),
    "Platinum Jubilee of Elizabeth II": _l("Platinum Jubilee of Elizabeth II"),
    "State Funeral of Queen Elizabeth II": _l("State Funeral of Queen Elizabeth II"),
}
OBSERVED = " (observed)"


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
        return _("%(name)s, a bank holiday", name=holiday_name(name))
    if day.weekday() >= 5:
        return _("a %(weekday)s", weekday=format_date(day, "EEEE", locale=current_language()))
    return None


def holiday_name(name: str) -> str:
    """A bank holiday's name in the page's language ('Boxing Day (observed)')."""
    if name.endswith(OBSERVED):
        return _("%(name)s (observed)", name=holiday_name(name.removesuffix(OBSERVED)))
    return str(HOLIDAY_NAMES.get(name, name))


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
