"""The demo's clock: past days and moments (noon, a morning hour, working days before a
day), `dated`, inside which what the services write happened at a past time, `on`, which
calls a service then, and `emails_printed`, which keeps development from printing the
emails the demo queues unless asked."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from ..audit.models import AuditEvent
from ..extensions import db
from ..notifications.models import OutboxEmail
from ..timeutil import LONDON
from ..workdays import at_london_time, is_working_day

NOON = time(12, 0)


def working_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def at_noon(day: date) -> datetime:
    return datetime.combine(day, NOON, tzinfo=LONDON)


def morning(day: date, hour: int = 10) -> datetime:
    return at_london_time(day, time(hour, 0)).astimezone(UTC)


@contextmanager
def emails_printed(printed: bool):
    """Development prints each email when it is queued (MAIL_ECHO): inside, only if `printed`."""
    echo = current_app.config.get("MAIL_ECHO")
    current_app.config["MAIL_ECHO"] = bool(echo and printed)
    try:
        yield
    finally:
        current_app.config["MAIL_ECHO"] = echo


@contextmanager
def dated(when: datetime):
    """What the services write inside happened at `when`: the audit events they record (the
    record of decisions reads them by date), the rows they create and the emails they queue
    (sent then, so neither printed nor sent again now). Stamped as the rows are inserted."""
    session = db.session()
    session.flush()

    def stamp(session, flush_context, instances):
        for obj in session.new:
            if isinstance(obj, AuditEvent):
                obj.occurred_at = when
            elif isinstance(obj, OutboxEmail):
                obj.created_at = obj.sent_at = when
            elif getattr(obj, "created_at", False) is None:
                obj.created_at = when

    sa.event.listen(session, "before_flush", stamp)
    try:
        with emails_printed(False):  # development prints new emails: these are old
            yield when
            session.flush()
    finally:
        sa.event.remove(session, "before_flush", stamp)


def on(when: datetime, service, *args, **kwargs):
    """Call a service at a past time, dated then."""
    with dated(when):
        return service(*args, now=when, **kwargs)
