"""Where the money went: spend and awards by the size band and by the type of the lead
organisation, and the shares of spend that went to VCSE organisations and to local ones.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from ...contracts.models import Contract
from ...needs.models import Need, need_pdus
from ...organisations.models import (
    VCSE_FORMS,
    IncomeBand,
    Organisation,
    OrganisationType,
    organisation_pdus,
)
from ...payments.models import Payment
from .scope import Period, Scope, keyed, organisation_type, paid_in, rows_of


@dataclass(frozen=True)
class Split:
    key: str
    spend_pence: int
    awards: int
    award_value_pence: int


def _split(scope: Scope, period: Period, key) -> tuple[dict, dict]:
    """Spend (payments paid in the period) and awards (contracts made in the period, their
    number and value) by `key`, a column of the lead organisation, as {key: pence} and
    {key: (count, pence)}. Two grouped queries. (Keys may be StrEnum members, which equal
    and hash as their values.)"""
    from . import kept_contracts, kept_payments

    spent = (
        kept_payments.spend_by(scope, period, key)
        if kept_payments.months(period)
        else sa.select(key, sa.func.coalesce(sa.func.sum(Payment.amount_pence), 0))
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .where(scope.needs(), paid_in(period))
        .group_by(key)
    )
    spend: dict[Any, int] = dict(rows_of(spent, kept=bool(kept_payments.months(period))))
    made = (
        kept_contracts.awards_by(scope, period, key)
        if kept_payments.months(period)
        else sa.select(key, sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.value_pence), 0))
        .select_from(Contract)
        .join(Need, Need.id == Contract.need_id)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .where(scope.needs(), Contract.created_at >= period.starts_at, Contract.created_at < period.ends_before)
        .group_by(key)
    )
    awards = {row[0]: (row[1], row[2]) for row in rows_of(made, kept=bool(kept_payments.months(period)))}
    return spend, awards


def by_size_band(scope: Scope, period: Period) -> list[Split]:
    spend, awards = _split(scope, period, Organisation.income_band)
    return [
        Split(band.value, int(spend.get(band.value, 0) or 0), *(int(v) for v in awards.get(band.value, (0, 0))))
        for band in IncomeBand
    ]


def by_type(scope: Scope, period: Period) -> list[Split]:
    spend, awards = _split(scope, period, organisation_type())
    return [
        Split(kind.value, int(spend.get(kind.value, 0) or 0), *(int(v) for v in awards.get(kind.value, (0, 0))))
        for kind in OrganisationType
    ]


@dataclass(frozen=True)
class Shares:
    spend_pence: int
    vcse_pence: int
    local_pence: int

    @property
    def vcse(self) -> Fraction | None:
        return Fraction(self.vcse_pence, self.spend_pence) if self.spend_pence else None

    @property
    def local(self) -> Fraction | None:
        return Fraction(self.local_pence, self.spend_pence) if self.spend_pence else None


def _is_local():
    """True when the contract's lead has staff or premises in a delivery unit its need covers."""
    return sa.exists(
        sa.select(1)
        .select_from(organisation_pdus)
        .join(need_pdus, need_pdus.c.area_id == organisation_pdus.c.area_id)
        .where(organisation_pdus.c.organisation_id == Contract.organisation_id, need_pdus.c.need_id == Contract.need_id)
    )


def share_sums() -> tuple:
    """The pence of a payment that went to a VCSE lead, and to a local one, as SQL on
    Payment and Contract (no join to the organisation), for timeliness_of's `sums`: the
    comparison reads the shares in the same pass over the payments as their timeliness."""
    vcse = Contract.organisation_id.in_(
        sa.select(Organisation.id).where(Organisation.legal_form.in_([f.value for f in VCSE_FORMS]))
    )
    return (
        sa.case((vcse, Payment.amount_pence), else_=0),
        sa.case((_is_local(), Payment.amount_pence), else_=0),
    )


def shares(scope: Scope, period: Period, *, by=None, fold: dict | None = None):
    """The share of spend that went to VCSE organisations, and to local ones (with staff or
    premises in a delivery unit the need covers). One query. With `by` (an SQL expression
    on Need), a dict of Shares by its value instead, `fold` adding some values into others
    (see comparison and scope.keyed)."""
    from . import kept_payments

    if by is None and kept_payments.months(period):
        return Shares(*(int(v) for v in rows_of(kept_payments.shares_select(scope, period), kept=True)[0]))
    is_vcse = Organisation.legal_form.in_([f.value for f in VCSE_FORMS])
    rows = keyed(
        sa.select(
            sa.func.coalesce(sa.func.sum(Payment.amount_pence), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_vcse, Payment.amount_pence), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((_is_local(), Payment.amount_pence), else_=0)), 0),
        )
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .where(scope.needs(), paid_in(period)),
        by,
        fold,
    )
    found = {key: Shares(*(int(v) for v in row)) for key, row in rows.items()}
    return found if by is not None else found[None]
