"""What generate-activity works with: the needs generate-needs made (published and still
running), their lots, delivery units, desired outcomes, first criterion and milestones,
and the areas, categories and outcomes of the reference data. Read once, before a run."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..bids.models import Bid
from ..extensions import db
from ..needs.models import Criterion, Lot, Milestone, Need, need_outcomes, need_pdus
from ..reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
from .needs import CREATOR_EMAIL

ACTOR_EMAIL = "generated-activity@localpartners.invalid"


@dataclass
class World:
    generated: sa.ColumnElement  # the filter that finds the generated needs
    areas: dict = field(default_factory=dict)
    pdus: list = field(default_factory=list)
    pdus_of_region: dict[int, list[int]] = field(default_factory=dict)
    regions: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    outcome_rows: dict = field(default_factory=dict)
    threshold: int = 0  # SIGN_OFF_THRESHOLD_PENCE
    needs: Sequence = field(default_factory=list)
    lots_of: dict[int, list] = field(default_factory=dict)
    covered: dict[int, list[int]] = field(default_factory=dict)  # need id -> PDU ids
    wanted: dict[int, list[int]] = field(default_factory=dict)  # need id -> desired outcome ids
    question: dict[int, tuple[int, str]] = field(default_factory=dict)  # need id -> first criterion (id, text)
    schedule_of: dict[int, list] = field(default_factory=dict)  # need id -> milestones
    all_lots: list = field(default_factory=list)

    def region_of(self, need) -> int:
        return need.area_id if self.areas[need.area_id].kind == AreaKind.REGION else self.areas[need.area_id].parent_id


@dataclass
class NeedLife:
    """One generated need as a run lives it through: its dates (moved back in time when it
    is decided), its schedule and first criterion, the organisations local to it, and the
    moments each decided lot took effect with whether it was awarded."""

    need: Any  # a row of World.needs (see load_world)
    plan: dict | None  # lot id -> awarded, for a need decided in this run
    published_at: datetime
    closes_at: datetime
    last_moment: datetime  # the last a bid is touched: before closing, and before now
    schedule: list
    criterion_id: int | None
    criterion_text: str
    local: list[int]
    ended: list = field(default_factory=list)  # (moment, awarded) of each decided lot


def generated_needs() -> sa.ColumnElement:
    """The filter for the generated needs; refused when there are none, or they have bids."""
    session = db.session
    creator_id = session.scalar(sa.select(User.id).where(User.email == CREATOR_EMAIL))
    generated = Need.created_by_id == creator_id
    if creator_id is None or not session.scalar(sa.select(sa.func.count()).select_from(Need).where(generated)):
        raise click.ClickException("There are no generated needs to bid on: run flask --app wsgi generate-needs first")
    if session.scalar(sa.select(sa.func.count()).select_from(Bid).join(Need, Need.id == Bid.need_id).where(generated)):
        raise click.ClickException(
            "The generated needs already have bids: generate-activity runs once, on a database with generated needs only"
        )
    return generated


def activity_actor(now: datetime) -> int:
    """The id of the (deactivated) account every generated action is taken by."""
    actor_id = db.session.scalar(sa.select(User.id).where(User.email == ACTOR_EMAIL))
    if actor_id is None:
        actor = User(email=ACTOR_EMAIL, name="Generated activity", password_hash=None, deactivated_at=now)
        db.session.add(actor)
        db.session.flush()
        actor_id = actor.id
    return actor_id


def load_world(generated: sa.ColumnElement) -> World:
    world = World(generated)
    _reference(world)
    world.needs = db.session.execute(
        sa.select(
            Need.id,
            Need.area_id,
            Need.title,
            Need.procedure,
            Need.published_at,
            Need.closes_at,
            Need.advance_percent,
            Need.duration_months,
            Need.expected_people,
        )
        .where(
            generated,
            Need.published_at.is_not(None),
            Need.withdrawn_at.is_(None),
            Need.cancelled_at.is_(None),
            Need.awarded_at.is_(None),
            Need.not_awarded_at.is_(None),
        )
        .order_by(Need.id)
    ).all()
    _parts_of_needs(world)
    world.all_lots = [lot for need in world.needs for lot in world.lots_of.get(need.id, [])]
    if not world.all_lots:
        raise click.ClickException("None of the generated needs is published and still running: generate more needs")
    return world


def _reference(world: World) -> None:
    world.areas = {a.id: a for a in db.session.scalars(sa.select(Area))}
    world.pdus = [a for a in world.areas.values() if a.kind == AreaKind.PDU and a.is_current()]
    for pdu in world.pdus:
        world.pdus_of_region.setdefault(pdu.parent_id, []).append(pdu.id)
    world.regions = sorted(world.pdus_of_region)
    world.categories = [c.id for c in db.session.scalars(sa.select(ServiceCategory).where(ServiceCategory.current()))]
    world.outcome_rows = {o.id: o for o in db.session.scalars(sa.select(DesiredOutcome))}
    world.threshold = current_app.config["SIGN_OFF_THRESHOLD_PENCE"]


def _grouped(query, value=lambda row: row) -> dict[int, list]:
    """The rows of a query whose first column is a need id, listed by need."""
    grouped: dict[int, list] = {}
    for row in db.session.execute(query):
        grouped.setdefault(row[0], []).append(value(row))
    return grouped


def _parts_of_needs(world: World) -> None:
    generated = world.generated
    world.lots_of = _grouped(
        sa.select(Lot.need_id, Lot.id, Lot.number, Lot.title, Lot.value_pence, Lot.reservation)
        .join(Need, Need.id == Lot.need_id)
        .where(generated)
        .order_by(Lot.need_id, Lot.number)
    )
    world.covered = _grouped(
        sa.select(need_pdus.c.need_id, need_pdus.c.area_id).join(Need, Need.id == need_pdus.c.need_id).where(generated),
        lambda row: row[1],
    )
    world.wanted = _grouped(
        sa.select(need_outcomes.c.need_id, need_outcomes.c.outcome_id)
        .join(Need, Need.id == need_outcomes.c.need_id)
        .where(generated)
        .order_by(need_outcomes.c.need_id, need_outcomes.c.outcome_id),
        lambda row: row[1],
    )
    for need_id, criterion_id, text in db.session.execute(
        sa.select(Criterion.need_id, Criterion.id, Criterion.question)
        .join(Need, Need.id == Criterion.need_id)
        .where(generated, Criterion.number == 1)
    ):
        world.question[need_id] = (criterion_id, text)
    world.schedule_of = _grouped(
        sa.select(
            Milestone.need_id, Milestone.id, Milestone.number, Milestone.title, Milestone.percent, Milestone.due_month
        )
        .join(Need, Need.id == Milestone.need_id)
        .where(generated)
        .order_by(Milestone.need_id, Milestone.number)
    )
