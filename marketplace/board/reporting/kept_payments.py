"""Payments paid, kept per area, category and month (board_payment_figures, kept by
board/keeping.py), so that the dashboard and where the area stands read a few hundred kept
rows instead of joining every payment of the period to its contract, need and lead.

A period of whole London months (the financial year, two of them, any months) is read from
the kept rows; any other period is counted from the payments themselves, as it always was:
the figures are the same either way (tests/board/test_kept_figures.py). Spend by the
lead's size and type is read by joining the kept rows to the organisation, so a lead that
changes its income band or legal form is counted as it is now, as before; whether a lead
is local is kept, and kept again when the lead's or the need's delivery units change.
"""

from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...contracts.models import Contract
from ...extensions import on_postgresql
from ...needs.models import Need
from ...organisations.models import VCSE_FORMS, Organisation
from ...payments.models import TARGET_DAYS, Payment, PaymentStatus
from .. import keeping
from ..models import PaymentFigure, UnpaidFigure
from .scope import Period, Scope, keyed
from .spend import _is_local
from .timeliness import _days_taken, london_day

# What decides a payment's group, on the payment, its contract, its need and its lead.
_PAYMENT = ("status", "paid_on", "paid_at", "payable_at", "amount_pence", "contract_id", "contract")
_CONTRACT = ("need_id", "need", "organisation_id", "organisation")
_NEED = ("area_id", "area", "category_id", "category", "pdus")
_ORGANISATION = ("pdus",)


def month_of(day):
    """yyyymm of a date, in SQL on either database."""
    if on_postgresql():
        return sa.cast(sa.extract("year", day) * 100 + sa.extract("month", day), sa.Integer)
    return sa.cast(sa.func.strftime("%Y%m", day), sa.Integer)


def _rows(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    paid_day = sa.func.coalesce(Payment.paid_on, london_day(Payment.paid_at))
    each = (
        sa.select(
            Need.area_id.label("area_id"),
            sa.func.coalesce(Need.category_id, 0).label("category_id"),
            month_of(paid_day).label("month"),
            Contract.organisation_id.label("organisation_id"),
            sa.case((_is_local(), 1), else_=0).label("local"),
            _days_taken().label("days"),
            Payment.amount_pence.label("pence"),
        )
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Payment.status == PaymentStatus.PAID, paid_day.is_not(None))
    )
    if ids is not None:
        each = each.where(Payment.id.in_(ids))
    subquery = each.subquery()
    key = [
        subquery.c.area_id,
        subquery.c.category_id,
        subquery.c.month,
        subquery.c.organisation_id,
        subquery.c.local,
        subquery.c.days,
    ]
    return sa.select(*key, sa.func.count(), sa.func.sum(subquery.c.pence)).group_by(*key)


def _touched(session: Session) -> tuple[set[int], list]:
    ids: set[int] = set()
    new: list = []
    contracts, needs, organisations = set(), set(), set()
    for obj in list(session.new) + list(session.dirty):
        stored = obj not in session.new
        if isinstance(obj, Payment):
            if not stored:
                new.append(obj)
            elif keeping.changed(obj, _PAYMENT):
                ids.add(obj.id)
        elif stored and isinstance(obj, Contract) and keeping.changed(obj, _CONTRACT):
            contracts.add(obj.id)
        elif stored and isinstance(obj, Need) and keeping.changed(obj, _NEED):
            needs.add(obj.id)
        elif stored and isinstance(obj, Organisation) and keeping.changed(obj, _ORGANISATION):
            organisations.add(obj.id)
    if contracts or needs or organisations:
        ids |= set(
            session.connection().scalars(
                sa.select(Payment.id)
                .join(Contract, Contract.id == Payment.contract_id)
                .where(
                    sa.or_(
                        Contract.id.in_(sorted(contracts)),
                        Contract.need_id.in_(sorted(needs)),
                        Contract.organisation_id.in_(sorted(organisations)),
                    )
                )
            )
        )
    return ids, new


def utc_day(column):
    """The UTC date of a stored time, in SQL on either database."""
    if on_postgresql():
        return sa.cast(column, sa.Date)
    return sa.type_coerce(sa.func.date(column), sa.Date)


def _unpaid_rows(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    key = [Need.area_id, sa.func.coalesce(Need.category_id, 0), utc_day(Payment.payable_at)]
    rows = (
        sa.select(*key, sa.func.count())
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Payment.status != PaymentStatus.PAID)
        .group_by(*key)
    )
    return rows if ids is None else rows.where(Payment.id.in_(ids))


keeping.FIGURES.append(keeping.KeptFigure(PaymentFigure.__table__, _rows, _touched))
keeping.FIGURES.append(keeping.KeptFigure(UnpaidFigure.__table__, _unpaid_rows, _touched))


# Reading ---------------------------------------------------------------------------------


def months(period: Period) -> tuple[int, int] | None:
    """The first and last yyyymm of a period of whole months; None for any other period."""
    if period.start.day != 1 or (period.end + timedelta(days=1)).day != 1:
        return None
    return period.start.year * 100 + period.start.month, period.end.year * 100 + period.end.month


def where(scope: Scope, period: Period) -> list:
    """The kept rows of the scope in the period (one of whole months)."""
    first, last = months(period) or (0, 0)
    clauses: list[sa.ColumnElement[bool]] = [
        PaymentFigure.area_id.in_(scope.area_ids),
        PaymentFigure.month.between(first, last),
    ]
    if scope.category_id is not None:
        clauses.append(PaymentFigure.category_id == scope.category_id)
    return clauses


def spend_by(scope: Scope, period: Period, key) -> sa.Select:
    """Pence paid by `key`, a column of the lead organisation, grouped."""
    return (
        sa.select(key, sa.func.coalesce(sa.func.sum(PaymentFigure.pence), 0))
        .select_from(PaymentFigure)
        .join(Organisation, Organisation.id == PaymentFigure.organisation_id)
        .where(*where(scope, period))
        .group_by(key)
    )


def shares_select(scope: Scope, period: Period) -> sa.Select:
    """Pence paid, to VCSE leads and to local ones (one row), as spend.shares reads them."""
    is_vcse = Organisation.legal_form.in_([f.value for f in VCSE_FORMS])
    return (
        sa.select(
            sa.func.coalesce(sa.func.sum(PaymentFigure.pence), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_vcse, PaymentFigure.pence), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(PaymentFigure.pence * PaymentFigure.local), 0),
        )
        .select_from(PaymentFigure)
        .join(Organisation, Organisation.id == PaymentFigure.organisation_id)
        .where(*where(scope, period))
    )


def histogram(scope: Scope, period: Period, *, by_area: bool, shares: bool) -> sa.Select:
    """(key, days, payments, pence[, vcse pence, local pence]) grouped by key (the need's
    area, or 0) and days taken, as timeliness._histogram reads them."""
    key = PaymentFigure.area_id if by_area else sa.literal_column("0")
    extra = []
    if shares:
        vcse = PaymentFigure.organisation_id.in_(
            sa.select(Organisation.id).where(Organisation.legal_form.in_([f.value for f in VCSE_FORMS]))
        )
        extra = [
            sa.func.coalesce(sa.func.sum(sa.case((vcse, PaymentFigure.pence), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(PaymentFigure.pence * PaymentFigure.local), 0),
        ]
    return (
        sa.select(
            key, PaymentFigure.days, sa.func.sum(PaymentFigure.payments), sa.func.sum(PaymentFigure.pence), *extra
        )
        .where(*where(scope, period))
        .group_by(*([key] if by_area else []), PaymentFigure.days)
    )


def overdue(scope: Scope, now: datetime, *, by_area: bool, fold: dict | None) -> dict:
    """How many payments are unpaid TARGET_DAYS or more after becoming payable, `now`, as
    timeliness counts them ({key: (count,)}, see scope.keyed): the kept payments of the days
    before the cut-off's day, and those of its day counted (a short range of the index of
    unpaid payments)."""
    cutoff = now - timedelta(days=TARGET_DAYS)
    day = cutoff.astimezone(UTC).date()
    rows: list[sa.ColumnElement[bool]] = [UnpaidFigure.area_id.in_(scope.area_ids), UnpaidFigure.payable_on < day]
    if scope.category_id is not None:
        rows.append(UnpaidFigure.category_id == scope.category_id)
    kept = keyed(
        sa.select(sa.func.coalesce(sa.func.sum(UnpaidFigure.payments), 0)).where(*rows),
        UnpaidFigure.area_id if by_area else None,
        fold,
        kept=True,
    )
    edge = keyed(
        sa.select(sa.func.count())
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(
            scope.needs(),
            Payment.status != PaymentStatus.PAID,
            Payment.payable_at >= datetime.combine(day, time(), tzinfo=UTC),
            Payment.payable_at <= cutoff,
        ),
        Need.area_id if by_area else None,
        fold,
    )
    return {k: (int(kept.get(k, (0,))[0] or 0) + int(edge.get(k, (0,))[0] or 0),) for k in set(kept) | set(edge)}
