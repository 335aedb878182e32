"""`generate-activity`: made-up providers and the life of the needs generate-needs made, for
the board dashboard benchmark. `bids` bids (each with a submitted revision, some with two,
a few withdrawn) on the lots of the published needs, and `contracts` awarded lots with
their award decisions, contracts, parties, schedules, outcome reports (approved, some
returned first), payments (paid after various delays, payable, overdue) and the audit
events the record of decisions reads. The needs decided are moved back in time so that
they close, are awarded and are paid over this financial year and the last one; about one
lot in ten decided is not awarded. Core executemany in batches, ids given here;
deterministic for a seed on the same database."""

import random
from datetime import date, timedelta

import click
import sqlalchemy as sa

from ..board.reporting.kept import keep_closed_need_bids
from ..board.reporting.scope import Period
from ..extensions import db
from ..needs.models import Need
from ..timeutil import london_date, utcnow
from .awards import decide_lot
from .bids import bid_on_lot, count_bids
from .bulk import Run, after_bulk_insert
from .contracts import make_contract
from .organisations import Providers, make_organisations
from .world import NeedLife, World, activity_actor, generated_needs, load_world

_TABLES = (
    "organisations",
    "bids",
    "bid_revisions",
    "bid_partners",
    "moderation_closures",
    "award_decisions",
    "contracts",
    "contract_parties",
    "contract_milestones",
    "outcome_reports",
    "report_submissions",
    "report_outcomes",
    "payments",
    "audit_events",
)


def generate_activity(bids: int, contracts: int, organisations: int, seed: int) -> dict[str, int]:
    """Add the rows; how many of each kind were made."""
    rng = random.Random(seed)
    now = utcnow()
    generated = generated_needs()
    actor_id = activity_actor(now)
    world = load_world(generated)
    decided = _plan(rng, world, contracts)
    most = max(1, min(40, organisations // 3))
    if bids > len(world.all_lots) * most * 0.8:
        raise click.ClickException(
            f"{bids:,} bids is too many for the {len(world.all_lots):,} lots of the generated needs and {organisations:,} "
            f"organisations (at most {int(len(world.all_lots) * most * 0.8):,}): generate more needs or organisations"
        )
    run = Run(rng, now, actor_id)
    providers = make_organisations(run, world, organisations, most)
    award_lots = {lot_id for plan in decided.values() for lot_id, won in plan.items() if won}
    bid_count = count_bids(run, world, providers, award_lots, bids, organisations)
    window = _closing_window(london_date(now))
    run.flush()
    for need in world.needs:
        _live(run, world, providers, need, decided.get(need.id), bid_count, window)
        if len(run.rows["bids"]) >= 20_000:
            run.flush()
    _withdrawn_and_cancelled(run, generated)
    run.flush()
    keep_closed_need_bids(now)  # the board's kept figures, as close-needs keeps them
    after_bulk_insert(_TABLES)
    return run.made


def _plan(rng, world: World, contracts: int) -> dict[int, dict[int, bool]]:
    """Which lots are decided, need by need (need id -> {lot id: awarded})."""
    order = [need.id for need in world.needs]
    rng.shuffle(order)
    decided: dict[int, dict[int, bool]] = {}
    awarded = 0
    for need_id in order:
        if awarded >= contracts:
            break
        plan = {}
        for lot in world.lots_of.get(need_id, []):
            award = awarded < contracts and rng.random() < 0.9
            plan[lot.id] = award
            awarded += award
        decided[need_id] = plan
    if awarded < contracts:
        raise click.ClickException(
            f"The generated needs have only {awarded:,} lots to award, fewer than --contracts {contracts:,}: "
            "generate more needs, or ask for fewer contracts"
        )
    return decided


def _closing_window(today: date) -> tuple[date, int]:
    """Decided needs move back in time: they closed between 45 days before last financial
    year began and 80 days ago, so their awards, contracts and payments fall in both years.
    (The first day, and how many days from it.)"""
    last_year = Period.financial_year(today).start.replace(year=Period.financial_year(today).start.year - 1)
    first_close, last_close = last_year - timedelta(days=45), today - timedelta(days=80)
    return first_close, max(1, (last_close - first_close).days)


def _live(run: Run, world: World, providers: Providers, need, plan, bid_count: dict[int, int], window) -> None:
    """A need's bids, and for a decided need its decisions, contracts and its end."""
    rng, now = run.rng, run.now
    published_at, closes_at = need.published_at, need.closes_at
    if plan is not None:
        first_close, span = window
        closes_at = run.during(first_close + timedelta(days=rng.randrange(span))).replace(second=0)
        published_at = closes_at - timedelta(days=rng.randint(21, 45), minutes=rng.randint(0, 600))
    criterion_id, criterion_text = world.question.get(need.id, (None, ""))
    life = NeedLife(
        need,
        plan,
        published_at,
        closes_at,
        min(closes_at, now) - timedelta(minutes=5),
        world.schedule_of.get(need.id, []),
        criterion_id,
        criterion_text,
        providers.local_to(need),
    )
    for lot in world.lots_of.get(need.id, []):
        _live_lot(run, world, providers, life, lot, bid_count[lot.id])
    need_update = None
    if plan is not None:
        end_at = max(at for at, _ in life.ended)
        any_award = any(won for _, won in life.ended)
        status = "awarded" if any_award else "not_awarded"
        run.event(
            f"need.{status}",
            "needs",
            need.id,
            end_at,
            actor=None,
            before={"status": "closed"},
            after={"status": status},
        )
        need_update = {"awarded_at": end_at if any_award else None, "not_awarded_at": None if any_award else end_at}
    if plan is not None or closes_at <= now:
        run.rows["needs"].append(
            {
                "need_id": need.id,
                "published_at": published_at,
                "closes_at": closes_at,
                "question_deadline": closes_at - timedelta(days=5),
                "bids_checked_at": closes_at + timedelta(minutes=10),
                "updated_at": now,
                **(need_update or {"awarded_at": None, "not_awarded_at": None}),
            }
        )
    run.event(
        "need.published",
        "needs",
        need.id,
        published_at,
        before={"status": "draft"},
        after={"status": "open", "closes_at": closes_at.isoformat()},
    )


def _live_lot(run: Run, world: World, providers: Providers, life: NeedLife, lot, count: int) -> None:
    """A lot's bids; for a decided lot, its decision and for an award its contract."""
    won = life.plan.get(lot.id) if life.plan else None
    chosen = providers.bidders(run.rng, life.need, lot, life.local, count)
    winner = run.rng.randrange(len(chosen)) if won and chosen else None
    if won and winner is None:
        won = False
    bid_rows = bid_on_lot(run, world, providers, life, lot, chosen, winner)
    if won is None:
        return
    winning = bid_rows[winner] if won and winner is not None else None  # won: a winner was chosen
    decision_id, effective, standstill = decide_lot(run, world, life, lot, won, winning)
    if won:
        make_contract(run, world, life, lot, decision_id, winning, effective, standstill)


def _withdrawn_and_cancelled(run: Run, generated) -> None:
    """The generated needs that were withdrawn or cancelled: published, then ended."""
    for need_id, published_at, closes_at, withdrawn_at, cancelled_at, reason in db.session.execute(
        sa.select(Need.id, Need.published_at, Need.closes_at, Need.withdrawn_at, Need.cancelled_at, Need.end_reason)
        .where(
            generated,
            Need.published_at.is_not(None),
            sa.or_(Need.withdrawn_at.is_not(None), Need.cancelled_at.is_not(None)),
        )
        .order_by(Need.id)
    ):
        assert closes_at is not None  # published: ck_needs_published_has_dates
        run.event(
            "need.published",
            "needs",
            need_id,
            published_at,
            before={"status": "draft"},
            after={"status": "open", "closes_at": closes_at.isoformat()},
        )
        status = "withdrawn" if withdrawn_at else "cancelled"
        run.event(
            f"need.{status}",
            "needs",
            need_id,
            withdrawn_at or cancelled_at,
            before={"status": "open"},
            after={"status": status},
            reason=reason,
        )
