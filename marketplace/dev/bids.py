"""generate-activity's bids: how many each lot gets, and each bid with its submitted
revisions (some sent twice), consortium partner and withdrawal, as the bid services would
have recorded them."""

import hashlib
import json

import click

from .bulk import Run
from .organisations import Providers
from .world import NeedLife, World

_DECLARATIONS = ["accurate", "eligible", "no_conflict"]


def count_bids(
    run: Run, world: World, providers: Providers, award_lots: set[int], bids: int, organisations: int
) -> dict[int, int]:
    """How many bids each lot gets: one at least for a lot to award, the rest at random."""
    need_of = {need.id: need for need in world.needs}
    providers.limit = {lot.id: providers.room(need_of[lot.need_id], lot) for lot in world.all_lots}
    if bids > sum(providers.limit.values()) * 0.8:
        raise click.ClickException(
            f"{bids:,} bids is too many for the lots of the generated needs and {organisations:,} organisations "
            f"(at most {int(sum(providers.limit.values()) * 0.8):,}): generate more needs or organisations"
        )
    all_lots = world.all_lots
    bid_count = {lot.id: int(lot.id in award_lots) for lot in all_lots}
    left = bids - len(award_lots)
    while left:
        lot = all_lots[run.rng.randrange(len(all_lots))]
        if bid_count[lot.id] < providers.limit[lot.id]:
            bid_count[lot.id] += 1
            left -= 1
    return bid_count


def bid_on_lot(
    run: Run, world: World, providers: Providers, life: NeedLife, lot, chosen: list[int], winner
) -> list[tuple]:
    """The bids of the organisations chosen; (bid id, organisation id, content, last submitted) of each."""
    return [
        _bid(run, world, providers, life, lot, organisation_id, index, chosen, winner)
        for index, organisation_id in enumerate(chosen)
    ]


def _bid(
    run: Run, world: World, providers: Providers, life: NeedLife, lot, organisation_id, index, chosen, winner
) -> tuple:
    rng, need, last_moment = run.rng, life.need, life.last_moment
    bid_id = run.new_id("bid")
    _name, _vcse, where = providers.info[organisation_id]
    created = life.published_at + (last_moment - life.published_at) * rng.uniform(0.05, 0.6)
    submitted = created + (last_moment - created) * rng.uniform(0.2, 0.8)
    price = max(10_000, int(lot.value_pence * rng.uniform(0.72, 1.0)) // 10_000 * 10_000)
    people = max(1, int((need.expected_people or 50) * rng.uniform(0.8, 1.3)))
    consortium = index == winner and rng.random() < 0.12
    partner_id = None
    if consortium:
        partner_id = rng.choice(providers.everyone)
        if partner_id in chosen:
            consortium, partner_id = False, None
    local_pdus = sorted(where & set(world.covered.get(need.id, [])))
    parts = _price_parts(need, life.schedule, price)
    content = _content(life, lot, bid_id, organisation_id, providers, price, parts, people, local_pdus, partner_id)
    revisions = [(submitted, content)]
    if rng.random() < 0.1:  # changed and submitted again before closing
        again = submitted + (last_moment - submitted) * rng.uniform(0.3, 0.9)
        content = {**content, "social_value": content["social_value"] + " A mentoring scheme run by peers."}
        revisions.append((again, content))
    withdrawn = index != winner and rng.random() < 0.03
    latest = revisions[-1][0]
    withdrawn_at = latest + (last_moment - latest) * rng.uniform(0.2, 0.9) if withdrawn else None
    run.rows["bids"].append(
        _bid_row(run, life, lot, bid_id, organisation_id, content, parts, created, latest, withdrawn_at)
    )
    _revision_rows(run, bid_id, revisions, people)
    if partner_id is not None:
        run.rows["partners"].append(
            {
                "id": run.new_id("partner"),
                "bid_id": bid_id,
                "lot_id": lot.id,
                "organisation_id": partner_id,
                "invited_name": None,
                "invited_email": None,
                "invite_token_hash": None,
                "work_percent": 30,
                "price_percent": 30,
                "invited_at": created,
                "invited_by_id": run.actor_id,
                "confirmed_at": created + (submitted - created) / 2,
                "confirmed_by_id": run.actor_id,
                "declined_at": None,
                "removed_at": None,
            }
        )
    return bid_id, organisation_id, content, latest


def _price_parts(need, schedule, price: int) -> list[tuple[str, str, int]]:
    """The price broken down as the need's payment profile splits it: (key, label, pence)."""
    advance = price * need.advance_percent // 100
    parts = [("advance", "Advance", advance)] if advance else []
    for m_index, m in enumerate(schedule):
        last = m_index == len(schedule) - 1
        amount = price - sum(p for *_, p in parts) if last else price * m.percent // 100
        parts.append((str(m.id), m.title, amount))
    return parts


def _content(
    life: NeedLife, lot, bid_id, organisation_id, providers: Providers, price, parts, people, local_pdus, partner_id
) -> dict:
    """What a submitted revision holds."""
    name = providers.info[organisation_id][0]
    answer = f"{name} has worked with this cohort for years and will reach people who do not engage."
    lead_share = 70 if partner_id is not None else 100
    return {
        "bid_id": bid_id,
        "need_id": life.need.id,
        "lot_id": lot.id,
        "organisation": {"id": organisation_id, "name": name},
        "need_material_changes": 0,
        "answers": [{"criterion_id": life.criterion_id, "number": 1, "question": life.criterion_text, "answer": answer}]
        if life.criterion_id
        else [],
        "price_pence": price,
        "price_breakdown": [{"key": key, "label": label, "pence": pence} for key, label, pence in parts],
        "people": people,
        "social_value": "Local volunteers and apprenticeships.",
        "local_pdu_ids": local_pdus,
        "no_local_presence": not local_pdus,
        "declarations": _DECLARATIONS,
        "conflict_details": "",
        "lead_share": {"work_percent": lead_share, "price_percent": lead_share},
        "partners": [
            {
                "organisation_id": partner_id,
                "name": providers.info[partner_id][0],
                "work_percent": 30,
                "price_percent": 30,
            }
        ]
        if partner_id is not None
        else [],
        "documents": [],
    }


def _bid_row(
    run: Run, life: NeedLife, lot, bid_id, organisation_id, content, parts, created, latest, withdrawn_at
) -> dict:
    criterion_id, actor_id = life.criterion_id, run.actor_id
    answer = content["answers"][0]["answer"] if content["answers"] else None
    lead_share = content["lead_share"]["work_percent"]
    return {
        "id": bid_id,
        "need_id": life.need.id,
        "lot_id": lot.id,
        "organisation_id": organisation_id,
        "created_by_id": actor_id,
        "created_at": created,
        "updated_at": latest,
        "answers": {str(criterion_id): answer} if criterion_id else {},
        "price_pence": content["price_pence"],
        "price_breakdown": {key: pence for key, _, pence in parts},
        "people": content["people"],
        "social_value": content["social_value"],
        "local_pdu_ids": content["local_pdu_ids"],
        "no_local_presence": content["no_local_presence"],
        "declarations": _DECLARATIONS,
        "conflict_details": "",
        "lead_work_percent": lead_share,
        "lead_price_percent": lead_share,
        "withdrawn_at": withdrawn_at,
        "withdrawn_by_id": actor_id if withdrawn_at else None,
        "withdrawn_reason": "We can no longer deliver this lot" if withdrawn_at else None,
        "low_flag_reason": None,
        "low_flagged_at": None,
    }


def _revision_rows(run: Run, bid_id: int, revisions: list[tuple], people: int) -> None:
    for number, (at, body) in enumerate(revisions, start=1):
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        run.rows["revisions"].append(
            {
                "id": run.new_id("revision"),
                "bid_id": bid_id,
                "number": number,
                "content": body,
                "digest": hashlib.sha256(canonical.encode()).hexdigest(),
                "submitted_at": at,
                "recorded_at": at,
                "submitted_by_id": run.actor_id,
                "price_pence": body["price_pence"],
                "people": people,
            }
        )
