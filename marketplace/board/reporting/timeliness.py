"""How fast payments are made: of the payments paid in a period, how many, the median
days from becoming payable to paid, and how many within TARGET_DAYS; and how many are
overdue now. Days are London days, counted in SQL on either database.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import sqlalchemy as sa

from ...contracts.models import Contract
from ...extensions import db
from ...needs.models import Need
from ...payments.models import TARGET_DAYS, Payment, PaymentStatus
from .scope import Period, Scope, keyed, paid_in


@dataclass(frozen=True)
class Timeliness:
    paid: int
    median_days: Fraction | None
    within_target: int
    overdue_now: int

    @property
    def share_within_target(self) -> Fraction | None:
        return Fraction(self.within_target, self.paid) if self.paid else None


def london_day(column):
    """The Europe/London date of a stored UTC time, in SQL: PostgreSQL converts it with its
    time zone database; SQLite calls london_date, a function each connection registers
    (marketplace._sqlite_connect), as it has no time zones of its own."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.london_date(column)
    return sa.cast(sa.func.timezone("Europe/London", sa.func.timezone("UTC", column)), sa.Date)


def _days_taken():
    """Whole days from the day a payment became payable to the day it was paid (the bank
    transfer's date for ledger payments), in SQL on either database, counted in London
    days as Payment.days_taken counts them."""
    paid_day = sa.func.coalesce(Payment.paid_on, london_day(Payment.paid_at))
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.julianday(paid_day) - sa.func.julianday(london_day(Payment.payable_at)), sa.Integer)
    return paid_day - london_day(Payment.payable_at)


def timeliness(scope: Scope, period: Period, now: datetime, *, by=None, fold: dict | None = None):
    """Payments paid in the period: how many, the median days from becoming payable to
    paid (the middle one, or the mean of the middle two), how many within TARGET_DAYS;
    and how many are unpaid TARGET_DAYS or more after becoming payable now. The median is
    taken in SQL with row numbers, so no rows come back to Python. With `by` (an SQL
    expression on Need), a dict of Timeliness by its value instead, `fold` adding some
    values into others (see comparison and scope.keyed)."""
    found = timeliness_of(scope.needs(), period, now, by=by, fold=fold)
    return {key: figures for key, (figures, _) in found.items()} if by is not None else found[None][0]


def _middle(taken) -> dict:
    """The sum and the number of the middle row, or the two middle rows, of days taken,
    under None: the median by row numbers, in SQL."""
    ranked = sa.select(
        taken.c.days,
        sa.func.row_number().over(order_by=taken.c.days).label("position"),
        sa.func.count().over().label("total"),
    ).subquery()
    return keyed(
        sa.select(sa.func.sum(ranked.c.days), sa.func.count()).where(
            # The middle row, or the two middle rows (integer division: SQLAlchemy's / is true division).
            ranked.c.position.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
        ),
        None,
    )


def _middles(taken, fold: dict | None) -> dict:
    """_middle() by key: how many payments took each number of days, per key (a few rows a
    key, however many payments), folded, then the middle one or two of each key's days."""
    counts: dict = {}
    for key, days, number in db.session.execute(
        sa.select(taken.c.key, taken.c.days, sa.func.count()).group_by(taken.c.key, taken.c.days)
    ):
        key = (fold or {}).get(key, key)
        counts.setdefault(key, {})
        counts[key][days] = counts[key].get(days, 0) + number
    found = {}
    for key, by_days in counts.items():
        total = sum(by_days.values())
        wanted = sorted({(total + 1) // 2, (total + 2) // 2})
        values, seen = [], 0
        for days in sorted(by_days):
            seen += by_days[days]
            while wanted and wanted[0] <= seen:
                values.append(days)
                wanted.pop(0)
        found[key] = (sum(values), len(values))
    return found


def timeliness_of(where, period: Period, now: datetime, *, by=None, fold: dict | None = None) -> dict:
    """timeliness() of the payments `where` picks (a clause on Payment, Contract and Need),
    and the pence paid in the period, as {None: (Timeliness, pence)}, or by the value of
    `by` (folded by `fold`, see scope.keyed). Three aggregate queries."""
    key = by if by is not None else sa.literal_column("0")
    taken = (
        sa.select(_days_taken().label("days"), Payment.amount_pence.label("pence"), key.label("key"))
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(where, paid_in(period))
        .subquery()
    )
    grouped = by is not None
    middle = _middles(taken, fold) if grouped else _middle(taken)
    paid = keyed(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((taken.c.days <= TARGET_DAYS, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(taken.c.pence), 0),
        ).select_from(taken),
        taken.c.key if grouped else None,
        fold,
    )
    overdue = keyed(
        sa.select(sa.func.count())
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(where, Payment.status != PaymentStatus.PAID, Payment.payable_at <= now - timedelta(days=TARGET_DAYS)),
        by,
        fold,
    )
    found = {}
    for k in set(middle) | set(paid) | set(overdue):
        middle_sum, middle_count = middle.get(k, (None, 0))
        count, within, pence = paid.get(k, (0, 0, 0))
        median = Fraction(int(middle_sum), int(middle_count)) if middle_count else None
        figures = Timeliness(
            paid=int(count),
            median_days=median,
            within_target=int(within or 0),
            overdue_now=int(overdue.get(k, (0,))[0]),
        )
        found[k] = (figures, int(pence or 0))
    return found
