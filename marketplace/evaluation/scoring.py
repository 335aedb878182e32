"""Independent scoring: the parts of a bid that are scored (the quality criteria, then
social value), each evaluator's score sheet (saved as a draft, then submitted, never
changed after), whose sheets count and when a bid's scoring is complete. Scoring stops
when the lot's moderation closes.

Scores are exact: weighted points are Fractions, shown (and ranked) to two decimals,
rounded half up. Audit events hold scores but never a bid's answers.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..bids.closing import counting_bids
from ..bids.lifecycle import counting_revision
from ..bids.models import Bid, BidRevision
from ..extensions import db
from ..needs.models import Lot, Need, NeedStatus
from ..refusals import written
from ..timeutil import utcnow
from .errors import JUSTIFICATION_WORD_LIMIT, EvaluationError
from .models import (
    SCORE_MEANINGS,
    SOCIAL_VALUE,
    ModerationClosure,
    PanelMember,
    Score,
    ScoreSheet,
)
from .panel import conflicted_with, may_open, panel, panel_member
from .timing import require_closed
from .wording import SOCIAL_VALUE_ON_SHORT_FORM

# The parts of a bid that are scored -----------------------------------------------------


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    question: str
    weight: int
    number: int | None = None  # the criterion's (None: social value)


def parts(need: Need) -> list[Part]:
    """What each evaluator scores: the quality criteria, then social value when weighted
    (on the short grant form, scored from the answer to question 3)."""
    result = [
        Part(str(c.id), _("Question %(number)s", number=c.number), c.question, c.weight, c.number)
        for c in need.criteria
    ]
    if need.social_value_weight:
        label = _("Social value")
        question = str(SOCIAL_VALUE_ON_SHORT_FORM) if need.short_form else label
        result.append(Part(SOCIAL_VALUE, label, question, need.social_value_weight))
    return result


def parts_for(need: Need, user) -> list[Part]:
    """The parts `user` scores: every part for an evaluator, those chosen for a
    lived-experience adviser (advisers.py)."""
    member = panel_member(need, user)
    if member is None or member.parts is None:
        return parts(need)
    return [p for p in parts(need) if p.key in set(member.parts)]


def two(value: Fraction | int) -> Decimal:
    """Points to two decimals, rounded half up (what is shown, and what ranks)."""
    value = Fraction(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def lot_bids(lot: Lot) -> list[tuple[Bid, BidRevision]]:
    return [(b, r) for b, r in counting_bids(lot.need) if b.lot_id == lot.id]


def moderation_closure(lot: Lot) -> ModerationClosure | None:
    return db.session.scalar(sa.select(ModerationClosure).where(ModerationClosure.lot_id == lot.id))


# Score sheets ------------------------------------------------------------------------------


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
            raise EvaluationError(_("Choose a score for %(part)s", part=part.label.lower()), f"score_{part.key}")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise EvaluationError(
            _("The score for %(part)s must be a whole number from 0 to 4", part=part.label.lower()), f"score_{part.key}"
        ) from None
    if number not in SCORE_MEANINGS:
        raise EvaluationError(
            _("The score for %(part)s must be from 0 to 4", part=part.label.lower()), f"score_{part.key}"
        )
    return number


def open_for_moderation(bid: Bid, now: datetime, closed: str) -> BidRevision:
    """The bid's counted revision, while its need is closed and its lot's moderation open."""
    require_closed(bid.need, now)
    revision = counting_revision(bid)
    if revision is None:
        raise EvaluationError(_("This bid does not count: it was withdrawn or not submitted"))
    if moderation_closure(bid.lot) is not None:
        raise EvaluationError(closed)
    return revision


def checked_parts(
    need: Need,
    scores: dict[str, tuple],
    *,
    required: bool,
    text_field: str,
    empty: Callable[[str], str],
    noun: Callable[[str], str],
    only: list[Part] | None = None,
) -> dict:
    """{part key: (score, text)} for every part of the need (or `only` those), each score
    0-4 (and given when `required`) and each text within the word limit (and given when
    `required`); `empty` and `noun` make the messages from the part's name. A part that is
    not one of them is refused."""
    chosen = parts(need) if only is None else only
    if set(scores) - {p.key for p in chosen}:
        raise EvaluationError(_("You can score only the parts you were chosen for"))
    checked = {}
    for part in chosen:
        score, text = scores.get(part.key, (None, ""))
        number = _check_score(score, part, required=required)
        name = part.label.lower()
        checked[part.key] = (
            number,
            written(
                EvaluationError,
                text,
                field=f"{text_field}_{part.key}",
                noun=noun(name),
                limit=JUSTIFICATION_WORD_LIMIT,
                empty=empty(name) if required else None,
            ),
        )
    return checked


def save_sheet(bid: Bid, user, scores: dict[str, tuple], *, submit: bool, now: datetime | None = None) -> ScoreSheet:
    """Save an evaluator's scores for a bid as a draft, or submit them (every part scored
    and justified). Submitted sheets never change."""
    now = now or utcnow()
    need = bid.need
    revision = open_for_moderation(bid, now, _("Moderation of this lot is closed: scores can no longer be changed"))
    if not may_open(user, bid, revision):
        raise EvaluationError(
            _(
                "You cannot score this bid: you are not on the panel, have not declared your interests, or have a conflict"
            )
        )
    sheet = sheet_of(bid, user)
    if sheet is not None and sheet.submitted_at is not None:
        raise EvaluationError(_("You have already submitted your scores for this bid"))
    checked = checked_parts(
        need,
        scores,
        required=submit,
        text_field="justification",
        empty=lambda part: _("Give a justification for your score for %(part)s", part=part),
        noun=lambda part: _("The justification for %(part)s", part=part),
        only=parts_for(need, user),
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
            "scores.submitted",
            sheet,
            actor=user,
            after={"bid_id": bid.id, "revision": revision.number, "scores": {k: v[0] for k, v in checked.items()}},
        )
    db.session.flush()
    return sheet


# Whose sheets count ------------------------------------------------------------------------


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
        s
        for s in db.session.scalars(
            sa.select(ScoreSheet)
            .where(ScoreSheet.bid_id == bid.id, ScoreSheet.submitted_at.is_not(None))
            .order_by(ScoreSheet.id)
        )
        if s.user_id in current
    ]


def scoring_complete(bid: Bid, revision: BidRevision) -> bool:
    expected = {m.user_id for m in expected_scorers(bid, revision)}
    submitted = {s.user_id for s in counted_sheets(bid)}
    return bool(expected) and expected <= submitted


def may_see_scores(user, bid: Bid) -> bool:
    """Evaluators see each other's scores for a bid only after submitting their own."""
    sheet = sheet_of(bid, user)
    return sheet is not None and sheet.submitted_at is not None


def scorer_state(member: PanelMember, bid: Bid, revision: BidRevision, undeclared: bool) -> str:
    """Where a panel member is with a bid, as the commissioner's overview shows it."""
    if undeclared:
        return "Not declared yet"
    if conflicted_with(bid.need, member.user, revision):
        return "Conflict declared"
    sheet = sheet_of(bid, member.user)
    if sheet is None:
        return "Not started"
    return "Submitted" if sheet.submitted_at is not None else "Draft saved"


def own_state(bid: Bid, user, moderation_closed: bool) -> str:
    """Where an evaluator is with a bid, as its own page shows it."""
    sheet = sheet_of(bid, user)
    if sheet is not None and sheet.submitted_at is not None:
        return "Submitted"
    if moderation_closed:
        return "Moderation closed"
    return "Draft saved" if sheet is not None else "To score"
