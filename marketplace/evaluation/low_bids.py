"""Abnormally low bids: the commissioner asks the bidder of a flagged bid to explain its
price (by a day at least 2 working days away), the bidder's lead explains, and the
commissioner accepts the explanation (the bid stays in) or rejects the bid. A rejected
bid is not ranked; no lot is awarded while one of its flagged bids is undecided."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, waiting
from ..accounts.models import Role, User
from ..accounts.services import area_staff
from ..bids.models import Bid
from ..extensions import db
from ..needs.models import Lot, Need
from ..notifications import due_soon, external_url, queue_email
from ..refusals import written
from ..timeutil import format_day, london, london_date, utcnow
from .errors import REASONS_WORD_LIMIT, EvaluationError
from .models import LowBidOutcome, LowBidReview
from .parties import party_users
from .scoring import lot_bids, moderation_closure
from .timing import (
    EXPLANATION_WORKING_DAYS,
    earliest_respond_by,
    end_of_working_day,
    require_closed,
)
from .wording import local_title


def review_of(bid: Bid) -> LowBidReview | None:
    return db.session.scalar(sa.select(LowBidReview).where(LowBidReview.bid_id == bid.id))


def is_rejected(bid: Bid) -> bool:
    review = review_of(bid) if bid.low_flagged_at is not None else None
    return review is not None and review.outcome == LowBidOutcome.REJECTED


def unresolved_low_bids(lot: Lot) -> list[Bid]:
    return [b for b, _ in lot_bids(lot) if b.low_flagged_at is not None and not ((r := review_of(b)) and r.is_decided)]


def window_open(review: LowBidReview | None, now: datetime) -> bool:
    """The bidder has been asked, has not answered, and its time has not passed."""
    return review is not None and review.responded_at is None and now < review.respond_by


def decidable_clause(now: datetime):
    """SQL for a review the commissioner can decide now (decide_low_bid's rule): not
    decided, and the bidder has answered or its time has passed (not window_open)."""
    return sa.and_(
        LowBidReview.decided_at.is_(None),
        sa.or_(LowBidReview.responded_at.is_not(None), LowBidReview.respond_by <= now),
    )


def to_decide(area_ids, now: datetime) -> sa.Select:
    """The abnormally low bids of the areas' closed needs waiting for the commissioner's
    decision, as a waiting-work query (marketplace/waiting.py): by bid, of its need,
    waiting since the answer came or the time to answer ran out."""
    return (
        sa.select(
            *waiting.columns(
                item=Bid.id,
                parent=Bid.need_id,
                area=Need.area_id,
                since=sa.func.coalesce(LowBidReview.responded_at, LowBidReview.respond_by),
                title=Need.title,
            )
        )
        .select_from(LowBidReview)
        .join(Bid, Bid.id == LowBidReview.bid_id)
        .join(Need, Need.id == Bid.need_id)
        .where(Need.area_id.in_(area_ids), Need.closed_clause(now), decidable_clause(now))
    )


def review_state(bid: Bid) -> str | None:
    """Where a flagged bid is, as the commissioner's overview shows it (None: not flagged)."""
    if bid.low_flagged_at is None:
        return None
    review = review_of(bid)
    if review is None:
        return "Explanation not asked for yet"
    if review.is_decided:
        assert review.outcome is not None  # ck_low_bid_reviews_decided_completely
        return {LowBidOutcome.ACCEPTED: "Explanation accepted", LowBidOutcome.REJECTED: "Bid rejected"}[review.outcome]
    if review.responded_at is not None:
        return "Explanation received: decide"
    return "Waiting for the bidder's explanation"


def _check_respond_by(respond_by: date, now: datetime) -> None:
    earliest = earliest_respond_by(now)
    if respond_by < earliest:
        raise EvaluationError(
            _(
                "Give the bidder at least %(days)s working days: the date must be %(date)s or later",
                days=EXPLANATION_WORKING_DAYS,
                date=format_day(earliest),
            ),
            "respond_by",
        )
    if respond_by > london_date(now) + timedelta(days=60):
        raise EvaluationError(_("The date must be within 60 days"), "respond_by")


def request_explanation(
    bid: Bid, *, request: str, respond_by: date, actor, now: datetime | None = None
) -> LowBidReview:
    """Ask the bidder of a flagged bid to explain its price, by a day at least 2 working
    days away (the answer is due by the end of that day, London time)."""
    now = now or utcnow()
    require_closed(bid.need, now)
    if bid.low_flagged_at is None:
        raise EvaluationError(_("This bid was not flagged as abnormally low"))
    if review_of(bid) is not None:
        raise EvaluationError(_("An explanation has already been requested for this bid"))
    request = written(
        EvaluationError,
        request,
        field="request",
        noun=_("The request"),
        limit=REASONS_WORD_LIMIT,
        empty=_("Enter what the bidder should explain"),
    )
    _check_respond_by(respond_by, now)
    review = LowBidReview(
        bid_id=bid.id,
        requested_at=now,
        requested_by_id=actor.id,
        request=request,
        respond_by=end_of_working_day(respond_by),
    )
    db.session.add(review)
    audit.record(
        "low_bid.explanation_requested",
        review,
        actor=actor,
        after={"bid_id": bid.id, "respond_by": respond_by.isoformat()},
    )
    for user in party_users(bid):
        queue_email(
            user.email,
            _l("Explain your price for %(title)s", title=local_title(bid.need)),
            "low_bid_request",
            user=user,
            bid=bid,
            review=review,
            respond_by=respond_by,
            link=external_url("evaluation.explain", bid_id=bid.id),
            urgent=due_soon(review.respond_by, now),
        )
    return review


def explain(review: LowBidReview, *, text: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    if review.responded_at is not None:
        raise EvaluationError(_("You have already sent your explanation"))
    if review.is_decided:
        raise EvaluationError(_("The commissioner has already decided on this bid"))
    if now >= review.respond_by:
        raise EvaluationError(_("The time to explain this bid's price has passed"))
    text = written(
        EvaluationError,
        text,
        field="response",
        noun=_("Your explanation"),
        limit=REASONS_WORD_LIMIT,
        empty=_("Enter your explanation"),
    )
    review.response, review.responded_at, review.responded_by_id = text, now, actor.id
    audit.record("low_bid.explained", review, actor=actor, after={"bid_id": review.bid_id})
    _tell_commissioners(review)


def _tell_commissioners(review: LowBidReview) -> None:
    """The commissioner who asked and the area's other commissioners (not of a party to
    the bid): the explanation is there to decide on."""
    bid = review.bid
    requester = db.session.get(User, review.requested_by_id)
    assert requester is not None  # requested_by_id is a foreign key, and users are never deleted
    party_ids = {user.id for user in party_users(bid)}
    people = [requester] + [
        u for u in area_staff(Role.COMMISSIONER, bid.need.area) if u.id != requester.id and u.id not in party_ids
    ]
    link = external_url("evaluation.low_bid", need_id=bid.need_id, bid_id=bid.id)
    for user in people:
        queue_email(
            user.email,
            _l("Explanation received: %(organisation)s", organisation=bid.organisation.name),
            "low_bid_explained",
            user=user,
            bid=bid,
            link=link,
        )


def decide_low_bid(review: LowBidReview, *, accept: bool, reason: str, actor, now: datetime | None = None) -> None:
    """Accept the explanation (the bid stays in) or reject the bid, with reasons; only once
    the bidder has answered or its window has passed."""
    now = now or utcnow()
    require_closed(review.bid.need, now)
    if review.is_decided:
        raise EvaluationError(_("This bid has already been decided"))
    if window_open(review, now):
        raise EvaluationError(
            _("Wait for the bidder's explanation: it has until %(time)s", time=london(review.respond_by))
        )
    reason = written(
        EvaluationError,
        reason,
        field="reason",
        noun=_("The reasons"),
        limit=REASONS_WORD_LIMIT,
        empty=_("Enter the reasons for your decision"),
    )
    if moderation_closure(review.bid.lot) is not None and not accept:
        raise EvaluationError(_("Moderation of this lot is closed: a bid can no longer be rejected"))
    review.outcome = LowBidOutcome.ACCEPTED if accept else LowBidOutcome.REJECTED
    review.outcome_reason, review.decided_at, review.decided_by_id = reason, now, actor.id
    audit.record(
        "low_bid.decided",
        review,
        actor=actor,
        after={"bid_id": review.bid_id, "outcome": review.outcome.value},
        reason=reason,
    )


def explanations_waiting(organisation_ids, now: datetime | None = None) -> list[LowBidReview]:
    """Explanations of a low price asked of bids these organisations lead, not yet sent,
    whose time has not passed: soonest due first (one query; the provider's home)."""
    from sqlalchemy.orm import contains_eager, joinedload

    if not organisation_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(LowBidReview)
            .join(Bid, Bid.id == LowBidReview.bid_id)
            .where(
                Bid.organisation_id.in_(organisation_ids),
                LowBidReview.responded_at.is_(None),
                LowBidReview.decided_at.is_(None),
                LowBidReview.respond_by > (now or utcnow()),
            )
            .options(contains_eager(LowBidReview.bid).joinedload(Bid.need), joinedload(LowBidReview.bid, Bid.lot))
            .order_by(LowBidReview.respond_by, LowBidReview.id)
        )
    )
