"""Contracts, kept per area, category, lead and the months each was made, started and ends
in (board_contract_figures, kept by board/keeping.py), so that the awards by the lead's
size and type and the contracts running in a period of whole months are added up from the
kept rows without joining every contract to its need. A contract runs at some time in the
months first to last when it starts in or before the last and ends in or after the first,
as its dates say by the day for any period. Any other period is counted from the contracts.
"""

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...contracts.models import Contract
from ...needs.models import Need
from ...organisations.models import Organisation
from .. import keeping
from ..models import ContractFigure
from .kept_payments import month_of, months
from .scope import Period, Scope
from .timeliness import london_day

_CONTRACT = ("need_id", "need", "organisation_id", "organisation", "value_pence", "starts_on", "ends_on", "created_at")
_NEED = ("area_id", "area", "category_id", "category")


def _rows(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    key = [
        Need.area_id,
        sa.func.coalesce(Need.category_id, 0),
        Contract.organisation_id,
        month_of(london_day(Contract.created_at)),
        month_of(Contract.starts_on),
        month_of(Contract.ends_on),
    ]
    rows = (
        sa.select(*key, sa.func.count(), sa.func.sum(Contract.value_pence))
        .select_from(Contract)
        .join(Need, Need.id == Contract.need_id)
        .group_by(*key)
    )
    return rows if ids is None else rows.where(Contract.id.in_(ids))


def _touched(session: Session) -> tuple[set[int], list]:
    ids: set[int] = set()
    new: list = []
    needs = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Contract):
            if obj in session.new:
                new.append(obj)
            elif keeping.changed(obj, _CONTRACT):
                ids.add(obj.id)
        elif isinstance(obj, Need) and obj not in session.new and keeping.changed(obj, _NEED):
            needs.add(obj.id)
    if needs:
        ids |= set(session.connection().scalars(sa.select(Contract.id).where(Contract.need_id.in_(sorted(needs)))))
    return ids, new


keeping.FIGURES.append(keeping.KeptFigure(ContractFigure.__table__, _rows, _touched))


def _where(scope: Scope) -> list:
    clauses: list[sa.ColumnElement[bool]] = [ContractFigure.area_id.in_(scope.area_ids)]
    if scope.category_id is not None:
        clauses.append(ContractFigure.category_id == scope.category_id)
    return clauses


def awards_by(scope: Scope, period: Period, key) -> sa.Select:
    """(key, contracts made, their value) by `key`, a column of the lead organisation."""
    first, last = months(period) or (0, 0)
    return (
        sa.select(
            key,
            sa.func.coalesce(sa.func.sum(ContractFigure.contracts), 0),
            sa.func.coalesce(sa.func.sum(ContractFigure.pence), 0),
        )
        .select_from(ContractFigure)
        .join(Organisation, Organisation.id == ContractFigure.organisation_id)
        .where(*_where(scope), ContractFigure.made.between(first, last))
        .group_by(key)
    )


def running(scope: Scope, period: Period) -> sa.Select:
    """(contracts running at some time in the period, their value): one row."""
    first, last = months(period) or (0, 0)
    return sa.select(
        sa.func.coalesce(sa.func.sum(ContractFigure.contracts), 0),
        sa.func.coalesce(sa.func.sum(ContractFigure.pence), 0),
    ).where(*_where(scope), ContractFigure.starts <= last, ContractFigure.ends >= first)
