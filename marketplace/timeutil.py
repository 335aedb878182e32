"""Times are stored in UTC and shown in Europe/London: the UTC column type, the London
day of a moment, and the GOV.UK formatters the templates use as filters."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import gettext, pgettext
from sqlalchemy.types import TypeDecorator

from .i18n import current_language

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones, so values are stored as naive UTC and made aware again
    when read. A naive datetime given to the database is refused: it would be a guess.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Refusing to store a naive datetime; use an aware UTC datetime.")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _clock(local: datetime, *, seconds: bool = False) -> str:
    """GOV.UK style clock time in the page's language: '9am', '5:30pm' ('9yb', '5:30yh')."""
    hour = local.hour % 12 or 12
    suffix = pgettext("clock", "am") if local.hour < 12 else pgettext("clock", "pm")
    if seconds:
        return f"{hour}:{local.minute:02d}:{local.second:02d}.{local.microsecond // 100_000}{suffix}"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def london_time(value: datetime) -> str:
    """GOV.UK style clock time: '9am', '5:30pm', 'midday', 'midnight' (in Welsh on a Welsh page)."""
    local = value.astimezone(LONDON)
    if local.minute == 0 and local.hour in (0, 12):
        return gettext("midnight") if local.hour == 0 else gettext("midday")
    return _clock(local)


def london_date(moment: datetime) -> date:
    """The day it is in Europe/London at `moment`."""
    return moment.astimezone(LONDON).date()


def format_day(day: date, *, weekday: bool = False) -> str:
    """'3 March 2027' ('Wednesday 3 March 2027'), in the page's language by Babel: '3 Mawrth 2027'."""
    return format_date(day, "EEEE d MMMM y" if weekday else "d MMMM y", locale=current_language())


def format_london_date(value: datetime | None) -> str:
    """'3 March 2027', the day in Europe/London, in the page's language."""
    if value is None:
        return ""
    return format_day(value.astimezone(LONDON).date())


def london(value: datetime | None) -> str:
    """A UTC time as people in England and Wales read it: '2:05pm on 3 March 2027'."""
    if value is None:
        return ""
    return gettext("%(time)s on %(date)s", time=london_time(value), date=format_london_date(value))


def london_to_the_tenth(value: datetime | None) -> str:
    """A UTC time to a tenth of a second, for when a request reached us (receipts):
    '11:59:59.6am on 3 March 2027'. Cut short, never rounded up: a time shown never
    looks later than it was, and no later than a closing time it was before."""
    if value is None:
        return ""
    clock = _clock(value.astimezone(LONDON), seconds=True)
    return gettext("%(time)s on %(date)s", time=clock, date=format_london_date(value))
