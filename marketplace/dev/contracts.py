"""generate-activity's contracts: an awarded lot's contract with its parties, desired
outcomes and schedule (the advance and the need's milestones, adding up to its value),
then each line of the schedule delivered and paid so far (delivery.py)."""

from datetime import timedelta

from ..timeutil import london_date
from .bulk import Run
from .delivery import deliver_line
from .world import NeedLife, World


def make_contract(
    run: Run, world: World, life: NeedLife, lot, decision_id: int, winning, effective, standstill
) -> None:
    rng, need = run.rng, life.need
    bid_id, organisation_id, content, _ = winning
    value, expected = content["price_pence"], content["people"]
    created_at = run.during(london_date(standstill or effective) + timedelta(days=rng.randint(1, 12)))
    starts_on = london_date(created_at) + timedelta(days=rng.randint(7, 35))
    ends_on = starts_on + timedelta(days=30 * (need.duration_months or 12))
    contract_id = run.new_id("contract")
    run.rows["contracts"].append(
        {
            "id": contract_id,
            "need_id": need.id,
            "lot_id": lot.id,
            "bid_id": bid_id,
            "decision_id": decision_id,
            "organisation_id": organisation_id,
            "title": f"{need.title}: {lot.title}",
            "value_pence": value,
            "expected_people": expected,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "created_at": created_at,
            "created_by_id": run.actor_id,
        }
    )
    _parties(run, contract_id, organisation_id, content)
    outcomes = world.wanted.get(need.id, [])
    run.rows["contract_outcomes"].extend({"contract_id": contract_id, "outcome_id": o} for o in outcomes)
    lines = _schedule(life.schedule, need.advance_percent, value, starts_on, ends_on)
    run.event(
        "contract.created",
        "contracts",
        contract_id,
        created_at,
        after={
            "need_id": need.id,
            "lot": lot.number,
            "bid_id": bid_id,
            "value_pence": value,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "schedule": [{"number": n, "pence": p, "due_on": d.isoformat()} for n, _, p, d in lines],
        },
    )
    for line in lines:
        deliver_line(
            run,
            world,
            contract_id,
            line,
            starts_on=starts_on,
            expected=expected,
            outcomes=outcomes,
            milestones=len(life.schedule),
        )


def _parties(run: Run, contract_id: int, organisation_id: int, content: dict) -> None:
    run.rows["parties"].append(
        {
            "id": run.new_id("party"),
            "contract_id": contract_id,
            "organisation_id": organisation_id,
            "role": "lead",
            "work_percent": content["lead_share"]["work_percent"],
            "price_percent": content["lead_share"]["price_percent"],
        }
    )
    for partner in content["partners"]:
        run.rows["parties"].append(
            {
                "id": run.new_id("party"),
                "contract_id": contract_id,
                "organisation_id": partner["organisation_id"],
                "role": "partner",
                "work_percent": partner["work_percent"],
                "price_percent": partner["price_percent"],
            }
        )


def _schedule(schedule, advance_percent: int, value: int, starts_on, ends_on) -> list[tuple]:
    """(number, title, pence, due on) of the advance (number 0, if any) and each milestone."""
    advance = value * advance_percent // 100
    lines = [(0, "Advance", advance, starts_on)] if advance else []
    for m_index, m in enumerate(schedule):
        last = m_index == len(schedule) - 1
        amount = value - sum(line[2] for line in lines) if last else value * m.percent // 100
        due = ends_on if last else min(ends_on, starts_on + timedelta(days=30 * m.due_month))
        lines.append((m.number, m.title, amount, due))
    return lines
