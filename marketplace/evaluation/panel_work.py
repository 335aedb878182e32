"""What waits for an evaluator on the panels they sit on: the bidders still to declare
conflicts against, then the bids still to score (those they may open, on lots whose
moderation is open, with no sheet submitted yet). Read for all their panels at once in a
fixed number of queries, whatever the number of panels and bids (the evaluator's home).

No deadline is set for a panel's work: what the home shows is how long it has waited,
from when the evaluator joined the panel (or the need closed, if later)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from ..bids.models import Bid, BidRevision
from ..bids.outcomes import Latest, counts, material_change_counts
from ..extensions import db
from ..needs.models import Need, NeedStatus
from ..timeutil import utcnow
from .models import ConflictDeclaration, ModerationClosure, PanelMember, ScoreSheet
from .parties import bid_organisation_ids


@dataclass(frozen=True)
class PanelWork:
    need: Need
    since: datetime  # when the work began: joining the panel, or the closing if later
    undeclared: int  # bidding organisations not declared against yet
    to_score: int  # bids to score (0 until every declaration is made)
    adviser: bool = False  # on this panel as a lived-experience adviser


def _panels(user, now: datetime) -> list[PanelMember]:
    """The user's current places on the panels of needs being evaluated (closed, not ended)."""
    members = db.session.scalars(
        sa.select(PanelMember)
        .join(Need, Need.id == PanelMember.need_id)
        .where(PanelMember.user_id == user.id, PanelMember.removed_at.is_(None), Need.closes_at <= now)
        .options(contains_eager(PanelMember.need))
        .order_by(Need.closes_at, Need.id)
    ).all()
    return [m for m in members if m.need.status_at(now) == NeedStatus.CLOSED]


def _counting(need_ids: list[int]) -> list[tuple[Bid, BidRevision]]:
    """The bids that count on these needs, each with its latest (counting) revision."""
    newest = (
        sa.select(BidRevision.bid_id, sa.func.max(BidRevision.number).label("number"))
        .join(Bid, Bid.id == BidRevision.bid_id)
        .where(Bid.need_id.in_(need_ids))
        .group_by(BidRevision.bid_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Bid, BidRevision)
        .join(BidRevision, BidRevision.bid_id == Bid.id)
        .join(newest, sa.and_(newest.c.bid_id == BidRevision.bid_id, newest.c.number == BidRevision.number))
    ).all()
    changes = material_change_counts(sorted({bid.lot_id for bid, _ in rows}))
    return [
        (bid, revision)
        for bid, revision in rows
        if counts(
            bid,
            Latest(revision.submitted_at, (revision.content or {}).get("need_material_changes")),
            changes.get(bid.lot_id, 0),
        )
    ]


def panel_work(user, now: datetime | None = None) -> list[PanelWork]:
    """Each panel the user sits on whose need is being evaluated, with what waits on it."""
    now = now or utcnow()
    members = _panels(user, now)
    if not members:
        return []
    need_ids = [m.need_id for m in members]
    bids = _counting(need_ids)
    declared: dict[int, dict[int, bool]] = {}
    for d in db.session.scalars(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == user.id, ConflictDeclaration.need_id.in_(need_ids)
        )
    ):
        declared.setdefault(d.need_id, {})[d.organisation_id] = d.conflicted
    bid_ids = [bid.id for bid, _ in bids]
    scored = set(
        db.session.scalars(
            sa.select(ScoreSheet.bid_id).where(
                ScoreSheet.user_id == user.id, ScoreSheet.bid_id.in_(bid_ids), ScoreSheet.submitted_at.is_not(None)
            )
        )
    )
    closed_lots = set(
        db.session.scalars(
            sa.select(ModerationClosure.lot_id).where(ModerationClosure.lot_id.in_({bid.lot_id for bid, _ in bids}))
        )
    )
    return [
        _work(m, [(b, r) for b, r in bids if b.need_id == m.need_id], declared, scored, closed_lots) for m in members
    ]


def _work(member: PanelMember, bids, declared, scored: set, closed_lots: set) -> PanelWork:
    mine = declared.get(member.need_id, {})
    organisations = {i for _, revision in bids for i in bid_organisation_ids(revision)}
    undeclared = len(organisations - set(mine))
    to_score = 0
    if not undeclared:
        to_score = sum(
            1
            for bid, revision in bids
            if bid.id not in scored
            and bid.lot_id not in closed_lots
            and not any(mine.get(i) for i in bid_organisation_ids(revision))
        )
    need = member.need
    assert need.closes_at is not None  # a closed need has its closing time
    return PanelWork(need, max(member.assigned_at, need.closes_at), undeclared, to_score, member.is_adviser)
