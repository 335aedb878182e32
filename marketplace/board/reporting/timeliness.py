"""How fast payments are made: of the payments paid in a period, how many, the median
days from becoming payable to paid, and how many within TARGET_DAYS; and how many are
overdue now. Days are London days, counted in SQL on either database.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import sqlalchemy as sa

from ...contracts.models import Contract
from ...extensions import on_postgresql
from ...needs.models import Need
from ...payments.models import TARGET_DAYS, Payment, PaymentStatus
from .scope import Period, Scope, keyed, paid_in, rows_of


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
    if not on_postgresql():
        return sa.func.london_date(column)
    return sa.cast(sa.func.timezone("Europe/London", sa.func.timezone("UTC", column)), sa.Date)


def _days_taken():
    """Whole days from the day a payment became payable to the day it was paid (the bank
    transfer's date for ledger payments), in SQL on either database, counted in London
    days as Payment.days_taken counts them."""
    paid_day = sa.func.coalesce(Payment.paid_on, london_day(Payment.paid_at))
    if not on_postgresql():
        return sa.cast(sa.func.julianday(paid_day) - sa.func.julianday(london_day(Payment.payable_at)), sa.Integer)
    return paid_day - london_day(Payment.payable_at)


def timeliness(scope: Scope, period: Period, now: datetime, *, by=None, fold: dict | None = None):
    """Payments paid in the period: how many, the median days from becoming payable to
    paid (the middle one, or the mean of the middle two), how many within TARGET_DAYS;
    and how many are unpaid TARGET_DAYS or more after becoming payable now. The median is
    read from how many payments took each number of days (a row a number of days), so no
    payment comes back to Python. With `by` (an SQL
    expression on Need), a dict of Timeliness by its value instead, `fold` adding some
    values into others (see comparison and scope.keyed)."""
    found = timeliness_of(scope.needs(), period, now, by=by, fold=fold, scope=scope)
    return {key: figures for key, (figures, _) in found.items()} if by is not None else found[None][0]


def _histogram(grouped, fold: dict | None, sums: int = 0, *, kept: bool = False) -> dict:
    """How many payments took each number of days, and their pence, per key (a few rows a
    key, however many payments), folded: {key: {days: [payments, pence, *sums]}}, from
    `grouped`, a SELECT of (key, days, payments, pence, *sums) grouped by key and days: one
    pass over the payments (or their kept figures), from which the median, the number paid
    and within TARGET_DAYS and the pence paid are all read. With `kept`, `grouped` reads the
    kept figures (keeping.read)."""
    counts: dict = {}
    for key, days, number, *pence in rows_of(grouped, kept):
        key = (fold or {}).get(key, key)
        by_days = counts.setdefault(key, {})
        row = by_days.setdefault(int(days), [0] * (2 + sums))
        for i, value in enumerate((number, *pence)):
            row[i] += int(value or 0)
    return counts


def _middle_of(by_days: dict) -> tuple[int, int]:
    """The sum and the number of the middle payment, or the two middle ones, by days taken."""
    total = sum(row[0] for row in by_days.values())
    wanted = sorted({(total + 1) // 2, (total + 2) // 2})
    values, seen = [], 0
    for days in sorted(by_days):
        seen += by_days[days][0]
        while wanted and wanted[0] <= seen:
            values.append(days)
            wanted.pop(0)
    return sum(values), len(values)


def timeliness_of(
    where, period: Period, now: datetime, *, by=None, fold: dict | None = None, sums=(), scope=None
) -> dict:
    """timeliness() of the payments `where` picks (a clause on Payment, Contract and Need),
    and the pence paid in the period, as {None: (Timeliness, pence)}, or by the value of
    `by` (folded by `fold`, see scope.keyed). Two aggregate queries. With `sums` (SQL
    expressions on Payment, Contract and Need, in pence), their totals over the same
    payments follow the pence, in the same pass: (Timeliness, pence, *totals). With `scope`
    (the Scope whose needs `where` picks, `by` None or the need's area, `sums` none or
    spend.share_sums()), the figures kept per area are read instead (kept_payments): the
    payments of a period of whole months, and always the number overdue."""
    from . import kept_payments

    kept = scope is not None and (by is None or by is Need.area_id)
    key = by if by is not None else sa.literal_column("0")
    taken = (
        sa.select(
            _days_taken().label("days"),
            Payment.amount_pence.label("pence"),
            key.label("key"),
            *(expression.label(f"sum{i}") for i, expression in enumerate(sums)),
        )
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(where, paid_in(period))
        .subquery()
    )
    grouped = by is not None
    totals = [sa.func.coalesce(sa.func.sum(taken.c[f"sum{i}"]), 0) for i in range(len(sums))]
    passed = sa.select(
        taken.c.key, taken.c.days, sa.func.count(), sa.func.coalesce(sa.func.sum(taken.c.pence), 0), *totals
    ).group_by(taken.c.key, taken.c.days)
    read_kept = bool(kept and kept_payments.months(period))
    if read_kept:
        passed = kept_payments.histogram(scope, period, by_area=grouped, shares=bool(sums))
    histogram = _histogram(passed, fold, len(sums), kept=read_kept)
    if not grouped:
        histogram = {None: histogram.get(0, {})}
    overdue = (
        kept_payments.overdue(scope, now, by_area=grouped, fold=fold)
        if kept
        else keyed(
            sa.select(sa.func.count())
            .select_from(Payment)
            .join(Contract, Contract.id == Payment.contract_id)
            .join(Need, Need.id == Contract.need_id)
            .where(
                where, Payment.status != PaymentStatus.PAID, Payment.payable_at <= now - timedelta(days=TARGET_DAYS)
            ),
            by,
            fold,
        )
    )
    found = {}
    for k in set(histogram) | set(overdue):
        by_days = histogram.get(k, {})
        middle_sum, middle_count = _middle_of(by_days) if by_days else (0, 0)
        median = Fraction(middle_sum, middle_count) if middle_count else None
        figures = Timeliness(
            paid=sum(row[0] for row in by_days.values()),
            median_days=median,
            within_target=sum(row[0] for days, row in by_days.items() if days <= TARGET_DAYS),
            overdue_now=int(overdue.get(k, (0,))[0]),
        )
        found[k] = (figures, *(sum(row[i] for row in by_days.values()) for i in range(1, 2 + len(sums))))
    return found
