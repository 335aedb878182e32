"""Writing a need, section by section: create the draft, then the rules of each section
(about, lots, evaluation criteria, conditions, payment profile). Functions take the acting
user where one acts, change the need, raise NeedError (models.py) when a rule is broken
and never commit; saving a section as a draft change or an amendment is amendments.py,
the dates are dates.py."""

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, signals
from ..accounts.models import Role
from ..extensions import db
from ..money import MAX_PENCE, format_pounds, split_pence
from ..permissions import Action, can
from ..reference.models import Area, AreaKind, DesiredOutcome
from . import proportion
from .models import (
    Condition,
    Criterion,
    Lot,
    Milestone,
    Need,
    NeedError,
    NeedStatus,
    Procedure,
    Reservation,
    may_be_reserved,
    reservation_threshold_pence,
)

MAX_CRITERIA = 5
MAX_WORD_LIMIT = 500
MIN_SOCIAL_VALUE = 10
MAX_PRICE_WEIGHT = 40
MAX_ADVANCE = 25


# Areas ---------------------------------------------------------------------------------


def creatable_areas(user) -> list[Area]:
    """The areas the user may post needs for: their own, and a region's delivery units."""
    areas: list[Area] = []
    for membership in user.area_memberships(Role.COMMISSIONER):
        area = membership.area
        candidates = [area] + ([p for p in area.children if p.is_current()] if area.kind == AreaKind.REGION else [])
        areas += [a for a in candidates if a not in areas and can(user, Action.CREATE_NEED, a)]
    return areas


def allowed_pdus(area: Area) -> list[Area]:
    """The PDUs a need of this area may cover: the PDU itself, or a region's PDUs."""
    if area.kind == AreaKind.PDU:
        return [area]
    return [pdu for pdu in area.children if pdu.is_current()]


# Creating and the about section --------------------------------------------------------


def create_need(*, area: Area, title: str, actor) -> Need:
    need = Need(area=area, title=title, created_by_id=actor.id, conditions=[])
    if area.kind == AreaKind.PDU:
        need.pdus = [area]
    db.session.add(need)
    db.session.flush()
    audit.record("need.created", need, actor=actor, after={"title": title, "area": area.code})
    return need


def update_about(
    need: Need, *, title, summary, pdus, category, outcomes, cohort, expected_people, duration_months, procedure
) -> None:
    allowed = {a.id for a in allowed_pdus(need.area)}
    if any(p.id not in allowed for p in pdus):
        raise NeedError(_("Choose delivery units in %(area)s", area=need.area.label))
    if category is not None and any(o.category_id != category.id for o in outcomes):
        raise NeedError(_("Choose outcomes from the service category you chose"))
    if need.short_form and procedure != Procedure.GRANT.value:
        raise NeedError(
            _(
                "This need uses the short grant form, which is only for grants. To let it as a contract, "
                "choose 'your own questions' on the evaluation criteria step first"
            ),
            "procedure",
        )
    need.title = title
    need.summary = summary
    need.pdus = list(pdus)
    need.category = category
    need.outcomes = list(outcomes)
    need.cohort = cohort
    need.expected_people = expected_people
    need.duration_months = duration_months
    need.procedure = Procedure(procedure) if procedure else None


def outcomes_by_id(ids: list[int]) -> list[DesiredOutcome]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.id.in_(ids))))


# Lots ----------------------------------------------------------------------------------


def _check_reservation(value_pence: int, reservation: Reservation) -> None:
    if reservation != Reservation.NONE and not may_be_reserved(value_pence):
        raise NeedError(
            _(
                "A lot can be reserved only when its value is below %(value)s",
                value=format_pounds(reservation_threshold_pence(), whole=True),
            )
        )


def save_lot(need: Need, *, title, description, value_pence, reservation: Reservation, lot: Lot | None = None) -> Lot:
    if not 0 < value_pence <= MAX_PENCE:
        raise NeedError(_("Enter a budget between £0.01 and %(most)s", most=format_pounds(MAX_PENCE, whole=True)))
    _check_reservation(value_pence, reservation)
    if need.short_form and value_pence >= proportion.SHORT_FORM_LOT_LIMIT_PENCE:
        raise NeedError(
            _(
                "This need uses the short grant form, so every lot must be under %(limit)s. Keep the budget under "
                "that, or choose 'your own questions' on the evaluation criteria step first",
                limit=proportion.short_form_limit_text(),
            ),
            "budget",
        )
    before = proportion.budget_state(need)
    if lot is None:
        lot = Lot(number=len(need.lots) + 1)
        need.lots.append(lot)
    lot.title, lot.description, lot.value_pence, lot.reservation = title, description, value_pence, reservation
    _recalculate_value(need)
    proportion.keep_within_budget(need, before, field="budget", of_questions=True)
    return lot


def remove_lot(need: Need, lot: Lot) -> None:
    for reason in signals.answers(signals.lot_in_use, lot):
        if reason:
            raise NeedError(reason)
    need.lots.remove(lot)
    db.session.flush()
    for number, remaining in enumerate(need.lots, start=1):
        remaining.number = number
    _recalculate_value(need)


def _recalculate_value(need: Need) -> None:
    need.value_pence = sum(lot.value_pence for lot in need.lots)


# Evaluation criteria -------------------------------------------------------------------


def save_criterion(need: Need, *, question, weight, word_limit, criterion: Criterion | None = None) -> Criterion:
    if need.short_form:
        _check_fixed_question(criterion, question, word_limit)
    if not 1 <= word_limit <= MAX_WORD_LIMIT:
        raise NeedError(_("Word limit must be %(most)s or fewer", most=MAX_WORD_LIMIT), "word_limit")
    before = proportion.budget_state(need)
    if criterion is None:
        if len(need.criteria) >= MAX_CRITERIA:
            raise NeedError(_("A need can have at most %(count)s quality questions", count=MAX_CRITERIA))
        criterion = Criterion(number=len(need.criteria) + 1)
        need.criteria.append(criterion)
    criterion.question, criterion.weight, criterion.word_limit = question, weight, word_limit
    proportion.keep_within_budget(need, before, field="word_limit")
    return criterion


def _check_fixed_question(criterion: Criterion | None, question: str, word_limit: int) -> None:
    """On the short grant form only a question's weight may change."""
    if criterion is None:
        raise NeedError(
            _("The short grant form has three fixed questions. To add one, choose 'your own questions' first")
        )
    fixed_question, fixed_limit = proportion.SHORT_FORM_QUESTIONS[criterion.number - 1]
    if (question, word_limit) != (fixed_question, fixed_limit):
        raise NeedError(_("The short grant form's questions and word limits are fixed: you can change only the weight"))


def remove_criterion(need: Need, criterion: Criterion) -> None:
    if need.short_form:
        raise NeedError(
            _("The short grant form has three fixed questions. To remove one, choose 'your own questions' first")
        )
    need.criteria.remove(criterion)
    db.session.flush()
    for number, remaining in enumerate(need.criteria, start=1):
        remaining.number = number


def set_weights(
    need: Need, *, social_value_weight: int, price_weight: int, social_value_word_limit: int | None = None
) -> None:
    """The weights of social value and price, and (unless None) the social value answer's
    word limit."""
    if social_value_weight < MIN_SOCIAL_VALUE:
        raise NeedError(_("Social value must be weighted at least %(least)s%%", least=MIN_SOCIAL_VALUE))
    if not 0 <= price_weight <= MAX_PRICE_WEIGHT:
        raise NeedError(_("Price must be weighted %(most)s%% or less", most=MAX_PRICE_WEIGHT))
    need.social_value_weight, need.price_weight = social_value_weight, price_weight
    before = proportion.budget_state(need)
    if social_value_word_limit is not None:
        low, high = proportion.SOCIAL_VALUE_WORDS_MIN, proportion.SOCIAL_VALUE_WORDS_MAX
        if not low <= social_value_word_limit <= high:
            raise NeedError(
                _(
                    "The word limit for the social value answer must be between %(low)s and %(high)s",
                    low=low,
                    high=high,
                ),
                "social_value_word_limit",
            )
        need.social_value_word_limit = social_value_word_limit
    proportion.keep_within_budget(need, before, field="social_value_word_limit")


def set_short_form(need: Need, short_form: bool) -> None:
    """Use the short grant form (its three fixed questions replace the quality questions,
    with the quality weight shared between them) or the need's own questions (the three
    stay, as ordinary questions). Only a draft's form may change."""
    if short_form == need.short_form:
        return
    if need.status != NeedStatus.DRAFT:
        raise NeedError(_("A published need's form cannot change"), "short_form")
    if short_form and not proportion.short_form_allowed(need):
        raise NeedError(
            _(
                "Only a grant with every lot under %(limit)s can use the short grant form",
                limit=proportion.short_form_limit_text(),
            ),
            "short_form",
        )
    if short_form:
        weights = _shared(need.quality_weight or 60, len(proportion.SHORT_FORM_QUESTIONS))
        need.criteria.clear()
        db.session.flush()
        for number, ((question, limit), weight) in enumerate(
            zip(proportion.SHORT_FORM_QUESTIONS, weights, strict=True), start=1
        ):
            need.criteria.append(Criterion(number=number, question=question, weight=weight, word_limit=limit))
    need.short_form = short_form


def _shared(total: int, parts: int) -> list[int]:
    """`total` percent shared between `parts` questions as evenly as whole numbers allow
    (each 1 to 90)."""
    total = min(max(total, parts), 90 * parts)
    share, left = divmod(total, parts)
    return [share + (1 if i < left else 0) for i in range(parts)]


# Conditions of participation -----------------------------------------------------------


def set_conditions(need: Need, *, conditions: list[str], cost_floor_per_person_pence: int | None) -> None:
    unknown = [c for c in conditions if c not in Condition._value2member_map_]
    if unknown:
        raise NeedError(_("Choose conditions from the list"))
    need.conditions = sorted(set(conditions))
    need.cost_floor_per_person_pence = cost_floor_per_person_pence


def set_show_bid_count(need: Need, show_bid_count: bool | None, *, actor) -> bool:
    """Whether the commissioner sees the number of bids received before closing (None:
    left as it is). Not part of the need providers see, so not an amendment: audited
    here. True when it changed."""
    if show_bid_count is None or show_bid_count == need.show_bid_count:
        return False
    audit.record(
        "need.show_bid_count_changed",
        need,
        actor=actor,
        before={"show_bid_count": need.show_bid_count},
        after={"show_bid_count": show_bid_count},
    )
    need.show_bid_count = show_bid_count
    return True


# Payment profile -----------------------------------------------------------------------


def set_payment_profile(need: Need, *, advance_percent: int, milestones: list[tuple[str, int, int]]) -> None:
    """Replace the payment profile: an advance and (title, percent, due month) milestones."""
    if not 0 <= advance_percent <= MAX_ADVANCE:
        raise NeedError(_("The advance must be between 0%% and %(most)s%%", most=MAX_ADVANCE))
    if not milestones:
        raise NeedError(_("Add at least one milestone"))
    total = advance_percent + sum(percent for _, percent, _ in milestones)
    if total != 100:
        raise NeedError(_("The advance and milestones must add up to 100%%, not %(total)s%%", total=total))
    need.advance_percent = advance_percent
    need.milestones.clear()
    db.session.flush()
    for number, (title, percent, due_month) in enumerate(milestones, start=1):
        need.milestones.append(Milestone(number=number, title=title, percent=percent, due_month=due_month))


def payment_schedule(need: Need, lot: Lot) -> list[tuple[str, int]]:
    """What a lot pays, in pence, at each step: advance first, then each milestone. Sums
    exactly to the lot's value."""
    steps = ([(_("Advance at contract start"), need.advance_percent)] if need.advance_percent else []) + [
        (m.title, m.percent) for m in need.milestones
    ]
    if sum(p for _, p in steps) != 100:
        return []
    amounts = split_pence(lot.value_pence, [p for _, p in steps])
    return [(title, amount) for (title, _), amount in zip(steps, amounts, strict=False)]
