"""Time in the demo: `flask --app wsgi demo-advance DAYS` moves every date of the demo's
data DAYS days back, so what was to come comes DAYS closer (a closing time, a standstill's
end, a milestone, a contract's start) and someone trying the portal can pass a standstill
and make a contract without waiting 8 working days. Never in production.

Everything moves together, so nothing changes order: every date and time column of every
table (a need's publication, question deadline and closing time; bids' revisions and
receipts; scores; award decisions and standstill ends; contracts, milestones, reports,
payments; the audit trail, the outbox and the OCDS releases) and the dates written inside
their JSON (the audit's before and after, a summary's standstill end, a release's dates).
Two things stay: reference data (areas, categories and outcomes, with their own effective
dates) and a bid revision's content, whose SHA-256 digest is the bidder's receipt of
exactly what was submitted. Then a need still open whose closing time or question deadline
moved onto a weekend or a bank holiday moves on to the next working day, at the same time
of day (later, never earlier, so every bid and question stays before it).
"""

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from ..board import keeping
from ..extensions import db
from ..needs import counts
from ..needs.models import Need
from ..timeutil import LONDON, UTCDateTime, utcnow
from ..workdays import next_working_day
from .people import DemoRefused, refuse_in_production

MOST_DAYS = 365
# need_counts is counted again from the needs moved (needs.counts.rebuild), the board's
# figures per month from the payments moved (board.keeping.rebuild).
KEPT_TABLES = frozenset(
    {"areas", "service_categories", "desired_outcomes", "alembic_version", "need_counts"}
    | {"board_payment_figures", "board_need_figures", "board_unpaid_figures", "board_contract_figures"}
    | {"board_success_figures", "board_outcome_figures"}
)
KEPT_COLUMNS = frozenset({("bid_revisions", "content")})
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


def days_to_advance(text: str) -> int:
    """The number of days asked for, or DemoRefused saying what is wrong."""
    try:
        days = int(text.strip())
    except ValueError:
        raise DemoRefused(f"DAYS must be a whole number of days from 1 to {MOST_DAYS}, not {text!r}.") from None
    if not 1 <= days <= MOST_DAYS:
        raise DemoRefused(f"DAYS must be from 1 to {MOST_DAYS}, not {days}.")
    return days


def shifted_text(value: str, delta: timedelta) -> str:
    """An ISO date or time written as text, moved back by `delta`; other text as it is."""
    if not ISO_MOMENT.match(value):
        return value
    try:
        if len(value) == 10:
            return (date.fromisoformat(value) - delta).isoformat()
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    moved = (moment - delta).isoformat()
    return moved.replace("+00:00", "Z") if value.endswith("Z") else moved


def shifted_json(value: Any, delta: timedelta) -> Any:
    if isinstance(value, str):
        return shifted_text(value, delta)
    if isinstance(value, list):
        return [shifted_json(item, delta) for item in value]
    if isinstance(value, dict):
        return {key: shifted_json(item, delta) for key, item in value.items()}
    return value


def _moving_columns(table: sa.Table) -> list[sa.Column]:
    return [
        column
        for column in table.columns
        if isinstance(column.type, (UTCDateTime, sa.DateTime, sa.Date, sa.JSON))
        and (table.name, column.name) not in KEPT_COLUMNS
    ]


def _shift_table(table: sa.Table, delta: timedelta) -> int:
    """Move back every date in the table's rows; returns how many rows changed."""
    columns = _moving_columns(table)
    keys = list(table.primary_key.columns)
    if not columns or not keys:
        return 0
    rows = db.session.execute(sa.select(*keys, *columns)).all()
    updates = []
    for row in rows:
        values = {}
        for column in columns:
            old = getattr(row, column.name)
            if old is None:
                continue
            new = shifted_json(old, delta) if isinstance(column.type, sa.JSON) else old - delta
            if new != old:
                values[column.name] = new
        if values:
            updates.append((tuple(getattr(row, k.name) for k in keys), values))
    for key, values in updates:
        db.session.execute(sa.update(table).where(*(k == v for k, v in zip(keys, key, strict=True))).values(values))
    return len(updates)


def _on_a_working_day(moment: datetime) -> datetime:
    local = moment.astimezone(LONDON)
    day = next_working_day(local.date())
    if day == local.date():
        return moment
    return datetime.combine(day, time(local.hour, local.minute, local.second), tzinfo=LONDON).astimezone(moment.tzinfo)


def _open_needs_on_working_days(now: datetime) -> int:
    moved = 0
    for need in db.session.scalars(sa.select(Need).where(Need.closes_at > now)):
        assert need.closes_at is not None  # the query asks for a closing time to come
        closes_at = _on_a_working_day(need.closes_at)
        deadline = _on_a_working_day(need.question_deadline) if need.question_deadline else None
        if closes_at != need.closes_at or deadline != need.question_deadline:
            need.closes_at, need.question_deadline = closes_at, deadline
            moved += 1
    db.session.flush()
    return moved


def advance_demo(days: int, now: datetime | None = None) -> dict[str, int]:
    """Move the demo's dates `days` back. Flushes; the caller commits (one transaction).
    Returns the rows moved, by table, and the open needs whose dates moved on to a working
    day (under "working days")."""
    refuse_in_production("demo-advance is refused in production: it would rewrite every date of real records.")
    if not 1 <= days <= MOST_DAYS:
        raise DemoRefused(f"DAYS must be from 1 to {MOST_DAYS}, not {days}.")
    db.session.flush()
    delta = timedelta(days=days)
    moved = {}
    for table in db.metadata.sorted_tables:
        if table.name not in KEPT_TABLES and (count := _shift_table(table, delta)):
            moved[table.name] = count
    db.session.expire_all()  # the objects in the session held the dates before
    counts.rebuild()
    keeping.rebuild()
    moved["working days"] = _open_needs_on_working_days(now or utcnow())
    return moved
