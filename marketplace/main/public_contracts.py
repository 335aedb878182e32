"""Contracts awarded, for anyone: the filter form of /contracts/public, the page of
contracts it picks, and one contract's public facts (supplier organisations, value, dates,
outcomes reported so far, how quickly each payment was made).

It lives in the top layer because it reads the board's payment timeliness
(board.reporting.timeliness: the median in SQL, days counted as Payment.days_taken
counts them) rather than working it out again. Nothing here reads a person: suppliers
are organisations, and no user, contact name, email or telephone number is loaded.
"""

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..board.reporting.scope import Period
from ..board.reporting.timeliness import Timeliness, timeliness_of
from ..contracts.models import Contract, ContractParty, PartyRole
from ..delivery.so_far import SoFar, outcomes_so_far
from ..extensions import db
from ..needs.models import Need
from ..needs.search import ListedSelect
from ..payments import services as payments
from ..payments.models import TARGET_DAYS, PaymentStatus
from ..reference.models import Area, AreaKind
from ..reference.services import current_categories, current_regions
from ..timeutil import london_date, utcnow

PAGE_SIZE = 20


class PublicContractFilterForm(FlaskForm):
    """The filters on /contracts/public, sent with GET: nothing changes, so no CSRF token.
    A value not on a list is shown as an error by its field and left out, never a crash."""

    class Meta:
        csrf = False

    area = ListedSelect(_l("Area"), message=_l("Select a region or probation delivery unit from the list"))
    category = ListedSelect(_l("Service category"), message=_l("Select a service category from the list"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice("", _("All areas"))]
        for region in current_regions():
            choices.append(SelectChoice(region.code, region.label))
            choices += [SelectChoice(unit.code, unit.label) for unit in region.children]
        self.area.choices = choices
        self.category.choices = [SelectChoice("", _("All categories"))] + [
            SelectChoice(c.code, c.local_name) for c in current_categories()
        ]

    def valid(self, name: str) -> str | None:
        """The field's value when it is one from its list, else None (left out)."""
        field = self[name]
        return field.data if field.data and not field.errors else None

    def query_args(self) -> dict[str, str]:
        """The valid filters as query-string arguments, for the pagination links."""
        return {name: value for name in ("area", "category") if (value := self.valid(name))}


def _where(form: PublicContractFilterForm):
    """The clause on Contract and Need for the valid filters: a region covers its units."""
    clauses: list[sa.ColumnElement[bool]] = []
    if code := form.valid("area"):
        area = db.session.scalar(sa.select(Area).where(Area.code == code))
        if area is not None:
            ids = area.ids_covered if area.kind == AreaKind.REGION else (area.id,)
            clauses.append(Need.area_id.in_(ids))
    if code := form.valid("category"):
        clauses.append(Need.category.has(code=code))
    return sa.and_(sa.true(), *clauses)


def find_contracts(form: PublicContractFilterForm, page_number: int) -> Pagination:
    """A page of contracts, newest first, with the need, its area and category loaded."""
    query = (
        sa.select(Contract)
        .join(Need, Need.id == Contract.need_id)
        .where(_where(form))
        .options(
            joinedload(Contract.organisation),
            joinedload(Contract.need).joinedload(Need.area).joinedload(Area.parent),
            joinedload(Contract.need).joinedload(Need.category),
        )
        .order_by(Contract.created_at.desc(), Contract.id.desc())
    )
    return db.paginate(query, page=page_number, per_page=PAGE_SIZE, error_out=False)


def _since_the_start(contracts) -> Period:
    """From the earliest day any of these contracts could have been paid (a contract may
    start before it is made) to today in London."""
    today = london_date(utcnow())
    first = min([today] + [min(c.starts_on, london_date(c.created_at)) for c in contracts])
    return Period(first, today)


def timeliness_by_contract(contracts) -> dict[int, Timeliness]:
    """The board's payment timeliness of each contract, over its whole life: three
    aggregate queries for the page, whatever its length."""
    if not contracts:
        return {}
    found = timeliness_of(
        Contract.id.in_([c.id for c in contracts]), _since_the_start(contracts), utcnow(), by=Contract.id
    )
    return {contract_id: figures for contract_id, (figures, _) in found.items()}


@dataclass(frozen=True)
class PaidLine:
    """One paid line of the schedule: when it became payable (the outcome report's
    approval, or the contract's start for the advance), when it was paid, days between."""

    title: str
    is_advance: bool
    amount_pence: int
    payable_on: date
    paid_on: date
    days: int


@dataclass(frozen=True)
class PublicContract:
    contract: Contract
    partners: list[str]
    so_far: SoFar
    paid: list[PaidLine]
    waiting: int
    timeliness: Timeliness | None
    target_days: int = TARGET_DAYS

    @property
    def median_days(self) -> Fraction | None:
        return self.timeliness.median_days if self.timeliness else None


def _paid_lines(contract: Contract) -> tuple[list[PaidLine], int]:
    """The paid lines, and how many lines are payable but not yet paid."""
    lines, waiting = [], 0
    for payment in payments.payments_of(contract):
        if payment.status != PaymentStatus.PAID:
            waiting += 1
            continue
        assert payment.paid_at is not None  # ck_payments_paid_has_time: a paid payment has its time
        paid_on = payment.paid_on or london_date(payment.paid_at)
        lines.append(
            PaidLine(
                title=payment.milestone.title,
                is_advance=payment.milestone.is_advance,
                amount_pence=payment.amount_pence,
                payable_on=london_date(payment.payable_at),
                paid_on=paid_on,
                days=payment.days_taken() or 0,
            )
        )
    return lines, waiting


def public_contract(contract_id: int) -> PublicContract | None:
    contract = db.session.scalar(
        sa.select(Contract)
        .where(Contract.id == contract_id)
        .options(
            joinedload(Contract.organisation),
            selectinload(Contract.parties).joinedload(ContractParty.organisation),
            joinedload(Contract.need).joinedload(Need.area).joinedload(Area.parent),
            joinedload(Contract.need).joinedload(Need.category),
        )
    )
    if contract is None:
        return None
    paid, waiting = _paid_lines(contract)
    return PublicContract(
        contract=contract,
        partners=[p.organisation.name for p in contract.parties if p.role == PartyRole.PARTNER],
        so_far=outcomes_so_far(contract),
        paid=paid,
        waiting=waiting,
        timeliness=timeliness_by_contract([contract]).get(contract.id),
    )
