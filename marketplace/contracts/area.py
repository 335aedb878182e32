"""An area's contracts: the list the commissioners, finance officers and board members of
an area read (a region's includes its delivery units'), filtered and paged, each with
what has been paid, its next milestone and the outcome reports waiting for approval.

The filters come from the query string and are checked here: a value that is not one of
the choices (an unknown provider, category or delivery unit, a status or number that is
not one) is an error by its filter, in words, and that filter is not applied. The list
is one count and one page of rows, whatever the number of contracts: what each row shows
is read by correlated subqueries in the same statement.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db
from ..needs.models import Need
from ..organisations.models import Organisation
from ..reference.models import Area, AreaKind, ServiceCategory
from .models import Contract, ContractMilestone, ContractVariation

PER_PAGE = 50
# "Ending within N days": from a day to ten years.
MAX_ENDING_DAYS = 3650


class ContractStatus(enum.StrEnum):
    """Where a contract is, by its dates (London): stored nowhere."""

    NOT_STARTED = "not_started"
    ACTIVE = "active"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {"not_started": _l("Not started"), "active": _l("Active"), "ended": _l("Ended")}[self.value]

    @property
    def tag_colour(self) -> str:
        return {"not_started": "grey", "active": "green", "ended": "blue"}[self.value]

    def clause(self, today: date):
        return {
            ContractStatus.NOT_STARTED: Contract.starts_on > today,
            ContractStatus.ACTIVE: sa.and_(Contract.starts_on <= today, Contract.ends_on >= today),
            ContractStatus.ENDED: Contract.ends_on < today,
        }[self]

    @classmethod
    def of(cls, contract_starts: date, contract_ends: date, today: date) -> "ContractStatus":
        if today < contract_starts:
            return cls.NOT_STARTED
        return cls.ENDED if today > contract_ends else cls.ACTIVE


class Waiting(enum.StrEnum):
    """Contracts with something waiting on them."""

    REPORTS = "reports"
    VARIATIONS = "variations"

    @property
    def label(self) -> str:
        return {
            "reports": _l("Outcome reports waiting for approval"),
            "variations": _l("A variation waiting for the provider"),
        }[self.value]


@dataclass
class Filters:
    """What the list is filtered by (None: not filtered), the values as typed (to show
    them again) and the errors by field."""

    status: ContractStatus | None = None
    provider_id: int | None = None
    category_id: int | None = None
    pdu_id: int | None = None
    ending_days: int | None = None
    waiting: Waiting | None = None
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    @property
    def query_args(self) -> dict:
        """The query string of the filters that applied (for the pages' links)."""
        return {k: v for k, v in self.values.items() if v and k not in self.errors}


def options(area: Area) -> dict[str, list[tuple]]:
    """Each filter's choices as (value, text): the contract statuses, the organisations
    leading a contract in the area, the service categories, the area's delivery units (the
    area itself, or a region's units) and what may be waiting."""
    providers = db.session.execute(
        sa.select(Organisation.id, Organisation.name)
        .where(
            Organisation.id.in_(
                sa.select(Contract.organisation_id)
                .join(Need, Need.id == Contract.need_id)
                .where(Need.area_id.in_(area.ids_covered))
            )
        )
        .order_by(Organisation.name, Organisation.id)
    )
    categories = db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.name))
    units = [area] if area.kind == AreaKind.PDU else area.children
    return {
        "status": [(s.value, s.label) for s in ContractStatus],
        "provider": [tuple(row) for row in providers],
        "category": [(c.id, c.local_name) for c in categories],
        "pdu": [(unit.id, unit.local_name) for unit in units],
        "waiting": [(w.value, w.label) for w in Waiting],
    }


def _chosen(args: Mapping, name: str, choices: list[tuple], message: str, filters: Filters) -> str | None:
    """The value chosen for filter `name` if it is one of `choices`, else None (and an
    error by the filter if something else was given)."""
    text = (args.get(name) or "").strip()
    filters.values[name] = text
    if not text:
        return None
    if text not in {str(value) for value, _ in choices}:
        filters.errors[name] = message
        return None
    return text


def _ending(args: Mapping, filters: Filters) -> int | None:
    text = (args.get("ending") or "").strip()
    filters.values["ending"] = text
    if not text:
        return None
    if not text.isdigit():
        filters.errors["ending"] = _("Enter the number of days as a whole number, like 90")
        return None
    if not 1 <= int(text) <= MAX_ENDING_DAYS:
        filters.errors["ending"] = _("Enter a number of days from 1 to %(most)s", most=format(MAX_ENDING_DAYS, ","))
        return None
    return int(text)


def filters_asked(args: Mapping, options: dict[str, list[tuple]]) -> Filters:
    """The filters in the query string `args`, checked against the area's `options`."""
    filters = Filters()

    def chosen(name: str, message: str) -> str | None:
        return _chosen(args, name, options[name], message, filters)

    status = chosen("status", _("Select a status from the list"))
    provider = chosen("provider", _("Select a provider from the list"))
    category = chosen("category", _("Select a service category from the list"))
    pdu = chosen("pdu", _("Select a delivery unit of this area from the list"))
    filters.ending_days = _ending(args, filters)
    waiting = chosen("waiting", _("Select what is waiting from the list"))
    filters.status = ContractStatus(status) if status else None
    filters.provider_id = int(provider) if provider else None
    filters.category_id = int(category) if category else None
    filters.pdu_id = int(pdu) if pdu else None
    filters.waiting = Waiting(waiting) if waiting else None
    return filters


def _reports_waiting():
    from ..delivery.models import OutcomeReport, ReportSubmission

    return (
        sa.select(sa.func.count(ReportSubmission.id))
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .where(OutcomeReport.contract_id == Contract.id, ReportSubmission.decision.is_(None))
        .scalar_subquery()
    )


def _with_reports_waiting():
    """The contracts with an outcome report waiting (_reports_waiting() > 0, as a set: read
    from the few undecided submissions rather than counted for every contract)."""
    from ..delivery.models import OutcomeReport, ReportSubmission

    return (
        sa.select(OutcomeReport.contract_id)
        .join(ReportSubmission, ReportSubmission.report_id == OutcomeReport.id)
        .where(ReportSubmission.decision.is_(None))
    )


def _paid():
    from ..payments.models import Payment, PaymentStatus

    return (
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_pence), 0))
        .where(Payment.contract_id == Contract.id, Payment.status == PaymentStatus.PAID)
        .scalar_subquery()
    )


def _next_line(column):
    """A column of the contract's first schedule line (by due date) not yet paid."""
    from ..payments.models import Payment, PaymentStatus

    paid = (
        sa.select(Payment.id)
        .where(Payment.milestone_id == ContractMilestone.id, Payment.status == PaymentStatus.PAID)
        .exists()
    )
    return (
        sa.select(column)
        .where(ContractMilestone.contract_id == Contract.id, ~paid)
        .order_by(ContractMilestone.due_on, ContractMilestone.number)
        .limit(1)
        .scalar_subquery()
    )


def _where(area_ids, filters: Filters, today: date) -> list:
    conditions: list[sa.ColumnElement[bool]] = [Need.area_id.in_((filters.pdu_id,) if filters.pdu_id else area_ids)]
    if filters.status:
        conditions.append(filters.status.clause(today))
    if filters.provider_id:
        conditions.append(Contract.organisation_id == filters.provider_id)
    if filters.category_id:
        conditions.append(Need.category_id == filters.category_id)
    if filters.ending_days:
        conditions.append(Contract.ends_on.between(today, today + timedelta(days=filters.ending_days)))
    if filters.waiting == Waiting.REPORTS:
        conditions.append(Contract.id.in_(_with_reports_waiting()))
    if filters.waiting == Waiting.VARIATIONS:
        conditions.append(
            sa.select(ContractVariation.id)
            .where(
                ContractVariation.contract_id == Contract.id,
                ContractVariation.accepted_at.is_(None),
                ContractVariation.declined_at.is_(None),
            )
            .exists()
        )
    return conditions


class _Rows(Pagination):
    """Flask-SQLAlchemy's pagination (what templates/partials/pagination.html reads) of rows
    of several columns: `rows(limit, offset)` the select of one page, `total` the select of
    their number."""

    def _query_items(self) -> list:
        return list(db.session.execute(self._query_args["rows"](self.per_page, self._query_offset)))

    def _query_count(self) -> int:
        return db.session.scalar(self._query_args["total"]) or 0


def _page_of(keys: sa.Select, limit: int, offset: int) -> sa.Select:
    """The rows of one page: the page's contracts are chosen first (`keys`, filtered and
    ordered, then limit and offset), and what each row shows is read for those only; the
    correlated subqueries would otherwise run for every row the offset skips."""
    page = keys.limit(limit).offset(offset).subquery("page")
    return (
        sa.select(
            Contract.id,
            Contract.title,
            Contract.value_pence,
            Contract.starts_on,
            Contract.ends_on,
            Organisation.name.label("provider"),
            _paid().label("paid"),
            _next_line(ContractMilestone.title).label("next_title"),
            _next_line(ContractMilestone.due_on).label("next_due"),
            _reports_waiting().label("reports"),
        )
        .select_from(page)
        .join(Contract, Contract.id == page.c.id)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .order_by(page.c.created_at.desc(), page.c.id.desc())
    )


def contracts_page(area_ids, filters: Filters, today: date, page: int) -> Pagination:
    """One page of the areas' contracts that match, newest first: two statements (the
    page, then the count). A page past the end is empty."""
    conditions = _where(area_ids, filters, today)
    total = sa.select(sa.func.count(Contract.id)).join(Need, Need.id == Contract.need_id).where(*conditions)
    keys = (
        sa.select(Contract.id, Contract.created_at)
        .join(Need, Need.id == Contract.need_id)
        .where(*conditions)
        .order_by(Contract.created_at.desc(), Contract.id.desc())
    )
    return _Rows(
        page=page,
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
        rows=lambda limit, offset: _page_of(keys, limit, offset),
        total=total,
    )
