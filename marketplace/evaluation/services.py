"""The rules of evaluation and award. Functions take the acting user, check the state,
change it, record audit events, queue emails and flush; the view commits once. Who may
act is decided in permissions.py; what state allows it is decided here.

Scores are exact: weighted points are Fractions, shown (and ranked) to two decimals,
rounded half up. Audit events hold scores and decisions but never a bid's answers.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..accounts.models import Role, User
from ..accounts.services import area_staff, members_of
from ..bids.models import Bid, BidPartner, BidRevision
from ..bids.services import counting_bids, counting_revision, lock_need
from ..extensions import db
from ..needs.models import Lot, Need, NeedStatus, Procedure
from ..notifications import external_url, queue_email
from ..organisations.models import Organisation
from ..refusals import Refusal, written
from ..timeutil import london, london_date, utcnow
from ..workdays import add_working_days, at_london_time
from .models import (
    SCORE_MEANINGS,
    SOCIAL_VALUE,
    AgreedScore,
    AssessmentSummary,
    AwardDecision,
    AwardOutcome,
    ConflictDeclaration,
    LowBidOutcome,
    LowBidReview,
    ModerationClosure,
    PanelMember,
    Score,
    ScoreSheet,
)

JUSTIFICATION_WORD_LIMIT = 300
REASONS_WORD_LIMIT = 500
# No bid can be awarded while the lot's moderation is open: the scores are not final.
MODERATION_OPEN = "Close moderation of this lot first"
EXPLANATION_WORKING_DAYS = 2
STANDSTILL_WORKING_DAYS = 8


class EvaluationError(Refusal):
    """A refusal of an evaluation step, by its field (see refusals.py)."""


# The parts of a bid that are scored -----------------------------------------------------


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    question: str
    weight: int


def parts(need: Need) -> list[Part]:
    """What each evaluator scores: the quality criteria, then social value when weighted."""
    result = [Part(str(c.id), f"Question {c.number}", c.question, c.weight) for c in need.criteria]
    if need.social_value_weight:
        result.append(Part(SOCIAL_VALUE, "Social value", "Social value", need.social_value_weight))
    return result


def two(value: Fraction | int) -> Decimal:
    """Points to two decimals, rounded half up (what is shown, and what ranks)."""
    value = Fraction(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# Timing -----------------------------------------------------------------------------------


def _closed(need: Need, now: datetime) -> None:
    if need.status_at(now) != NeedStatus.CLOSED:
        raise EvaluationError("Bids can only be evaluated once the need has closed, and before it ends")


def _end_of_working_day(day: date) -> datetime:
    """The last second of `day` in London (shown as 11:59pm, as GOV.UK writes deadlines), in UTC."""
    return at_london_time(day, time(23, 59, 59)).astimezone(UTC)


def earliest_respond_by(now: datetime) -> date:
    """The first day a provider's explanation may be due: 2 working days after today."""
    return add_working_days(london_date(now), EXPLANATION_WORKING_DAYS)


def standstill_end(sent_at: datetime) -> datetime:
    """The end of the 8th working day after the summaries were sent (England and Wales)."""
    return _end_of_working_day(add_working_days(london_date(sent_at), STANDSTILL_WORKING_DAYS))


# The panel and its conflicts --------------------------------------------------------------


def available_evaluators(need: Need) -> list[User]:
    """Active users with the evaluator role on the need's area or its region."""
    return area_staff(Role.EVALUATOR, need.area, order_by=User.name)


def panel(need: Need) -> list[PanelMember]:
    return db.session.scalars(
        sa.select(PanelMember).where(PanelMember.need_id == need.id, PanelMember.removed_at.is_(None)).order_by(PanelMember.id)
    ).all()


def panel_member(need: Need, user) -> PanelMember | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        sa.select(PanelMember).where(
            PanelMember.need_id == need.id, PanelMember.user_id == user.id, PanelMember.removed_at.is_(None)
        )
    )


def assign_evaluator(need: Need, user: User, *, actor, now: datetime | None = None) -> PanelMember:
    now = now or utcnow()
    _closed(need, now)
    if user.id not in {u.id for u in available_evaluators(need)}:
        raise EvaluationError("Choose an evaluator of this area", "user_id")
    if panel_member(need, user) is not None:
        raise EvaluationError(f"{user.name} is already on the panel", "user_id")
    member = PanelMember(need_id=need.id, user_id=user.id, assigned_at=now, assigned_by_id=actor.id)
    db.session.add(member)
    audit.record("panel.assigned", member, actor=actor, after={"need_id": need.id, "user_id": user.id})
    queue_email(
        user.email,
        f"You are on the evaluation panel for {need.title}",
        "panel_assigned",
        user=user,
        need=need,
        link=external_url("evaluation.my_evaluation", need_id=need.id),
    )
    return member


def remove_evaluator(member: PanelMember, *, actor, now: datetime | None = None) -> None:
    """Off the panel. Sheets already submitted stay in the record but no longer count."""
    now = now or utcnow()
    _closed(member.need, now)
    if member.removed_at is not None:
        raise EvaluationError("This evaluator has already been removed")
    member.removed_at = now
    member.removed_by_id = actor.id
    audit.record("panel.removed", member, actor=actor, after={"need_id": member.need_id, "user_id": member.user_id})


def bid_organisation_ids(revision: BidRevision) -> list[int]:
    """The lead and the partners (registered organisations) of a submitted revision."""
    content = revision.content
    ids = [content["organisation"]["id"]]
    ids += [p["organisation_id"] for p in content.get("partners", []) if p.get("organisation_id")]
    return ids


def bidding_organisations(need: Need) -> list[Organisation]:
    """Every organisation in a bid that counts, lead or partner, by name."""
    ids = {i for _, revision in counting_bids(need) for i in bid_organisation_ids(revision)}
    if not ids:
        return []
    return db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)).all()


def declarations(need: Need, user=None) -> list[ConflictDeclaration]:
    query = sa.select(ConflictDeclaration).where(ConflictDeclaration.need_id == need.id)
    if user is not None:
        query = query.where(ConflictDeclaration.user_id == user.id)
    return db.session.scalars(query.order_by(ConflictDeclaration.user_id, ConflictDeclaration.id)).all()


def undeclared(need: Need, user) -> list[Organisation]:
    done = {d.organisation_id for d in declarations(need, user)}
    return [o for o in bidding_organisations(need) if o.id not in done]


def declare_conflicts(need: Need, user, answers: dict[int, tuple[bool, str]], *, now: datetime | None = None) -> None:
    """Declare, for each organisation not yet declared, a conflict (with details) or none.
    Every outstanding organisation must be answered at once."""
    now = now or utcnow()
    _closed(need, now)
    if panel_member(need, user) is None:
        raise EvaluationError("Only evaluators on this need's panel declare conflicts")
    outstanding = undeclared(need, user)
    if not outstanding:
        raise EvaluationError("You have already declared your interests for every bidder")
    for organisation in outstanding:
        if organisation.id not in answers:
            raise EvaluationError(f"Say whether you have a conflict of interest with {organisation.name}", f"org_{organisation.id}")
        conflicted, details = answers[organisation.id]
        if conflicted and not (details or "").strip():
            raise EvaluationError(f"Describe your conflict of interest with {organisation.name}", f"details_{organisation.id}")
    for organisation in outstanding:
        conflicted, details = answers[organisation.id]
        declaration = ConflictDeclaration(
            need_id=need.id, user_id=user.id, organisation_id=organisation.id, conflicted=conflicted,
            details=(details or "").strip() if conflicted else "", declared_at=now,
        )
        db.session.add(declaration)
        audit.record(
            "conflict.declared", declaration, actor=user,
            after={"need_id": need.id, "organisation_id": organisation.id, "conflicted": conflicted},
            reason=declaration.details or None,
        )


def conflicted_with(need: Need, user, revision: BidRevision) -> bool:
    ids = set(bid_organisation_ids(revision))
    return any(d.conflicted and d.organisation_id in ids for d in declarations(need, user))


def may_open(user, bid: Bid, revision: BidRevision) -> bool:
    """A panel evaluator may open a bid once it has declared against every bidder, and
    only when it has no conflict with the bid's lead or partners."""
    need = bid.need
    return panel_member(need, user) is not None and not undeclared(need, user) and not conflicted_with(need, user, revision)


# Scoring ------------------------------------------------------------------------------------


def moderation_closure(lot: Lot) -> ModerationClosure | None:
    return db.session.scalar(sa.select(ModerationClosure).where(ModerationClosure.lot_id == lot.id))


def sheet_of(bid: Bid, user) -> ScoreSheet | None:
    return db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.bid_id == bid.id, ScoreSheet.user_id == user.id))


def may_score(user, bid: Bid) -> bool:
    revision = counting_revision(bid)
    return (
        revision is not None
        and bid.need.status == NeedStatus.CLOSED
        and moderation_closure(bid.lot) is None
        and may_open(user, bid, revision)
    )


def _check_score(value, part: Part, *, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            raise EvaluationError(f"Choose a score for {part.label.lower()}", f"score_{part.key}")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise EvaluationError(f"The score for {part.label.lower()} must be a whole number from 0 to 4", f"score_{part.key}") from None
    if number not in SCORE_MEANINGS:
        raise EvaluationError(f"The score for {part.label.lower()} must be from 0 to 4", f"score_{part.key}")
    return number


def _open_for_moderation(bid: Bid, now: datetime, what: str) -> BidRevision:
    """The bid's counted revision, while its need is closed and its lot's moderation open."""
    _closed(bid.need, now)
    revision = counting_revision(bid)
    if revision is None:
        raise EvaluationError("This bid does not count: it was withdrawn or not submitted")
    if moderation_closure(bid.lot) is not None:
        raise EvaluationError(f"Moderation of this lot is closed: {what} can no longer be changed")
    return revision


def _checked_parts(need: Need, scores: dict[str, tuple], *, required: bool, text_field: str, empty: str, noun: str) -> dict:
    """{part key: (score, text)} for every part of the need, each score 0-4 (and given when
    `required`) and each text within the word limit (and given when `required`); `empty`
    and `noun` are messages with a {} for the part's name."""
    checked = {}
    for part in parts(need):
        score, text = scores.get(part.key, (None, ""))
        number = _check_score(score, part, required=required)
        name = part.label.lower()
        checked[part.key] = (number, written(
            EvaluationError, text, field=f"{text_field}_{part.key}", noun=noun.format(name),
            limit=JUSTIFICATION_WORD_LIMIT, empty=empty.format(name) if required else None,
        ))
    return checked


def save_sheet(bid: Bid, user, scores: dict[str, tuple], *, submit: bool, now: datetime | None = None) -> ScoreSheet:
    """Save an evaluator's scores for a bid as a draft, or submit them (every part scored
    and justified). Submitted sheets never change."""
    now = now or utcnow()
    need = bid.need
    revision = _open_for_moderation(bid, now, "scores")
    if not may_open(user, bid, revision):
        raise EvaluationError("You cannot score this bid: you are not on the panel, have not declared your interests, or have a conflict")
    sheet = sheet_of(bid, user)
    if sheet is not None and sheet.submitted_at is not None:
        raise EvaluationError("You have already submitted your scores for this bid")
    checked = _checked_parts(
        need, scores, required=submit, text_field="justification",
        empty="Give a justification for your score for {}", noun="The justification for {}",
    )
    if sheet is None:
        sheet = ScoreSheet(bid_id=bid.id, revision_id=revision.id, user_id=user.id, created_at=now)
        db.session.add(sheet)
        db.session.flush()
    sheet.updated_at = now
    for key, (number, justification) in checked.items():
        line = sheet.score_for(key)
        if line is None:
            line = Score(sheet=sheet, part=key)
            db.session.add(line)
        line.score, line.justification = number, justification
    if submit:
        sheet.submitted_at = now
        audit.record(
            "scores.submitted", sheet, actor=user,
            after={"bid_id": bid.id, "revision": revision.number, "scores": {k: v[0] for k, v in checked.items()}},
        )
    db.session.flush()
    return sheet


def expected_scorers(bid: Bid, revision: BidRevision) -> list[PanelMember]:
    """Panel members who must score this bid: all but those who declared a conflict with
    it. A member who has not declared yet is still expected: moderation waits for them (or
    for the commissioner to take them off the panel)."""
    return [m for m in panel(bid.need) if not conflicted_with(bid.need, m.user, revision)]


def counted_sheets(bid: Bid) -> list[ScoreSheet]:
    """Submitted sheets of current panel members (a removed evaluator's sheet is kept but
    no longer counts)."""
    current = {m.user_id for m in panel(bid.need)}
    return [
        s for s in db.session.scalars(
            sa.select(ScoreSheet).where(ScoreSheet.bid_id == bid.id, ScoreSheet.submitted_at.is_not(None)).order_by(ScoreSheet.id)
        ) if s.user_id in current
    ]


def scoring_complete(bid: Bid, revision: BidRevision) -> bool:
    expected = {m.user_id for m in expected_scorers(bid, revision)}
    submitted = {s.user_id for s in counted_sheets(bid)}
    return bool(expected) and expected <= submitted


def may_see_scores(user, bid: Bid) -> bool:
    """Evaluators see each other's scores for a bid only after submitting their own."""
    sheet = sheet_of(bid, user)
    return sheet is not None and sheet.submitted_at is not None


def agreed_scores(bid: Bid) -> dict[str, AgreedScore]:
    return {a.part: a for a in db.session.scalars(sa.select(AgreedScore).where(AgreedScore.bid_id == bid.id))}


def agree_scores(bid: Bid, scores: dict[str, tuple], *, actor, now: datetime | None = None) -> None:
    """Record moderation's agreed score and rationale for every part of a bid."""
    now = now or utcnow()
    need = bid.need
    revision = _open_for_moderation(bid, now, "agreed scores")
    if not scoring_complete(bid, revision):
        raise EvaluationError("Every evaluator on the panel without a conflict must submit their scores for this bid before moderation")
    checked = _checked_parts(
        need, scores, required=True, text_field="rationale",
        empty="Give the rationale for the agreed score for {}", noun="The rationale for {}",
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
        "scores.moderated", bid, actor=actor,
        before=before or None, after={"revision": revision.number, "scores": {k: v[0] for k, v in checked.items()}},
    )


def close_moderation(lot: Lot, *, actor, now: datetime | None = None) -> ModerationClosure:
    """Close moderation of a lot: every bid that has not been rejected has agreed scores."""
    now = now or utcnow()
    _closed(lot.need, now)
    if moderation_closure(lot) is not None:
        raise EvaluationError("Moderation of this lot is already closed")
    entries = lot_bids(lot)
    if not entries:
        raise EvaluationError("There are no bids on this lot to moderate")
    wanted = {p.key for p in parts(lot.need)}
    missing = [b.organisation.name for b, _ in entries if not is_rejected(b) and not wanted <= set(agreed_scores(b))]
    if missing:
        raise EvaluationError("Agree the scores of every bid first: " + ", ".join(missing))
    closure = ModerationClosure(lot_id=lot.id, closed_at=now, closed_by_id=actor.id)
    db.session.add(closure)
    audit.record("moderation.closed", closure, actor=actor, after={"need_id": lot.need_id, "lot": lot.number})
    return closure


# Totals and ranking ---------------------------------------------------------------------------


def lot_bids(lot: Lot) -> list[tuple[Bid, BidRevision]]:
    return [(b, r) for b, r in counting_bids(lot.need) if b.lot_id == lot.id]


@dataclass
class Row:
    """One bid's working: points per part, price points, totals and rank."""

    bid: Bid
    revision: BidRevision
    part_points: list[tuple[Part, int | None, Fraction | None]] = field(default_factory=list)
    price_points: Fraction | None = None
    quality: Fraction | None = None
    total: Fraction | None = None
    rank: int | None = None
    tied: bool = False
    excluded: str | None = None

    @property
    def complete(self) -> bool:
        return self.total is not None

    @property
    def total_2dp(self) -> Decimal | None:
        return None if self.total is None else two(self.total)

    @property
    def quality_2dp(self) -> Decimal | None:
        return None if self.quality is None else two(self.quality)

    @property
    def price_2dp(self) -> Decimal | None:
        return None if self.price_points is None else two(self.price_points)


def lowest_compliant_price(entries: list[tuple[Bid, BidRevision]]) -> int | None:
    prices = [r.price_pence for b, r in entries if not is_rejected(b)]
    return min(prices) if prices else None


def ranking(lot: Lot) -> list[Row]:
    """Every bid on the lot with its working, ranked by total (two decimals), ties broken
    by the higher quality score (quality criteria and social value); rejected bids last,
    unranked. Bids without agreed scores have no total yet."""
    need = lot.need
    entries = lot_bids(lot)
    lowest = lowest_compliant_price(entries)
    price_weight = need.price_weight or 0
    rows = []
    for bid, revision in entries:
        row = Row(bid=bid, revision=revision)
        rows.append(row)
        if is_rejected(bid):
            row.excluded = "Rejected as abnormally low"
            continue
        agreed = agreed_scores(bid)
        quality = Fraction(0)
        complete = True
        for part in parts(need):
            score = agreed[part.key].score if part.key in agreed else None
            points = None if score is None else Fraction(score, 4) * part.weight
            row.part_points.append((part, score, points))
            if points is None:
                complete = False
            else:
                quality += points
        row.price_points = Fraction(lowest, revision.price_pence) * price_weight if lowest else Fraction(0)
        if complete:
            row.quality = quality
            row.total = quality + row.price_points
    ranked = sorted((r for r in rows if r.complete), key=lambda r: (-r.total_2dp, -r.quality_2dp, r.bid.id))
    previous = None
    for position, row in enumerate(ranked, start=1):
        key = (row.total_2dp, row.quality_2dp)
        if previous is not None and key == (previous.total_2dp, previous.quality_2dp):
            row.rank, row.tied, previous.tied = previous.rank, True, True
        else:
            row.rank = position
        previous = row
    others = [r for r in rows if not r.complete]
    return ranked + others


# Abnormally low bids ----------------------------------------------------------------------------


def review_of(bid: Bid) -> LowBidReview | None:
    return db.session.scalar(sa.select(LowBidReview).where(LowBidReview.bid_id == bid.id))


def is_rejected(bid: Bid) -> bool:
    review = review_of(bid) if bid.low_flagged_at is not None else None
    return review is not None and review.outcome == LowBidOutcome.REJECTED


def unresolved_low_bids(lot: Lot) -> list[Bid]:
    return [b for b, _ in lot_bids(lot) if b.low_flagged_at is not None and not ((r := review_of(b)) and r.is_decided)]


def party_users(bid: Bid) -> list[User]:
    """Members of the lead and of the current partners: the people told about the bid."""
    return members_of([bid.organisation_id] + [
        p.organisation_id for p in bid.partners if p.organisation_id and p.removed_at is None and p.declined_at is None
    ])


def request_explanation(bid: Bid, *, request: str, respond_by: date, actor, now: datetime | None = None) -> LowBidReview:
    """Ask the bidder of a flagged bid to explain its price, by a day at least 2 working
    days away (the answer is due by the end of that day, London time)."""
    now = now or utcnow()
    _closed(bid.need, now)
    if bid.low_flagged_at is None:
        raise EvaluationError("This bid was not flagged as abnormally low")
    if review_of(bid) is not None:
        raise EvaluationError("An explanation has already been requested for this bid")
    request = written(
        EvaluationError, request, field="request", noun="The request", limit=REASONS_WORD_LIMIT,
        empty="Enter what the bidder should explain",
    )
    earliest = earliest_respond_by(now)
    if respond_by < earliest:
        raise EvaluationError(
            f"Give the bidder at least {EXPLANATION_WORKING_DAYS} working days: the date must be "
            f"{earliest:%-d %B %Y} or later", "respond_by",
        )
    if respond_by > london_date(now) + timedelta(days=60):
        raise EvaluationError("The date must be within 60 days", "respond_by")
    review = LowBidReview(
        bid_id=bid.id, requested_at=now, requested_by_id=actor.id, request=request,
        respond_by=_end_of_working_day(respond_by),
    )
    db.session.add(review)
    audit.record("low_bid.explanation_requested", review, actor=actor, after={"bid_id": bid.id, "respond_by": respond_by.isoformat()})
    for user in party_users(bid):
        queue_email(
            user.email, f"Explain your price for {bid.need.title}", "low_bid_request",
            user=user, bid=bid, review=review, respond_by=respond_by,
            link=external_url("evaluation.explain", bid_id=bid.id),
        )
    return review


def explain(review: LowBidReview, *, text: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    if review.responded_at is not None:
        raise EvaluationError("You have already sent your explanation")
    if review.is_decided:
        raise EvaluationError("The commissioner has already decided on this bid")
    if now >= review.respond_by:
        raise EvaluationError("The time to explain this bid's price has passed")
    text = written(
        EvaluationError, text, field="response", noun="Your explanation", limit=REASONS_WORD_LIMIT, empty="Enter your explanation"
    )
    review.response, review.responded_at, review.responded_by_id = text, now, actor.id
    audit.record("low_bid.explained", review, actor=actor, after={"bid_id": review.bid_id})
    requester = db.session.get(User, review.requested_by_id)
    queue_email(
        requester.email, f"Explanation received: {review.bid.organisation.name}", "low_bid_explained",
        user=requester, bid=review.bid, link=external_url("evaluation.low_bid", need_id=review.bid.need_id, bid_id=review.bid_id),
    )


def decide_low_bid(review: LowBidReview, *, accept: bool, reason: str, actor, now: datetime | None = None) -> None:
    """Accept the explanation (the bid stays in) or reject the bid, with reasons; only once
    the bidder has answered or its window has passed."""
    now = now or utcnow()
    _closed(review.bid.need, now)
    if review.is_decided:
        raise EvaluationError("This bid has already been decided")
    if review.responded_at is None and now < review.respond_by:
        raise EvaluationError(
            f"Wait for the bidder's explanation: it has until {london(review.respond_by)}"
        )
    reason = written(
        EvaluationError, reason, field="reason", noun="The reasons", limit=REASONS_WORD_LIMIT,
        empty="Enter the reasons for your decision",
    )
    if moderation_closure(review.bid.lot) is not None and not accept:
        raise EvaluationError("Moderation of this lot is closed: a bid can no longer be rejected")
    review.outcome = LowBidOutcome.ACCEPTED if accept else LowBidOutcome.REJECTED
    review.outcome_reason, review.decided_at, review.decided_by_id = reason, now, actor.id
    audit.record("low_bid.decided", review, actor=actor, after={"bid_id": review.bid_id, "outcome": review.outcome.value}, reason=reason)


# Award -----------------------------------------------------------------------------------------------


def area_threshold(area) -> int:
    """The area's own sign-off threshold, else its region's, else SIGN_OFF_THRESHOLD_POUNDS."""
    for candidate in (area, area.parent):
        if candidate is not None and candidate.sign_off_threshold_pence is not None:
            return candidate.sign_off_threshold_pence
    return current_app.config["SIGN_OFF_THRESHOLD_PENCE"]


def sign_off_threshold(need: Need) -> int:
    return area_threshold(need.area)


def current_decision(lot: Lot) -> AwardDecision | None:
    return db.session.scalar(
        sa.select(AwardDecision).where(AwardDecision.lot_id == lot.id, AwardDecision.refused_at.is_(None))
    )


def decisions(lot: Lot) -> list[AwardDecision]:
    return db.session.scalars(sa.select(AwardDecision).where(AwardDecision.lot_id == lot.id).order_by(AwardDecision.id)).all()


def award_problems(lot: Lot, bid: Bid | None) -> list[str]:
    """Why this lot cannot be awarded (to this bid) now: empty when it can."""
    problems = []
    if moderation_closure(lot) is None:
        problems.append(MODERATION_OPEN)
    for flagged in unresolved_low_bids(lot):
        problems.append(f"Resolve the abnormally low bid from {flagged.organisation.name} first")
    if bid is not None:
        if bid.lot_id != lot.id or counting_revision(bid) is None:
            problems.append("Choose a bid on this lot")
        elif is_rejected(bid):
            problems.append("This bid was rejected as abnormally low")
    return problems


def awardable(lot: Lot, rows: list[Row]) -> list[Row]:
    """The rows of the lot's ranking whose bid may be chosen for the award: ranked and not
    excluded, and none while the lot's moderation is open (the scores are not final)."""
    if moderation_closure(lot) is None:
        return []
    return [row for row in rows if row.rank is not None and not row.excluded]


def unchosen_message(lot: Lot) -> str:
    """What a decision that names none of the choices (a bid, or "do not award") is told.
    While the lot's moderation is open no bid can be chosen (see awardable), so closing
    moderation is what to do first, not choosing a bid."""
    if moderation_closure(lot) is None:
        return MODERATION_OPEN
    return "Select the bid to award the lot to, or that the lot is not awarded"


def decide(lot: Lot, *, bid: Bid | None, reasons: str, actor, now: datetime | None = None) -> AwardDecision:
    """Award the lot to `bid`, or (bid None) decide not to award it, with reasons. Takes
    effect at once unless an award is over the area's sign-off threshold."""
    now = now or utcnow()
    need = _lock_for_award(lot.need)
    _closed(need, now)
    existing = current_decision(lot)
    if existing is not None:
        if existing.is_waiting_for_sign_off:
            raise EvaluationError("A decision on this lot is waiting for a board member's sign-off")
        raise EvaluationError("This lot has already been decided")
    if bid is not None:
        # Before the reasons: while moderation is open no reasons would let it through.
        problems = award_problems(lot, bid)
        if problems:
            raise EvaluationError(problems[0], "bid_id")
    reasons = written(
        EvaluationError, reasons, field="reasons", noun="The reasons", limit=REASONS_WORD_LIMIT,
        empty="Enter the reasons for the decision",
    )
    outcome = AwardOutcome.AWARD if bid is not None else AwardOutcome.NOT_AWARDED
    decision = AwardDecision(
        lot_id=lot.id, outcome=outcome, bid_id=bid.id if bid else None, reasons=reasons,
        decided_at=now, decided_by_id=actor.id,
        needs_sign_off=outcome == AwardOutcome.AWARD and lot.value_pence > sign_off_threshold(need),
    )
    db.session.add(decision)
    audit.record(
        "award.decided", decision, actor=actor, reason=reasons,
        after={"need_id": need.id, "lot": lot.number, "outcome": outcome.value, "bid_id": decision.bid_id,
               "needs_sign_off": decision.needs_sign_off},
    )
    if decision.needs_sign_off:
        for user in board_members(need):
            queue_email(
                user.email, f"Sign-off needed: {need.title}, lot {lot.number}", "award_sign_off_needed",
                user=user, need=need, lot=lot, decision=decision,
                link=external_url("evaluation.sign_off", decision_id=decision.id),
            )
    else:
        _take_effect(decision, now)
    return decision


def _lock_for_award(need: Need) -> Need:
    """Lock the need (SELECT ... FOR UPDATE on PostgreSQL) before an award decision or a
    sign-off, so two at once (a double click, two tabs, two board members, two lots ending
    the need) act one after the other: the second sees what the first did."""
    return lock_need(need.id)


def board_members(need: Need) -> list[User]:
    return area_staff(Role.BOARD_MEMBER, need.area)


def waiting_for_sign_off(user) -> list[AwardDecision]:
    """Decisions waiting for sign-off in the areas where `user` is a board member."""
    decisions_ = db.session.scalars(
        sa.select(AwardDecision).where(
            AwardDecision.needs_sign_off.is_(True), AwardDecision.signed_off_at.is_(None), AwardDecision.refused_at.is_(None)
        ).order_by(AwardDecision.decided_at)
    ).all()
    return [d for d in decisions_ if user.has_area_role(Role.BOARD_MEMBER, d.lot.need.area)]


def sign_off(decision: AwardDecision, *, approve: bool, comment: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _lock_for_award(decision.lot.need)
    db.session.refresh(decision)
    if not decision.is_waiting_for_sign_off:
        raise EvaluationError("This decision is not waiting for sign-off")
    comment = written(
        EvaluationError, comment, field="comment", noun="The comment", limit=REASONS_WORD_LIMIT,
        empty=None if approve else "Enter why you do not approve the decision",
    )
    need = decision.lot.need
    if approve:
        decision.signed_off_at, decision.signed_off_by_id, decision.sign_off_comment = now, actor.id, comment or None
        audit.record("award.signed_off", decision, actor=actor, after={"need_id": need.id, "lot": decision.lot.number}, reason=comment or None)
        _take_effect(decision, now)
    else:
        decision.refused_at, decision.refused_by_id, decision.refusal_reason = now, actor.id, comment
        audit.record("award.sign_off_refused", decision, actor=actor, after={"need_id": need.id, "lot": decision.lot.number}, reason=comment)
    commissioner = decision.decided_by
    queue_email(
        commissioner.email,
        f"{'Approved' if approve else 'Not approved'}: {need.title}, lot {decision.lot.number}",
        "award_sign_off_result",
        user=commissioner, need=need, decision=decision, approve=approve, comment=comment,
        link=external_url("evaluation.overview", need_id=need.id),
    )


def _take_effect(decision: AwardDecision, now: datetime) -> None:
    """Send every bidder of the lot its summary, start standstill, and end the need once
    every lot is decided."""
    lot = decision.lot
    need = lot.need
    decision.summaries_sent_at = now
    if decision.outcome == AwardOutcome.AWARD and need.procedure != Procedure.GRANT:
        decision.standstill_ends_at = standstill_end(now)
    rows = ranking(lot)
    for row in rows:
        content = summary_content(decision, row, rows)
        summary = AssessmentSummary(decision_id=decision.id, bid_id=row.bid.id, content=content, sent_at=now)
        db.session.add(summary)
        db.session.flush()
        for user in party_users(row.bid):
            queue_email(
                user.email, f"The outcome of your bid for {need.title}, lot {lot.number}", "assessment_summary",
                user=user, need=need, lot=lot, summary=content,
                link=external_url("evaluation.summary", bid_id=row.bid.id),
            )
    audit.record(
        "award.took_effect", decision, actor=None,
        after={"need_id": need.id, "lot": lot.number, "summaries": len(rows),
               "standstill_ends_at": decision.standstill_ends_at.isoformat() if decision.standstill_ends_at else None},
    )
    _end_need_when_decided(need, now)


def _end_need_when_decided(need: Need, now: datetime) -> None:
    current = [current_decision(lot) for lot in need.lots]
    if not all(d is not None and d.is_effective for d in current):
        return
    status = NeedStatus.AWARDED if any(d.outcome == AwardOutcome.AWARD for d in current) else NeedStatus.NOT_AWARDED
    before = need.transition_to(status, at=now)
    audit.record(f"need.{status.value}", need, actor=None, before={"status": before.value}, after={"status": status.value})


def _points(value) -> str | None:
    return None if value is None else str(two(value))


def summary_content(decision: AwardDecision, row: Row, rows: list[Row]) -> dict:
    """What one bidder is told, as plain JSON (frozen in AssessmentSummary)."""
    lot = decision.lot
    need = lot.need
    winner = next((r for r in rows if decision.bid_id is not None and r.bid.id == decision.bid_id), None)
    ranked = [r for r in rows if r.rank is not None]

    def breakdown(r: Row) -> list[dict]:
        agreed = agreed_scores(r.bid)
        return [
            {"label": part.label, "question": part.question, "weight": part.weight, "score": score,
             "points": _points(points), "rationale": agreed[part.key].rationale if part.key in agreed else None}
            for part, score, points in r.part_points
        ]

    if decision.outcome == AwardOutcome.NOT_AWARDED:
        result, why = "not_awarded", "The lot was not awarded. " + decision.reasons
    elif winner is row:
        # The commissioner may choose a bid that is not ranked first (a tie, or reasons given).
        result, why = "won", ("Your bid had the highest total score. " if row.rank == 1 else "Your bid was chosen. ") + decision.reasons
    elif row.excluded:
        review = review_of(row.bid)
        result, why = "rejected", "Your bid was rejected as abnormally low. " + (review.outcome_reason if review else "")
    else:
        result = "not_won"
        if row.total is not None and winner is not None and winner.total is not None:
            # Compared as shown (two decimals): a tie or a higher total must not be called lower.
            ours, theirs = two(row.total), two(winner.total)
            compared = "lower than" if ours < theirs else ("the same as" if ours == theirs else "higher than")
            why = f"Your total of {_points(row.total)} points was {compared} the winning bid's {_points(winner.total)}."
        else:
            why = "Your bid did not win."
        why += " " + decision.reasons
    return {
        "need": {"id": need.id, "title": need.title},
        "lot": {"id": lot.id, "number": lot.number, "title": lot.title},
        "outcome": decision.outcome.value,
        "result": result,
        "why": why.strip(),
        "reasons": decision.reasons,
        "bid": {
            "organisation": row.bid.organisation.name,
            "price_pence": row.revision.price_pence,
            "parts": breakdown(row),
            "price_points": _points(row.price_points),
            "quality_points": _points(row.quality),
            "total_points": _points(row.total),
            "rank": row.rank,
        },
        "ranked_bids": len(ranked),
        "price_weight": need.price_weight or 0,
        "lowest_price_pence": lowest_compliant_price([(r.bid, r.revision) for r in rows]),
        "winner": None if winner is None else {
            "organisation": winner.bid.organisation.name,
            "price_pence": winner.revision.price_pence,
            "parts": [{k: v for k, v in p.items() if k != "rationale"} for p in breakdown(winner)],
            "price_points": _points(winner.price_points),
            "quality_points": _points(winner.quality),
            "total_points": _points(winner.total),
        },
        "standstill_ends_at": decision.standstill_ends_at.isoformat() if decision.standstill_ends_at else None,
    }


def summaries_for(bid: Bid) -> list[AssessmentSummary]:
    return db.session.scalars(
        sa.select(AssessmentSummary).where(AssessmentSummary.bid_id == bid.id).order_by(AssessmentSummary.id)
    ).all()


def standstill_over(decision: AwardDecision, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return decision.standstill_ends_at is None or now >= decision.standstill_ends_at


def evaluations_for(user) -> list[Need]:
    """Closed needs on whose panel `user` sits (the evaluator's home)."""
    return db.session.scalars(
        sa.select(Need).join(PanelMember, PanelMember.need_id == Need.id).where(
            PanelMember.user_id == user.id, PanelMember.removed_at.is_(None)
        ).order_by(Need.closes_at.desc())
    ).all()


def party_bid_ids(user) -> set[int]:
    """Bids whose parties include one of the user's organisations (for summaries)."""
    organisation_ids = [m.organisation_id for m in user.organisation_memberships()]
    if not organisation_ids:
        return set()
    partner = sa.select(BidPartner.bid_id).where(
        BidPartner.organisation_id.in_(organisation_ids), BidPartner.removed_at.is_(None), BidPartner.declined_at.is_(None)
    )
    return set(db.session.scalars(sa.select(Bid.id).where(sa.or_(Bid.organisation_id.in_(organisation_ids), Bid.id.in_(partner)))))
