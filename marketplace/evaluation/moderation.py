"""Moderation: once every evaluator without a conflict has submitted its scores for a bid,
the commissioner records the agreed score and rationale for each part; moderation of a lot
is closed once every bid on it that was not rejected has agreed scores. After that the
scores are final and the lot can be awarded."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, waiting
from ..bids.lifecycle import submitted_clause
from ..bids.models import Bid, BidRevision
from ..extensions import db
from ..needs.models import Lot, Need
from ..timeutil import utcnow
from .errors import EvaluationError
from .low_bids import is_rejected
from .models import AgreedScore, LowBidOutcome, LowBidReview, ModerationClosure
from .panel import panel
from .scoring import (
    Part,
    checked_parts,
    counted_sheets,
    lot_bids,
    moderation_closure,
    open_for_moderation,
    parts,
    scoring_complete,
)
from .timing import require_closed


def agreed_scores(bid: Bid) -> dict[str, AgreedScore]:
    return {a.part: a for a in db.session.scalars(sa.select(AgreedScore).where(AgreedScore.bid_id == bid.id))}


def agree_scores(bid: Bid, scores: dict[str, tuple], *, actor, now: datetime | None = None) -> None:
    """Record moderation's agreed score and rationale for every part of a bid."""
    now = now or utcnow()
    need = bid.need
    revision = open_for_moderation(
        bid, now, _("Moderation of this lot is closed: agreed scores can no longer be changed")
    )
    if not scoring_complete(bid, revision):
        raise EvaluationError(
            _("Every evaluator on the panel without a conflict must submit their scores for this bid before moderation")
        )
    checked = checked_parts(
        need,
        scores,
        required=True,
        text_field="rationale",
        empty=lambda part: _("Give the rationale for the agreed score for %(part)s", part=part),
        noun=lambda part: _("The rationale for %(part)s", part=part),
    )
    existing = agreed_scores(bid)
    before = {k: a.score for k, a in existing.items()}
    for key, (number, rationale) in checked.items():
        agreed = existing.get(key)
        if agreed is None:
            agreed = AgreedScore(bid_id=bid.id, part=key)
            db.session.add(agreed)
        agreed.score, agreed.rationale, agreed.agreed_at, agreed.agreed_by_id = number, rationale, now, actor.id
    db.session.flush()
    audit.record(
        "scores.moderated",
        bid,
        actor=actor,
        before=before or None,
        after={"revision": revision.number, "scores": {k: v[0] for k, v in checked.items()}},
    )


def _all_agreed(bid: Bid) -> bool:
    return {p.key for p in parts(bid.need)} <= set(agreed_scores(bid))


def close_moderation(lot: Lot, *, actor, now: datetime | None = None) -> ModerationClosure:
    """Close moderation of a lot: every bid that has not been rejected has agreed scores."""
    now = now or utcnow()
    require_closed(lot.need, now)
    if moderation_closure(lot) is not None:
        raise EvaluationError(_("Moderation of this lot is already closed"))
    entries = lot_bids(lot)
    if not entries:
        raise EvaluationError(_("There are no bids on this lot to moderate"))
    missing = [b.organisation.name for b, _ in entries if not is_rejected(b) and not _all_agreed(b)]
    if missing:
        raise EvaluationError(_("Agree the scores of every bid first: %(bids)s", bids=", ".join(missing)))
    closure = ModerationClosure(lot_id=lot.id, closed_at=now, closed_by_id=actor.id)
    db.session.add(closure)
    audit.record("moderation.closed", closure, actor=actor, after={"need_id": lot.need_id, "lot": lot.number})
    return closure


def lots_ready_to_close(area_ids, now: datetime) -> sa.Select:
    """The lots of the areas' closed needs whose moderation can be closed (close_moderation's
    rule: every submitted bid not rejected has agreed scores, which agree_scores writes for
    every part at once) and is not, as a waiting-work query (marketplace/waiting.py):
    waiting since the need closed."""
    submitted = sa.select(Bid.id).where(Bid.lot_id == Lot.id, submitted_clause())
    rejected = (
        sa.select(LowBidReview.id)
        .where(LowBidReview.bid_id == Bid.id, LowBidReview.outcome == LowBidOutcome.REJECTED)
        .exists()
    )
    agreed = sa.select(AgreedScore.id).where(AgreedScore.bid_id == Bid.id).exists()
    closed = sa.select(ModerationClosure.id).where(ModerationClosure.lot_id == Lot.id).exists()
    return (
        sa.select(
            *waiting.columns(item=Lot.id, parent=Lot.need_id, area=Need.area_id, since=Need.closes_at, title=Need.title)
        )
        .join(Need, Need.id == Lot.need_id)
        .where(
            Need.area_id.in_(area_ids),
            Need.closed_clause(now),
            ~closed,
            submitted.exists(),
            ~submitted.where(~rejected, ~agreed).exists(),
        )
    )


def moderation_state(bid: Bid, revision: BidRevision) -> str:
    """Where a bid is in moderation, as the commissioner's overview shows it."""
    if is_rejected(bid):
        return "Rejected as abnormally low"
    if _all_agreed(bid):
        return "Scores agreed"
    if scoring_complete(bid, revision):
        return "Ready to moderate"
    return "Waiting for scores"


def sheets_by_part(bid: Bid, only: list[Part] | None = None) -> list[dict]:
    """The counted sheets, part by part (every part, or `only` those): who scored what and
    why, whether they are a lived-experience adviser (who scores only their parts), and
    the agreed score."""
    sheets = counted_sheets(bid)
    agreed = agreed_scores(bid)
    scored = {m.user_id: m.parts for m in panel(bid.need)}
    return [
        {
            "part": part,
            "lines": [
                (sheet.user, sheet.score_for(part.key), scored.get(sheet.user_id) is not None)
                for sheet in sheets
                if part.key in (scored.get(sheet.user_id) or [part.key])
            ],
            "agreed": agreed.get(part.key),
        }
        for part in (parts(bid.need) if only is None else only)
    ]
