"""A commissioner's part of the home page: what waits for them in the areas they commission
for (a region covers its delivery units), one Task per kind of work, and their needs by
status.

Each kind of work is a waiting-work query written by the package that owns its state
(marketplace/waiting.py). They are counted together in one SQL statement (a UNION ALL,
with window functions for each kind's count, oldest item, nearest deadline and whether its
items share one need or contract), so the page asks the same number of statements however
much waits. A task links to the one item's page; to its need's or contract's page when
every item is there; otherwise to the area's list of them, or to the oldest item's need.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..contracts import services as contracts
from ..contracts.variations import awaiting_provider
from ..delivery.reports import waiting_for_approval
from ..evaluation.award import awaiting_sign_off
from ..evaluation.low_bids import to_decide
from ..evaluation.moderation import lots_ready_to_close
from ..evaluation.panel import needs_without_panel
from ..extensions import db
from ..needs.overview import closing_soon, commissioning_overview
from ..needs.questions import waiting_for_answers
from ..payments.services import overdue_payments
from ..timeutil import utcnow
from . import Task


def _url(endpoint: str, **names: str) -> Callable:
    """A link builder: `names` maps the endpoint's arguments to the row's columns."""
    return lambda row: url_for(endpoint, **{arg: getattr(row, column) for arg, column in names.items()})


def _area_list(endpoint: str, **extra) -> Callable:
    return lambda area_id: url_for(endpoint, area_id=area_id, **extra)


@dataclass(frozen=True)
class Kind:
    """One kind of work: its query, and its link for one item, for items of one need or
    contract (`parent`), and for items of several (`area`, the area's list; or else the
    oldest item's `parent`)."""

    title: LazyString
    query: Callable
    one: Callable
    parent: Callable
    area: Callable | None = None


_NEED_EVALUATION = _url("evaluation.overview", need_id="parent_id")
_CONTRACT = _url("contracts.show", contract_id="parent_id")
_NEW_CONTRACT = _url("contracts.new_contract", need_id="parent_id", lot_id="item_id")

KINDS = (
    Kind(
        _l("Answer questions from providers"),
        lambda ids, now: waiting_for_answers(ids),
        _url("needs.answer_question", need_id="parent_id", question_id="item_id"),
        _url("needs.list_questions", need_id="parent_id"),
    ),
    Kind(
        _l("Check needs closing within 5 working days"),
        closing_soon,
        _url("needs.manage_need", need_id="parent_id"),
        _url("needs.manage_need", need_id="parent_id"),
    ),
    Kind(
        _l("Choose the evaluation panel for closed needs"),
        needs_without_panel,
        _url("evaluation.panel", need_id="parent_id"),
        _url("evaluation.panel", need_id="parent_id"),
    ),
    Kind(_l("Close moderation"), lots_ready_to_close, _NEED_EVALUATION, _NEED_EVALUATION),
    Kind(
        _l("Decide on abnormally low bids"),
        to_decide,
        _url("evaluation.low_bid", need_id="parent_id", bid_id="item_id"),
        _NEED_EVALUATION,
    ),
    Kind(
        _l("Awards waiting for the board's sign-off"),
        lambda ids, now: awaiting_sign_off(ids),
        _url("evaluation.award", need_id="parent_id", lot_id="item_id"),
        _NEED_EVALUATION,
    ),
    Kind(_l("Standstills ending within 2 working days"), contracts.standstills_ending, _NEW_CONTRACT, _NEED_EVALUATION),
    Kind(_l("Make contracts"), contracts.contracts_to_make, _NEW_CONTRACT, _NEED_EVALUATION),
    Kind(
        _l("Approve outcome reports"),
        lambda ids, now: waiting_for_approval(ids),
        _url("delivery.report", contract_id="parent_id", milestone_id="item_id"),
        _CONTRACT,
        _area_list("contracts.area_contracts", waiting="reports"),
    ),
    Kind(
        _l("Contract variations waiting for the provider"),
        lambda ids, now: awaiting_provider(ids),
        _url("contracts.variation", contract_id="parent_id", variation_id="item_id"),
        _CONTRACT,
        _area_list("contracts.area_contracts", waiting="variations"),
    ),
    Kind(
        _l("Payments overdue"),
        overdue_payments,
        _url("payments.show", payment_id="item_id"),
        _CONTRACT,
        _area_list("payments.area_payments"),
    ),
)


def firsts_query(area_ids, now: datetime) -> sa.Select:
    """For each kind with something waiting, one row: the oldest item (its ids, area,
    title, since when) with the kind's count, nearest deadline and range of parents."""
    branches = [
        kind.query(area_ids, now).add_columns(sa.literal_column(str(number)).label("kind"))
        for number, kind in enumerate(KINDS)
    ]
    items = sa.union_all(*branches).subquery("items")
    kind = items.c.kind
    ranked = sa.select(
        items,
        sa.func.count().over(partition_by=kind).label("n"),
        sa.func.min(items.c.due).over(partition_by=kind).label("nearest"),
        sa.func.min(items.c.parent_id).over(partition_by=kind).label("low"),
        sa.func.max(items.c.parent_id).over(partition_by=kind).label("high"),
        sa.func.row_number()
        .over(partition_by=kind, order_by=(sa.func.coalesce(items.c.since, items.c.due), items.c.item_id))
        .label("place"),
    ).subquery("ranked")
    return sa.select(ranked).where(ranked.c.place == 1)


def _task(kind: Kind, row, areas) -> Task:
    if row.n == 1:
        url, hint = kind.one(row), row.title
    elif row.low == row.high:
        url, hint = kind.parent(row), row.title
    else:
        area = next((a for a in areas if row.area_id in a.ids_covered), None)
        url = kind.area(area.id) if kind.area and area else kind.parent(row)
        hint = _("Oldest: %(title)s", title=row.title)
    return Task(title=str(kind.title), count=row.n, url=url, oldest=row.since, due=row.nearest, hint=hint)


def tasks(user, now: datetime | None = None) -> list[Task]:
    """What waits for the commissioner, oldest first (by the oldest item, or the nearest
    deadline for work that has none, like a need closing soon)."""
    areas = [m.area for m in user.area_memberships(Role.COMMISSIONER)]
    if not areas:
        return []
    area_ids = sorted({i for area in areas for i in area.ids_covered})
    now = now or utcnow()
    found = [_task(KINDS[row.kind], row, areas) for row in db.session.execute(firsts_query(area_ids, now))]
    return sorted(found, key=lambda task: task.oldest or task.due or now)


def context(user) -> dict:
    return {
        "commissioner_areas": [m.area for m in user.area_memberships(Role.COMMISSIONER)],
        "commissioning": commissioning_overview(user),
        "commissioner_tasks": tasks(user),
    }
