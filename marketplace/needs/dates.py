"""The dates of a need: the question deadline and closing time, the rules they keep
(working days, at least 10 working days open, never earlier once published), the dates
suggested for a new draft, and the working days left before closing."""

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from ..timeutil import LONDON, format_day, london, london_date, utcnow
from ..workdays import (
    add_working_days,
    next_working_day,
    why_not_working_day,
    working_days_between,
)
from .models import Need, NeedError

MIN_WORKING_DAYS_OPEN = 10


def earliest_closing_date(published: datetime) -> date:
    """The earliest closing day for a need published at `published`: 10 working days on."""
    return add_working_days(london_date(published), MIN_WORKING_DAYS_OPEN)


def _messages(field: str) -> dict[str, str]:
    """The problems of one date, in the page's language: each field's own sentences."""
    if field == "question_deadline":
        return {
            "past": _("The question deadline must be in the future"),
            "earlier": _(
                "The question deadline cannot be brought forward once the need is published: providers were "
                "told %(time)s. Choose that time or later"
            ),
            "not_working": _(
                "The question deadline must be on a working day. %(date)s is %(reason)s: "
                "the next working day is %(next)s"
            ),
        }
    return {
        "past": _("The closing date must be in the future"),
        "earlier": _(
            "The closing time cannot be brought forward once the need is published: providers were "
            "told %(time)s. Choose that time or later"
        ),
        "not_working": _(
            "The closing date must be on a working day. %(date)s is %(reason)s: the next working day is %(next)s"
        ),
    }


def _moment_problem(
    moment: datetime, current: datetime | None, *, now: datetime, published: bool, field: str
) -> str | None:
    """What is wrong with one date changed from `current` to `moment`, or None."""
    messages = _messages(field)
    if moment <= now:
        return messages["past"]
    if published and current is not None and moment < current:
        return messages["earlier"] % {"time": london(current)}
    day = london_date(moment)
    reason = why_not_working_day(day)
    if reason:
        suggested = next_working_day(day)
        return messages["not_working"] % {
            "date": format_day(day),
            "reason": reason,
            "next": format_day(suggested, weekday=True),
        }
    return None


def date_problems(
    need: Need, *, question_deadline: datetime, closes_at: datetime, now: datetime | None = None
) -> list[tuple[str, str]]:
    """Every rule the dates break, as (field, message) with field "question_deadline" or
    "closes_at":
    - both in the future, questions before closing;
    - each on a working day (weekends and England and Wales bank holidays excluded), with
      the next working day suggested;
    - a draft closes at least 10 working days after publication (if published today);
    - once published, neither moves earlier: a provider keeps the time it was promised.
    A time left as it was is not judged again (an open need's passed question deadline
    may stay while the closing time moves)."""
    now = now or utcnow()
    found: list[tuple[str, str]] = []
    published = need.published_at is not None
    for field, moment, current in (
        ("question_deadline", question_deadline, need.question_deadline),
        ("closes_at", closes_at, need.closes_at),
    ):
        if moment == current:
            continue
        problem = _moment_problem(moment, current, now=now, published=published, field=field)
        if problem:
            found.append((field, problem))
    if question_deadline > closes_at:
        found.append(("question_deadline", _("The question deadline must be before the closing time")))
    if not published and closes_at > now:
        earliest = earliest_closing_date(now)
        if london_date(closes_at) < earliest:
            found.append(
                (
                    "closes_at",
                    _(
                        "The closing date must be at least %(days)s working days after publication: "
                        "if you publish today, %(date)s or later",
                        days=MIN_WORKING_DAYS_OPEN,
                        date=format_day(earliest),
                    ),
                )
            )
    return found


def set_dates(need: Need, *, question_deadline: datetime, closes_at: datetime, now: datetime | None = None) -> None:
    found = date_problems(need, question_deadline=question_deadline, closes_at=closes_at, now=now)
    if found:
        raise NeedError(found[0][1])
    need.question_deadline, need.closes_at = question_deadline, closes_at


def default_closing(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Suggested dates: questions until noon, closing at noon, 15 working days on."""
    now = now or utcnow()
    closing_day = add_working_days(london_date(now), 15)
    questions_day = add_working_days(london_date(now), 10)
    noon = time(12, 0)
    return (
        datetime.combine(questions_day, noon, tzinfo=LONDON),
        datetime.combine(closing_day, noon, tzinfo=LONDON),
    )


def working_days_left(need: Need, now: datetime | None = None) -> int:
    now = now or utcnow()
    return working_days_between(london_date(now), london_date(need.closes_at)) if need.closes_at else 0


def closing_soon_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(days=7)
