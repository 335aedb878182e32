"""Assessment summaries (debriefs): what each bidder on a lot is told when the award
decision takes effect (its result and why, its scores part by part with the agreed
rationale, and the winning bid's scores), frozen as plain JSON, and read back by the
bid's parties."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from .. import signals
from ..bids.models import Bid
from ..extensions import db
from ..i18n import in_language
from .advisers import adviser_scored
from .low_bids import review_of
from .models import AssessmentSummary, AwardDecision, AwardOutcome
from .moderation import agreed_scores
from .ranking import Row, lowest_compliant_price
from .scoring import two
from .wording import explain_summary


def _points(value) -> str | None:
    return None if value is None else str(two(value))


def _breakdown(row: Row) -> list[dict]:
    agreed = agreed_scores(row.bid)
    return [
        {
            "label": part.label,
            "number": part.number,
            "question": part.question,
            "weight": part.weight,
            "score": score,
            "points": _points(points),
            "rationale": agreed[part.key].rationale if part.key in agreed else None,
        }
        for part, score, points in row.part_points
    ]


def _result(decision: AwardDecision, row: Row, winner: Row | None) -> tuple[str, dict]:
    """The bidder's result and what explains it: how it went (`kind`, with the totals
    compared) and the reasons given, put into words when read (wording.explain_summary)."""
    if decision.outcome == AwardOutcome.NOT_AWARDED:
        return "not_awarded", {"kind": "not_awarded", "reason": decision.reasons}
    if winner is row:
        # The commissioner may choose a bid that is not ranked first (a tie, or reasons given).
        return "won", {"kind": "won_first" if row.rank == 1 else "won_chosen", "reason": decision.reasons}
    if row.excluded:
        review = review_of(row.bid)
        return "rejected", {"kind": "rejected", "reason": (review.outcome_reason or "") if review else ""}
    if row.total is not None and winner is not None and winner.total is not None:
        # Compared as shown (two decimals): a tie or a higher total must not be called lower.
        ours, theirs = two(row.total), two(winner.total)
        kind = "lower" if ours < theirs else ("same" if ours == theirs else "higher")
        compared = {"kind": kind, "ours": _points(row.total), "theirs": _points(winner.total)}
        return "not_won", {**compared, "reason": decision.reasons}
    return "not_won", {"kind": "not_won", "reason": decision.reasons}


def summary_content(decision: AwardDecision, row: Row, rows: list[Row]) -> dict:
    """What one bidder is told, as plain JSON (frozen in AssessmentSummary)."""
    lot = decision.lot
    need = lot.need
    winner = next((r for r in rows if decision.bid_id is not None and r.bid.id == decision.bid_id), None)
    result, explained = _result(decision, row, winner)
    with in_language("en"):  # the record as sent, in English; read in the reader's language
        why = explain_summary({"explained": explained})
    return {
        "need": {"id": need.id, "title": need.title, "title_cy": need.title_cy},
        "lot": {"id": lot.id, "number": lot.number, "title": lot.title},
        "outcome": decision.outcome.value,
        "result": result,
        "why": why,
        "explained": explained,
        "reasons": decision.reasons,
        "bid": {
            "organisation": row.bid.organisation.name,
            "price_pence": row.revision.price_pence,
            "parts": _breakdown(row),
            "price_points": _points(row.price_points),
            "quality_points": _points(row.quality),
            "total_points": _points(row.total),
            "rank": row.rank,
        },
        "ranked_bids": len([r for r in rows if r.rank is not None]),
        "price_weight": need.price_weight or 0,
        "lowest_price_pence": lowest_compliant_price([(r.bid, r.revision) for r in rows]),
        "winner": None
        if winner is None
        else {
            "organisation": winner.bid.organisation.name,
            "price_pence": winner.revision.price_pence,
            "parts": [{k: v for k, v in p.items() if k != "rationale"} for p in _breakdown(winner)],
            "price_points": _points(winner.price_points),
            "quality_points": _points(winner.quality),
            "total_points": _points(winner.total),
        },
        "standstill_ends_at": decision.standstill_ends_at.isoformat() if decision.standstill_ends_at else None,
        # The parts a lived-experience adviser scored (wording.summary_advisers says so).
        "adviser_parts": [{"label": p.label, "number": p.number} for p in adviser_scored(row.bid)],
    }


def summaries_for(bid: Bid) -> Sequence[AssessmentSummary]:
    return db.session.scalars(
        sa.select(AssessmentSummary).where(AssessmentSummary.bid_id == bid.id).order_by(AssessmentSummary.id)
    ).all()


@signals.bid_outcomes.connect
def announced_outcomes(bid_ids: tuple[int, ...]) -> dict[int, dict]:
    """For the provider's lists: each bid whose bidder has been sent its summary, whether
    it won and when it was told (one query). A bid with no summary sent has no outcome
    to show, whatever has been decided."""
    if not bid_ids:
        return {}
    rows = db.session.execute(
        sa.select(AssessmentSummary.bid_id, AssessmentSummary.sent_at, AwardDecision.outcome, AwardDecision.bid_id)
        .join(AwardDecision, AwardDecision.id == AssessmentSummary.decision_id)
        .where(AssessmentSummary.bid_id.in_(bid_ids), AwardDecision.refused_at.is_(None))
    )
    return {
        bid_id: {"won": outcome == AwardOutcome.AWARD and awarded_to == bid_id, "announced_at": sent_at}
        for bid_id, sent_at, outcome, awarded_to in rows
    }


def standstill_end_of(content: dict) -> datetime | None:
    """The standstill end frozen in a summary's content, or None (none, or unreadable)."""
    value = content.get("standstill_ends_at")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
