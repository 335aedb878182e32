"""The award of a lot and its board sign-off: once moderation is closed and every
abnormally low bid resolved, the commissioner awards the lot to a bid (or decides not to
award it) with reasons. A decision over the area's sign-off threshold waits for a board
member's approval; when it takes effect every bidder is sent its assessment summary, the
standstill starts, and the need ends once every lot is decided."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, waiting
from ..accounts.models import Role, User
from ..accounts.services import area_staff
from ..bids.lifecycle import counting_revision
from ..bids.models import Bid
from ..extensions import db
from ..needs.models import Lot, Need, NeedStatus, Procedure, lock_need
from ..notifications import external_url, queue_email
from ..refusals import written
from ..signals import contracting_event
from ..timeutil import utcnow
from .errors import REASONS_WORD_LIMIT, EvaluationError
from .low_bids import is_rejected, unresolved_low_bids
from .models import AssessmentSummary, AwardDecision, AwardOutcome
from .parties import party_users
from .ranking import Row, ranking
from .scoring import moderation_closure
from .summaries import summary_content
from .timing import require_closed, standstill_end
from .wording import explain_summary, local_title, summary_advisers, summary_part_label

# No bid can be awarded while the lot's moderation is open: the scores are not final.
MODERATION_OPEN = _l("Close moderation of this lot first")


# The threshold and the decisions so far ------------------------------------------------------


def area_threshold(area) -> int:
    """The area's own sign-off threshold, else its region's, else SIGN_OFF_THRESHOLD_POUNDS."""
    for candidate in (area, area.parent):
        if candidate is not None and candidate.sign_off_threshold_pence is not None:
            return candidate.sign_off_threshold_pence
    return current_app.config["SIGN_OFF_THRESHOLD_PENCE"]


def sign_off_threshold(need: Need) -> int:
    return area_threshold(need.area)


def needs_sign_off(lot: Lot) -> bool:
    """An award of this lot waits for a board member: its value is over the threshold."""
    return lot.value_pence > sign_off_threshold(lot.need)


def current_decision(lot: Lot) -> AwardDecision | None:
    return db.session.scalar(
        sa.select(AwardDecision).where(AwardDecision.lot_id == lot.id, AwardDecision.refused_at.is_(None))
    )


def decisions(lot: Lot) -> Sequence[AwardDecision]:
    return db.session.scalars(
        sa.select(AwardDecision).where(AwardDecision.lot_id == lot.id).order_by(AwardDecision.id)
    ).all()


def refused_decisions(lot: Lot) -> list[AwardDecision]:
    """Decisions a board member did not approve (the lot's history)."""
    return [d for d in decisions(lot) if d.refused_at is not None]


def standstill_over(decision: AwardDecision, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return decision.standstill_ends_at is None or now >= decision.standstill_ends_at


# Deciding --------------------------------------------------------------------------------------


def award_problems(lot: Lot, bid: Bid | None) -> list:
    """Why this lot cannot be awarded (to this bid) now: empty when it can."""
    problems = []
    if moderation_closure(lot) is None:
        problems.append(MODERATION_OPEN)
    for flagged in unresolved_low_bids(lot):
        problems.append(
            _("Resolve the abnormally low bid from %(organisation)s first", organisation=flagged.organisation.name)
        )
    if bid is not None:
        if bid.lot_id != lot.id or counting_revision(bid) is None:
            problems.append(_("Choose a bid on this lot"))
        elif is_rejected(bid):
            problems.append(_("This bid was rejected as abnormally low"))
    return problems


def awardable(lot: Lot, rows: list[Row]) -> list[Row]:
    """The rows of the lot's ranking whose bid may be chosen for the award: ranked and not
    excluded, and none while the lot's moderation is open (the scores are not final)."""
    if moderation_closure(lot) is None:
        return []
    return [row for row in rows if row.rank is not None and not row.excluded]


def unchosen_message(lot: Lot):
    """What a decision that names none of the choices (a bid, or "do not award") is told.
    While the lot's moderation is open no bid can be chosen (see awardable), so closing
    moderation is what to do first, not choosing a bid."""
    if moderation_closure(lot) is None:
        return MODERATION_OPEN
    return _("Select the bid to award the lot to, or that the lot is not awarded")


def _check_undecided(lot: Lot) -> None:
    existing = current_decision(lot)
    if existing is not None:
        if existing.is_waiting_for_sign_off:
            raise EvaluationError(_("A decision on this lot is waiting for a board member's sign-off"))
        raise EvaluationError(_("This lot has already been decided"))


def decide(lot: Lot, *, bid: Bid | None, reasons: str, actor, now: datetime | None = None) -> AwardDecision:
    """Award the lot to `bid`, or (bid None) decide not to award it, with reasons. Takes
    effect at once unless an award is over the area's sign-off threshold."""
    now = now or utcnow()
    need = _lock_for_award(lot.need)
    require_closed(need, now)
    _check_undecided(lot)
    if bid is not None:
        # Before the reasons: while moderation is open no reasons would let it through.
        problems = award_problems(lot, bid)
        if problems:
            raise EvaluationError(problems[0], "bid_id")
    reasons = written(
        EvaluationError,
        reasons,
        field="reasons",
        noun=_("The reasons"),
        limit=REASONS_WORD_LIMIT,
        empty=_("Enter the reasons for the decision"),
    )
    outcome = AwardOutcome.AWARD if bid is not None else AwardOutcome.NOT_AWARDED
    decision = AwardDecision(
        lot_id=lot.id,
        outcome=outcome,
        bid_id=bid.id if bid else None,
        reasons=reasons,
        decided_at=now,
        decided_by_id=actor.id,
        needs_sign_off=outcome == AwardOutcome.AWARD and needs_sign_off(lot),
    )
    db.session.add(decision)
    audit.record(
        "award.decided",
        decision,
        actor=actor,
        reason=reasons,
        after={
            "need_id": need.id,
            "lot": lot.number,
            "outcome": outcome.value,
            "bid_id": decision.bid_id,
            "needs_sign_off": decision.needs_sign_off,
        },
    )
    if decision.needs_sign_off:
        for user in board_members(need):
            queue_email(
                user.email,
                _l("Sign-off needed: %(title)s, lot %(number)s", title=local_title(need), number=lot.number),
                "award_sign_off_needed",
                user=user,
                need=need,
                lot=lot,
                decision=decision,
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


# Board sign-off --------------------------------------------------------------------------------


def board_members(need: Need) -> list[User]:
    return area_staff(Role.BOARD_MEMBER, need.area)


def waiting_clause():
    """SQL for AwardDecision.is_waiting_for_sign_off."""
    return sa.and_(
        AwardDecision.needs_sign_off.is_(True),
        AwardDecision.signed_off_at.is_(None),
        AwardDecision.refused_at.is_(None),
    )


def effective_clause():
    """SQL for AwardDecision.is_effective: not refused, and signed off where it had to be."""
    return sa.and_(
        AwardDecision.refused_at.is_(None),
        sa.or_(AwardDecision.needs_sign_off.is_(False), AwardDecision.signed_off_at.is_not(None)),
    )


def awaiting_sign_off(area_ids) -> sa.Select:
    """The areas' award decisions waiting for a board member's sign-off, as a waiting-work
    query (marketplace/waiting.py): by lot, of its need, waiting since decided."""
    return (
        sa.select(
            *waiting.columns(
                item=Lot.id, parent=Lot.need_id, area=Need.area_id, since=AwardDecision.decided_at, title=Need.title
            )
        )
        .select_from(AwardDecision)
        .join(Lot, Lot.id == AwardDecision.lot_id)
        .join(Need, Need.id == Lot.need_id)
        .where(Need.area_id.in_(area_ids), waiting_clause())
    )


def waiting_for_sign_off(user) -> list[AwardDecision]:
    """Decisions waiting for sign-off in the areas where `user` is a board member (each
    area and, for a region, its delivery units), oldest first: one query, with each
    decision's lot and need."""
    from sqlalchemy.orm import contains_eager

    area_ids = {i for m in user.area_memberships(Role.BOARD_MEMBER) for i in m.area.ids_covered}
    if not area_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(AwardDecision)
            .join(Lot, Lot.id == AwardDecision.lot_id)
            .join(Need, Need.id == Lot.need_id)
            .where(
                Need.area_id.in_(area_ids),
                AwardDecision.needs_sign_off.is_(True),
                AwardDecision.signed_off_at.is_(None),
                AwardDecision.refused_at.is_(None),
            )
            .options(contains_eager(AwardDecision.lot).contains_eager(Lot.need))
            .order_by(AwardDecision.decided_at, AwardDecision.id)
        )
    )


def sign_off(decision: AwardDecision, *, approve: bool, comment: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _lock_for_award(decision.lot.need)
    db.session.refresh(decision)
    if not decision.is_waiting_for_sign_off:
        raise EvaluationError(_("This decision is not waiting for sign-off"))
    comment = written(
        EvaluationError,
        comment,
        field="comment",
        noun=_("The comment"),
        limit=REASONS_WORD_LIMIT,
        empty=None if approve else _("Enter why you do not approve the decision"),
    )
    need = decision.lot.need
    if approve:
        decision.signed_off_at, decision.signed_off_by_id, decision.sign_off_comment = now, actor.id, comment or None
        audit.record(
            "award.signed_off",
            decision,
            actor=actor,
            after={"need_id": need.id, "lot": decision.lot.number},
            reason=comment or None,
        )
        _take_effect(decision, now)
    else:
        decision.refused_at, decision.refused_by_id, decision.refusal_reason = now, actor.id, comment
        audit.record(
            "award.sign_off_refused",
            decision,
            actor=actor,
            after={"need_id": need.id, "lot": decision.lot.number},
            reason=comment,
        )
    commissioner = decision.decided_by
    queue_email(
        commissioner.email,
        _l("Approved: %(title)s, lot %(number)s", title=local_title(need), number=decision.lot.number)
        if approve
        else _l("Not approved: %(title)s, lot %(number)s", title=local_title(need), number=decision.lot.number),
        "award_sign_off_result",
        user=commissioner,
        need=need,
        decision=decision,
        approve=approve,
        comment=comment,
        link=external_url("evaluation.overview", need_id=need.id),
    )


# Taking effect ---------------------------------------------------------------------------------


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
                user.email,
                _l("The outcome of your bid for %(title)s, lot %(number)s", title=local_title(need), number=lot.number),
                "assessment_summary",
                user=user,
                need=need,
                lot=lot,
                summary=content,
                explain=explain_summary,
                part_label=summary_part_label,
                advisers=summary_advisers,
                link=external_url("evaluation.summary", bid_id=row.bid.id),
            )
    audit.record(
        "award.took_effect",
        decision,
        actor=None,
        after={
            "need_id": need.id,
            "lot": lot.number,
            "summaries": len(rows),
            "standstill_ends_at": decision.standstill_ends_at.isoformat() if decision.standstill_ends_at else None,
        },
    )
    _end_need_when_decided(need, now)
    contracting_event.send(decision, kind="award", at=now)


def _end_need_when_decided(need: Need, now: datetime) -> None:
    current = [current_decision(lot) for lot in need.lots]
    if not all(d is not None and d.is_effective for d in current):
        return
    status = (
        NeedStatus.AWARDED
        if any(d is not None and d.outcome == AwardOutcome.AWARD for d in current)
        else NeedStatus.NOT_AWARDED
    )
    before = need.transition_to(status, at=now)
    audit.record(
        f"need.{status.value}", need, actor=None, before={"status": before.value}, after={"status": status.value}
    )
