"""generate-activity's decisions: a decided lot's moderation closed, its award decision
(signed off when over the threshold; about one lot in ten not awarded) with its standstill,
and the audit events the record of decisions reads."""

from datetime import timedelta

from .bulk import Run
from .world import NeedLife, World

_AWARDED = "The highest scoring bid, and it gives good value."
_NOT_AWARDED = "No bid met the quality threshold; we will look again at what is needed."


def _close_moderation(run: Run, life: NeedLife, lot):
    """Close the lot's moderation some days after the need closed; the moment it closed."""
    rng = run.rng
    closure_at = life.closes_at + timedelta(days=rng.randint(7, 20), hours=rng.randint(0, 6))
    closure_id = run.new_id("closure")
    run.rows["closures"].append(
        {"id": closure_id, "lot_id": lot.id, "closed_at": closure_at, "closed_by_id": run.actor_id}
    )
    run.event(
        "moderation.closed",
        "moderation_closures",
        closure_id,
        closure_at,
        after={"need_id": life.need.id, "lot": lot.number},
    )
    return closure_at


def decide_lot(run: Run, world: World, life: NeedLife, lot, won: bool, winning) -> tuple:
    """Close moderation and decide the lot; (decision id, moment it took effect, end of standstill)."""
    rng, need = run.rng, life.need
    closure_at = _close_moderation(run, life, lot)
    decided_at = closure_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
    decision_id = run.new_id("decision")
    sign_off = bool(won and lot.value_pence > world.threshold)
    signed_at = decided_at + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6)) if sign_off else None
    effective = signed_at or decided_at
    standstill = effective + timedelta(days=14) if won and need.procedure != "grant" else None
    reasons = _AWARDED if won else _NOT_AWARDED
    actor_id = run.actor_id
    run.rows["decisions"].append(
        {
            "id": decision_id,
            "lot_id": lot.id,
            "outcome": "award" if won else "not_awarded",
            "bid_id": winning[0] if won else None,
            "reasons": reasons,
            "decided_at": decided_at,
            "decided_by_id": actor_id,
            "needs_sign_off": sign_off,
            "signed_off_at": signed_at,
            "signed_off_by_id": actor_id if sign_off else None,
            "sign_off_comment": None,
            "refused_at": None,
            "refused_by_id": None,
            "refusal_reason": None,
            "summaries_sent_at": effective,
            "standstill_ends_at": standstill,
        }
    )
    run.event(
        "award.decided",
        "award_decisions",
        decision_id,
        decided_at,
        reason=reasons,
        after={
            "need_id": need.id,
            "lot": lot.number,
            "outcome": "award" if won else "not_awarded",
            "bid_id": winning[0] if won else None,
            "needs_sign_off": sign_off,
        },
    )
    if sign_off:
        run.event(
            "award.signed_off", "award_decisions", decision_id, signed_at, after={"need_id": need.id, "lot": lot.number}
        )
    life.ended.append((effective, won))
    return decision_id, effective, standstill
