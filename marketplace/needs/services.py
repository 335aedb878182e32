"""The rules of needs. Functions take the acting user, change state, record audit events,
queue emails and flush; the view commits once."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..extensions import db
from ..money import MAX_PENCE, format_pounds, split_pence
from ..notifications import external_url, queue_email
from ..reference.models import Area, AreaKind, DesiredOutcome
from ..timeutil import LONDON, london, london_date, utcnow
from ..workdays import (
    add_working_days,
    next_working_day,
    why_not_working_day,
    working_days_between,
)
from . import changes
from .models import (
    Amendment,
    Condition,
    Criterion,
    Follow,
    InvalidTransition,
    Lot,
    Milestone,
    Need,
    NeedStatus,
    Procedure,
    Question,
    QuestionVisibility,
    Reservation,
)

MIN_WORKING_DAYS_OPEN = 10
AMENDMENT_MIN_WORKING_DAYS = 5
MAX_CRITERIA = 5
MAX_WORD_LIMIT = 500
MIN_SOCIAL_VALUE = 10
MAX_PRICE_WEIGHT = 40
MAX_ADVANCE = 25


class NeedError(Exception):
    """A rule was broken; the message is fit to show the user. `field`, when given, is
    the form field the message belongs by (e.g. "reason")."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Problem:
    """One reason a need cannot be published, linked to the section that fixes it."""

    section: str
    message: str


# Areas ---------------------------------------------------------------------------------


def allowed_pdus(area: Area) -> list[Area]:
    """The PDUs a need of this area may cover: the PDU itself, or a region's PDUs."""
    if area.kind == AreaKind.PDU:
        return [area]
    return [pdu for pdu in area.children if pdu.is_current()]


def reservation_threshold_pence() -> int:
    return current_app.config["RESERVATION_THRESHOLD_PENCE"]


# Drafting ------------------------------------------------------------------------------


def create_need(*, area: Area, title: str, actor) -> Need:
    need = Need(area=area, title=title, created_by_id=actor.id, conditions=[])
    if area.kind == AreaKind.PDU:
        need.pdus = [area]
    db.session.add(need)
    db.session.flush()
    audit.record("need.created", need, actor=actor, after={"title": title, "area": area.code})
    return need


def snapshot(need: Need) -> dict:
    """Everything a bidder relies on, as plain JSON, to compare before and after a change."""
    return {
        "title": need.title,
        "summary": need.summary,
        "pdus": sorted(a.code for a in need.pdus),
        "category": need.category.code if need.category else None,
        "outcomes": sorted(o.code for o in need.outcomes),
        "cohort": need.cohort,
        "expected_people": need.expected_people,
        "duration_months": need.duration_months,
        "procedure": need.procedure.value if need.procedure else None,
        "lots": [
            {
                "id": lot.id, "title": lot.title, "description": lot.description,
                "value_pence": lot.value_pence, "reservation": lot.reservation.value,
            }
            for lot in need.lots
        ],
        "criteria": {
            "questions": [{"question": c.question, "weight": c.weight, "word_limit": c.word_limit} for c in need.criteria],
            "social_value_weight": need.social_value_weight,
            "price_weight": need.price_weight,
        },
        "conditions": sorted(need.conditions or []),
        "payment": {
            "advance_percent": need.advance_percent,
            "milestones": [{"title": m.title, "percent": m.percent, "due_month": m.due_month} for m in need.milestones],
        },
        "question_deadline": need.question_deadline.isoformat() if need.question_deadline else None,
        "closes_at": need.closes_at.isoformat() if need.closes_at else None,
        "cost_floor_per_person_pence": need.cost_floor_per_person_pence,
        "documents": sorted(
            ({"filename": d.filename, "sha256": d.sha256} for d in need.documents if d.removed_at is None),
            key=lambda d: (d["filename"], d["sha256"]),
        ),
    }


SECTION_KEYS = {
    "about": ("title", "summary", "pdus", "category", "outcomes", "cohort", "expected_people", "duration_months", "procedure"),
    "lots": ("lots",),
    "criteria": ("criteria",),
    "conditions": ("conditions", "cost_floor_per_person_pence"),
    "payment": ("payment",),
    "dates": ("question_deadline", "closes_at"),
    "documents": ("documents",),
}


def update_about(need: Need, *, title, summary, pdus, category, outcomes, cohort, expected_people, duration_months, procedure) -> None:
    allowed = {a.id for a in allowed_pdus(need.area)}
    if any(p.id not in allowed for p in pdus):
        raise NeedError(f"Choose delivery units in {need.area.label}")
    if category is not None and any(o.category_id != category.id for o in outcomes):
        raise NeedError("Choose outcomes from the service category you chose")
    need.title = title
    need.summary = summary
    need.pdus = list(pdus)
    need.category = category
    need.outcomes = list(outcomes)
    need.cohort = cohort
    need.expected_people = expected_people
    need.duration_months = duration_months
    need.procedure = Procedure(procedure) if procedure else None


def _check_reservation(value_pence: int, reservation: Reservation) -> None:
    if reservation != Reservation.NONE and value_pence >= reservation_threshold_pence():
        raise NeedError(
            "A lot can be reserved only when its value is below "
            f"{format_pounds(reservation_threshold_pence(), whole=True)}"
        )


def save_lot(need: Need, *, title, description, value_pence, reservation: Reservation, lot: Lot | None = None) -> Lot:
    if not 0 < value_pence <= MAX_PENCE:
        raise NeedError(f"Enter a budget between £0.01 and {format_pounds(MAX_PENCE, whole=True)}")
    _check_reservation(value_pence, reservation)
    if lot is None:
        lot = Lot(number=len(need.lots) + 1)
        need.lots.append(lot)
    lot.title, lot.description, lot.value_pence, lot.reservation = title, description, value_pence, reservation
    _recalculate_value(need)
    return lot


def remove_lot(need: Need, lot: Lot) -> None:
    from ..bids.models import Bid

    if db.session.scalar(sa.select(sa.exists().where(Bid.lot_id == lot.id))):
        raise NeedError(
            f"Providers have started bids on lot {lot.number}, so it cannot be removed. "
            "Change the lot instead, or cancel the need"
        )
    need.lots.remove(lot)
    db.session.flush()
    for number, remaining in enumerate(need.lots, start=1):
        remaining.number = number
    _recalculate_value(need)


def _recalculate_value(need: Need) -> None:
    need.value_pence = sum(lot.value_pence for lot in need.lots)


def save_criterion(need: Need, *, question, weight, word_limit, criterion: Criterion | None = None) -> Criterion:
    if criterion is None:
        if len(need.criteria) >= MAX_CRITERIA:
            raise NeedError(f"A need can have at most {MAX_CRITERIA} quality questions")
        criterion = Criterion(number=len(need.criteria) + 1)
        need.criteria.append(criterion)
    if not 1 <= word_limit <= MAX_WORD_LIMIT:
        raise NeedError(f"Word limit must be {MAX_WORD_LIMIT} or fewer")
    criterion.question, criterion.weight, criterion.word_limit = question, weight, word_limit
    return criterion


def remove_criterion(need: Need, criterion: Criterion) -> None:
    need.criteria.remove(criterion)
    db.session.flush()
    for number, remaining in enumerate(need.criteria, start=1):
        remaining.number = number


def set_weights(need: Need, *, social_value_weight: int, price_weight: int) -> None:
    if social_value_weight < MIN_SOCIAL_VALUE:
        raise NeedError(f"Social value must be weighted at least {MIN_SOCIAL_VALUE}%")
    if not 0 <= price_weight <= MAX_PRICE_WEIGHT:
        raise NeedError(f"Price must be weighted {MAX_PRICE_WEIGHT}% or less")
    need.social_value_weight, need.price_weight = social_value_weight, price_weight


def set_conditions(need: Need, *, conditions: list[str], cost_floor_per_person_pence: int | None) -> None:
    unknown = [c for c in conditions if c not in Condition._value2member_map_]
    if unknown:
        raise NeedError("Choose conditions from the list")
    need.conditions = sorted(set(conditions))
    need.cost_floor_per_person_pence = cost_floor_per_person_pence


def set_payment_profile(need: Need, *, advance_percent: int, milestones: list[tuple[str, int, int]]) -> None:
    """Replace the payment profile: an advance and (title, percent, due month) milestones."""
    if not 0 <= advance_percent <= MAX_ADVANCE:
        raise NeedError(f"The advance must be between 0% and {MAX_ADVANCE}%")
    if not milestones:
        raise NeedError("Add at least one milestone")
    total = advance_percent + sum(percent for _, percent, _ in milestones)
    if total != 100:
        raise NeedError(f"The advance and milestones must add up to 100%, not {total}%")
    need.advance_percent = advance_percent
    need.milestones.clear()
    db.session.flush()
    for number, (title, percent, due_month) in enumerate(milestones, start=1):
        need.milestones.append(Milestone(number=number, title=title, percent=percent, due_month=due_month))


def payment_schedule(need: Need, lot: Lot) -> list[tuple[str, int]]:
    """What a lot pays, in pence, at each step: advance first, then each milestone. Sums
    exactly to the lot's value."""
    steps = ([("Advance at contract start", need.advance_percent)] if need.advance_percent else []) + [
        (m.title, m.percent) for m in need.milestones
    ]
    if sum(p for _, p in steps) != 100:
        return []
    amounts = split_pence(lot.value_pence, [p for _, p in steps])
    return [(title, amount) for (title, _), amount in zip(steps, amounts)]


def earliest_closing_date(published: datetime) -> datetime:
    """The earliest closing day for a need published at `published`: 10 working days on."""
    return add_working_days(london_date(published), MIN_WORKING_DAYS_OPEN)


def date_problems(need: Need, *, question_deadline: datetime, closes_at: datetime, now: datetime | None = None) -> list[tuple[str, str]]:
    """Every rule the dates break, as (field, message) with field "question_deadline" or
    "closes_at":
    - both in the future, questions before closing;
    - each on a working day (weekends and England and Wales bank holidays excluded), with
      the next working day suggested;
    - a draft closes at least 10 working days after publication (if published today);
    - once published, neither moves earlier: a provider keeps the time it was promised.
    A time left as it was is not judged again (an open need's passed question deadline
    may stay while the closing time moves)."""
    now = now or utcnow()
    found: list[tuple[str, str]] = []
    published = need.published_at is not None
    for field, moment, current, noun, day_noun in (
        ("question_deadline", question_deadline, need.question_deadline, "question deadline", "question deadline"),
        ("closes_at", closes_at, need.closes_at, "closing time", "closing date"),
    ):
        if moment == current:
            continue
        if moment <= now:
            found.append((field, f"The {day_noun} must be in the future"))
            continue
        if published and current is not None and moment < current:
            found.append((
                field,
                f"The {noun} cannot be brought forward once the need is published: providers were told "
                f"{london(current)}. Choose that time or later",
            ))
            continue
        day = london_date(moment)
        reason = why_not_working_day(day)
        if reason:
            suggested = next_working_day(day)
            found.append((
                field,
                f"The {day_noun} must be on a working day. {day.day} {day:%B %Y} is {reason}: "
                f"the next working day is {suggested:%A} {suggested.day} {suggested:%B %Y}",
            ))
    if question_deadline > closes_at:
        found.append(("question_deadline", "The question deadline must be before the closing time"))
    if not published and closes_at > now:
        earliest = earliest_closing_date(now)
        if london_date(closes_at) < earliest:
            found.append((
                "closes_at",
                f"The closing date must be at least {MIN_WORKING_DAYS_OPEN} working days after publication: "
                f"if you publish today, {earliest.day} {earliest:%B %Y} or later",
            ))
    return found


def set_dates(need: Need, *, question_deadline: datetime, closes_at: datetime, now: datetime | None = None) -> None:
    found = date_problems(need, question_deadline=question_deadline, closes_at=closes_at, now=now)
    if found:
        raise NeedError(found[0][1])
    need.question_deadline, need.closes_at = question_deadline, closes_at


def record_draft_change(need: Need, *, before: dict, actor, section: str) -> bool:
    """Audit what a save changed on a draft need (an open need gets an Amendment instead).
    `before` is services.snapshot(need) taken before the change. False when nothing changed."""
    after = snapshot(need)
    changed = [key for key in after if before.get(key) != after[key]]
    if not changed:
        return False
    audit.record(
        "need.edited",
        need,
        actor=actor,
        before={key: before.get(key) for key in changed},
        after={key: after[key] for key in changed},
        reason=f"Draft section saved: {section}",
    )
    return True



# Publishing ----------------------------------------------------------------------------


def problems(need: Need, now: datetime | None = None) -> list[Problem]:
    """Everything that stops the need being published, all at once, in page order."""
    now = now or utcnow()
    found: list[Problem] = []

    def need_(condition, section, message):
        if not condition:
            found.append(Problem(section, message))

    need_(need.summary, "about", "Enter a summary of the need")
    need_(need.pdus, "about", "Choose the probation delivery units the need covers")
    need_(need.category_id, "about", "Choose a service category")
    need_(need.outcomes, "about", "Choose at least one desired outcome")
    need_(need.cohort, "about", "Say who the service is for (the cohort)")
    need_(need.expected_people, "about", "Enter the expected number of people")
    need_(need.duration_months, "about", "Enter how long the service runs")
    need_(need.procedure, "about", "Choose grant or contract")
    need_(need.lots, "lots", "Add at least one lot")
    for lot in need.lots:
        if lot.reservation != Reservation.NONE and lot.value_pence >= reservation_threshold_pence():
            found.append(Problem("lots", f"Lot {lot.number} is reserved but its value is not below the threshold"))
    need_(1 <= len(need.criteria) <= MAX_CRITERIA, "criteria", f"Add 1 to {MAX_CRITERIA} quality questions")
    need_(need.social_value_weight is not None, "criteria", "Enter the weight for social value")
    need_(need.price_weight is not None, "criteria", "Enter the weight for price")
    if need.social_value_weight is not None and need.price_weight is not None and need.criteria:
        need_(need.total_weight == 100, "criteria", f"The weights must add up to 100%, not {need.total_weight}%")
    need_(need.milestones, "payment", "Set the payment profile")
    if need.milestones:
        total = need.advance_percent + sum(m.percent for m in need.milestones)
        need_(total == 100, "payment", f"The advance and milestones must add up to 100%, not {total}%")
    need_(need.closes_at, "dates", "Set the question deadline and closing time")
    if need.closes_at:
        earliest = earliest_closing_date(now)
        need_(
            london_date(need.closes_at) >= earliest,
            "dates",
            f"The closing time must be at least {MIN_WORKING_DAYS_OPEN} working days after publication: "
            f"{earliest.day} {earliest:%B %Y} or later",
        )
        need_(need.question_deadline and need.question_deadline > now, "dates", "The question deadline must be in the future")
    return found


def publish_need(need: Need, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    found = problems(need, now)
    if found:
        raise NeedError(found[0].message)
    need.transition_to(NeedStatus.OPEN, at=now)
    # Saved searches are matched by the daily digest command, from published_at.
    audit.record("need.published", need, actor=actor, before={"status": "draft"}, after={"status": "open", "closes_at": need.closes_at.isoformat()})


# Amendments ----------------------------------------------------------------------------


def amend_need(
    need: Need, *, before: dict, actor, reason: str, correction: bool = False, now: datetime | None = None
) -> Amendment | None:
    """Record what an edit changed on a published need, return the bids it affects to
    reconfirmation, move the closing time if it is now too near, and tell everyone
    interested. `before` is snapshot(need) taken before the edit was applied. Returns None
    when nothing changed.

    A change to one lot returns only that lot's bids; a change to what every bidder
    answers returns every bid (needs/changes.py). A correction, a change of wording the
    commissioner records as affecting no bid, returns none and keeps the closing time."""
    now = now or utcnow()
    if need.status_at(now) != NeedStatus.OPEN:
        raise NeedError("Only an open need can be amended")
    after = snapshot(need)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if not changed:
        return None
    if not reason or not reason.strip():
        raise NeedError("Enter the reason for the change", field="reason")
    fields = changes.field_changes(before, after)
    if correction:
        beyond = changes.not_a_correction(fields)
        if beyond is not None:
            raise NeedError(
                f"A correction can only change wording. This also changes {beyond.label}: untick the "
                "correction box to record it as a change that bidders must take into account",
                field="correction",
            )
        all_lots, lot_ids = False, set()
    else:
        all_lots, lot_ids = changes.lots_affected(fields)
    closes_before = need.closes_at
    if not correction and working_days_between(london_date(now), london_date(need.closes_at)) < AMENDMENT_MIN_WORKING_DAYS:
        new_day = add_working_days(london_date(now), AMENDMENT_MIN_WORKING_DAYS)
        clock = need.closes_at.astimezone(LONDON).time()
        need.closes_at = datetime.combine(new_day, clock, tzinfo=LONDON).astimezone(closes_before.tzinfo)
    amendment = Amendment(
        need=need,
        made_at=now,
        made_by_id=actor.id,
        reason=reason.strip(),
        changes=changed,
        correction=correction,
        affects_all_lots=all_lots,
        lots=[lot for lot in need.lots if lot.id in lot_ids],
        material=all_lots or bool(lot_ids),
        closes_at_before=closes_before,
        closes_at_after=need.closes_at,
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        "need.corrected" if correction else "need.amended",
        need,
        actor=actor,
        before={k: v["before"] for k, v in changed.items()},
        after={k: v["after"] for k, v in changed.items()},
        reason=amendment.reason,
    )
    for user in interested_users(need):
        queue_email(
            user.email,
            f"{'Correction' if correction else 'Change'} to {need.title}",
            "need_amended",
            user=user,
            need=need,
            amendment=amendment,
            fields=fields,
            closing=london(need.closes_at),
            moved=closes_before != need.closes_at,
            link=external_url("needs.show_need", need_id=need.id, _anchor="amendments"),
        )
    return amendment


def interested_users(need: Need) -> list:
    """Everyone to tell about a change: followers, and members of every organisation with
    a bid on the need (draft or submitted, lead or partner)."""
    from ..accounts.models import User
    from ..bids.services import bidder_users

    users = list(db.session.scalars(
        sa.select(User).join(Follow, Follow.user_id == User.id).where(Follow.need_id == need.id, Follow.ended_at.is_(None))
    ).all()) + list(bidder_users(need))
    seen, result = set(), []
    for user in users:
        if user.id not in seen and user.is_active:
            seen.add(user.id)
            result.append(user)
    return result


# Withdraw and cancel -------------------------------------------------------------------


def _end(need: Need, status: NeedStatus, action: str, *, actor, reason: str, now: datetime | None) -> None:
    now = now or utcnow()
    if not reason or not reason.strip():
        raise NeedError("Enter the reason")
    try:
        previous = need.transition_to(status, at=now)
    except InvalidTransition as error:
        raise NeedError(str(error)) from None
    need.end_reason = reason.strip()
    audit.record(action, need, actor=actor, before={"status": previous.value}, after={"status": status.value}, reason=need.end_reason)
    for user in interested_users(need):
        queue_email(
            user.email,
            f"{need.title} has been {status.label.lower()}",
            "need_ended",
            user=user,
            need=need,
            status=status,
            reason=need.end_reason,
            link=external_url("needs.show_need", need_id=need.id),
        )


def withdraw_need(need: Need, *, actor, reason: str, now: datetime | None = None) -> None:
    _end(need, NeedStatus.WITHDRAWN, "need.withdrawn", actor=actor, reason=reason, now=now)


def cancel_need(need: Need, *, actor, reason: str, now: datetime | None = None) -> None:
    _end(need, NeedStatus.CANCELLED, "need.cancelled", actor=actor, reason=reason, now=now)


# Following -----------------------------------------------------------------------------


def current_follow(need: Need, user) -> Follow | None:
    return db.session.scalar(
        sa.select(Follow).where(Follow.need_id == need.id, Follow.user_id == user.id, Follow.ended_at.is_(None))
    )


def follow_need(need: Need, *, actor) -> Follow:
    existing = current_follow(need, actor)
    if existing is not None:
        return existing
    follow = Follow(need_id=need.id, user_id=actor.id)
    db.session.add(follow)
    db.session.flush()
    audit.record("need.followed", follow, actor=actor, after={"need_id": need.id})
    return follow


def unfollow_need(need: Need, *, actor) -> None:
    follow = current_follow(need, actor)
    if follow is not None:
        follow.ended_at = utcnow()
        audit.record("need.unfollowed", follow, actor=actor, after={"need_id": need.id})


# Questions -----------------------------------------------------------------------------


def ask_question(need: Need, *, organisation, actor, text: str, now: datetime | None = None) -> Question:
    """`now` is when the question reached us (the view passes arrival.request_received_at()):
    checked against the question deadline as it stands, with the need locked."""
    from ..bids.services import lock_need

    now = now or utcnow()
    need = lock_need(need.id)
    if actor.role_in(organisation) is None:
        raise NeedError("You can ask only for an organisation you belong to")
    if need.status_at(now) != NeedStatus.OPEN:
        raise NeedError("Questions can be asked only while the need is open")
    if now >= need.question_deadline:
        raise NeedError(f"The deadline for questions was {london(need.question_deadline)}")
    question = Question(need_id=need.id, organisation_id=organisation.id, asked_by_id=actor.id, text=text, asked_at=now)
    db.session.add(question)
    db.session.flush()
    audit.record("question.asked", question, actor=actor, after={"need_id": need.id})
    follow_need(need, actor=actor)
    return question


def answer_question(question: Question, *, actor, answer: str, publish: bool, now: datetime | None = None) -> None:
    now = now or utcnow()
    if question.answered_at is not None:
        raise NeedError("This question has already been answered")
    question.answer = answer
    question.answered_at = now
    question.answered_by_id = actor.id
    question.visibility = QuestionVisibility.PUBLISHED if publish else QuestionVisibility.PRIVATE
    audit.record("question.answered", question, actor=actor, after={"visibility": question.visibility.value})
    need = question.need
    link = external_url("needs.show_need", need_id=need.id, _anchor="questions")
    recipients = interested_users(need) if publish else [question.asked_by]
    if question.asked_by not in recipients:
        recipients.append(question.asked_by)
    for user in recipients:
        queue_email(user.email, f"New answer on {need.title}", "question_answered", user=user, need=need, question=question, link=link)


def working_days_left(need: Need, now: datetime | None = None) -> int:
    now = now or utcnow()
    return working_days_between(london_date(now), london_date(need.closes_at)) if need.closes_at else 0


def default_closing(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Suggested dates: questions until noon, closing at noon, 15 working days on."""
    now = now or utcnow()
    closing_day = add_working_days(london_date(now), 15)
    questions_day = add_working_days(london_date(now), 10)
    noon = time(12, 0)
    return (
        datetime.combine(questions_day, noon, tzinfo=LONDON),
        datetime.combine(closing_day, noon, tzinfo=LONDON),
    )


def closing_soon_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(days=7)


def outcomes_by_id(ids: list[int]) -> list[DesiredOutcome]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.id.in_(ids))))
