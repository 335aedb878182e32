"""When evaluation may happen and when its deadlines fall: bids are evaluated only while
their need is closed; a provider has at least 2 working days to explain a low price; the
standstill ends at the end of the 8th working day after the summaries were sent. Deadlines
are the last second of a London day, in UTC."""

from datetime import UTC, date, datetime, time

from flask_babel import gettext as _

from ..needs.models import Need, NeedStatus
from ..timeutil import london_date
from ..workdays import add_working_days, at_london_time
from .errors import EvaluationError

EXPLANATION_WORKING_DAYS = 2
STANDSTILL_WORKING_DAYS = 8


def require_closed(need: Need, now: datetime) -> None:
    if need.status_at(now) != NeedStatus.CLOSED:
        raise EvaluationError(_("Bids can only be evaluated once the need has closed, and before it ends"))


def end_of_working_day(day: date) -> datetime:
    """The last second of `day` in London (shown as 11:59pm, as GOV.UK writes deadlines), in UTC."""
    return at_london_time(day, time(23, 59, 59)).astimezone(UTC)


def earliest_respond_by(now: datetime) -> date:
    """The first day a provider's explanation may be due: 2 working days after today."""
    return add_working_days(london_date(now), EXPLANATION_WORKING_DAYS)


def standstill_end(sent_at: datetime) -> datetime:
    """The end of the 8th working day after the summaries were sent (England and Wales)."""
    return end_of_working_day(add_working_days(london_date(sent_at), STANDSTILL_WORKING_DAYS))
