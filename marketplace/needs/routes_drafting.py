"""Writing a need's sections, one page each from the task list: about the need, lots,
evaluation criteria, conditions of participation, payment profile and dates. Every save
goes through routes_manage.save_and_redirect: a draft is saved, an open need amended.

Who may: a commissioner of the need's area, while Action.EDIT_NEED allows (a draft or
an open need); see routes_manage.py.
"""

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..money import format_pounds
from ..reference.models import ServiceCategory
from ..reference.services import current_categories
from ..timeutil import utcnow
from . import bp, dates, drafting, proportion
from .forms import (
    AboutForm,
    ConditionsForm,
    CriterionForm,
    DatesForm,
    FormKindForm,
    LotForm,
    PaymentForm,
    WeightsForm,
)
from .models import Criterion, Lot, Need, NeedStatus, Reservation, reservation_threshold_pence
from .routes_manage import (
    editable_need,
    is_amending,
    manage_page,
    manage_url,
    part_or_404,
    remove_page,
    save_and_redirect,
)

# About ---------------------------------------------------------------------------------


def _outcome_groups(need: Need):
    """Each current category with its current outcomes (and any the need already has)."""
    groups: list = []
    chosen = {o.id for o in need.outcomes}
    for category in current_categories():
        outcomes = [o for o in category.outcomes if o.is_current() or o.id in chosen]
        groups.append((category, outcomes))
    if need.category is not None and need.category.id not in [c.id for c, _ in groups]:
        groups.append((need.category, list(need.category.outcomes)))
    return groups


def _about_data(need: Need) -> dict:
    return {
        "title": need.title,
        "summary": need.summary,
        "pdus": [str(a.id) for a in need.pdus],
        "category": str(need.category_id) if need.category_id else None,
        "outcomes": [str(o.id) for o in need.outcomes],
        "cohort": need.cohort,
        "expected_people": need.expected_people,
        "duration_months": need.duration_months,
        "procedure": need.procedure.value if need.procedure else None,
    }


def _about_change(need: Need, form: AboutForm, pdus):
    """The change the about form asks for, as a call for save_and_redirect."""
    chosen_pdus = [a for a in pdus if str(a.id) in form.pdus.data]
    category = db.session.get(ServiceCategory, int(form.category.data))
    outcomes = drafting.outcomes_by_id([int(v) for v in form.outcomes.data])
    return lambda: drafting.update_about(
        need,
        title=form.title.data,
        summary=form.summary.data,
        pdus=chosen_pdus,
        category=category,
        outcomes=outcomes,
        cohort=form.cohort.data,
        expected_people=form.expected_people.number,
        duration_months=form.duration_months.number,
        procedure=form.procedure.data,
    )


@bp.route("/needs/<int:need_id>/about", methods=["GET", "POST"])
@login_required
def edit_about(need_id):
    need = editable_need(need_id)
    groups = _outcome_groups(need)
    pdus = drafting.allowed_pdus(need.area)
    data = _about_data(need) if request.method == "GET" else None
    form = AboutForm(data=data, pdus=pdus, outcome_groups=groups, amending=is_amending(need))
    if form.validate_on_submit():
        response = save_and_redirect(
            need,
            form,
            _about_change(need, form, pdus),
            section="about",
            error_field=form.pdus,
            done=_("About the need saved."),
            next_url=manage_url(need),
        )
        if response:
            return response
    return manage_page("about.html", need, form, outcome_groups=groups)


# Lots ----------------------------------------------------------------------------------


@bp.get("/needs/<int:need_id>/lots")
@login_required
def need_lots(need_id):
    need = editable_need(need_id)
    return manage_page("lots.html", need, threshold=reservation_threshold_pence())


def _lot_data(lot: Lot) -> dict:
    return {
        "title": lot.title,
        "description": lot.description,
        "budget": format_pounds(lot.value_pence),
        "reservation": lot.reservation.value,
    }


def _save_lot(need: Need, lot: Lot | None, form):
    """Save the lot from the form: the redirect to the lots page, or None when refused."""

    def change():
        drafting.save_lot(
            need,
            title=form.title.data,
            description=form.description.data,
            value_pence=form.budget.pence,
            reservation=Reservation(form.reservation.data),
            lot=lot,
        )

    return save_and_redirect(
        need,
        form,
        change,
        section="lots",
        error_field=form.budget,
        done=_("Lot saved."),
        next_url=url_for("needs.need_lots", need_id=need.id),
    )


@bp.route("/needs/<int:need_id>/lots/add", methods=["GET", "POST"])
@bp.route("/needs/<int:need_id>/lots/<int:lot_id>", methods=["GET", "POST"])
@login_required
def edit_lot(need_id, lot_id=None):
    need = editable_need(need_id)
    lot = part_or_404(Lot, need, lot_id) if lot_id is not None else None
    data = _lot_data(lot) if request.method == "GET" and lot is not None else None
    form = LotForm(data=data, amending=is_amending(need))
    if form.validate_on_submit():
        response = _save_lot(need, lot, form)
        if response:
            return response
    return manage_page("lot.html", need, form, lot=lot)


@bp.route("/needs/<int:need_id>/lots/<int:lot_id>/remove", methods=["GET", "POST"])
@login_required
def remove_lot(need_id, lot_id):
    need = editable_need(need_id)
    lot = part_or_404(Lot, need, lot_id)
    return remove_page(
        need,
        lambda: drafting.remove_lot(need, lot),
        section="lots",
        thing=_("lot %(number)s: %(title)s", number=lot.number, title=lot.title),
        done=_("Lot '%(title)s' removed.", title=lot.title),
        back=url_for("needs.need_lots", need_id=need.id),
    )


# Evaluation criteria -------------------------------------------------------------------


def _weights_data(need: Need) -> dict:
    return {
        "social_value_weight": need.social_value_weight,
        "price_weight": need.price_weight,
        "social_value_word_limit": need.social_value_word_limit,
    }


def _set_weights(need: Need, form: WeightsForm) -> Callable[[], None]:
    def change() -> None:
        # A valid form: every number was given (each field refuses an empty one).
        assert form.social_value_weight.number is not None and form.price_weight.number is not None
        drafting.set_weights(
            need,
            social_value_weight=form.social_value_weight.number,
            price_weight=form.price_weight.number,
            social_value_word_limit=None if need.short_form else form.social_value_word_limit.number,
        )

    return change


@bp.route("/needs/<int:need_id>/criteria", methods=["GET", "POST"])
@login_required
def edit_criteria(need_id):
    need = editable_need(need_id)
    form = WeightsForm(data=_weights_data(need) if request.method == "GET" else None, amending=is_amending(need))
    if need.short_form:
        del form.social_value_word_limit  # no separate social value answer
    if form.validate_on_submit():
        response = save_and_redirect(
            need,
            form,
            _set_weights(need, form),
            section="criteria",
            error_field=form.social_value_weight,
            done=_("Weights saved."),
            next_url=url_for("needs.edit_criteria", need_id=need.id),
        )
        if response:
            return response
    return manage_page("criteria.html", need, form, max_criteria=drafting.MAX_CRITERIA, **_budget_context(need))


def _budget_context(need: Need) -> dict:
    """The criteria step's word budget and short grant form."""
    return {
        "budget": proportion.budget_summary(need),
        "short_form_allowed": proportion.short_form_allowed(need),
        "short_form_limit": proportion.short_form_limit_text(),
        "short_form_words": proportion.SHORT_FORM_QUESTIONS[0][1],
    }


def _criterion_data(need: Need, criterion: Criterion | None) -> dict:
    """The form's starting values: the question's own, or a new one's word limit (300, or
    what the word budget leaves)."""
    if criterion:
        return {"question": criterion.question, "weight": criterion.weight, "word_limit": criterion.word_limit}
    return {"word_limit": proportion.new_question_words(need)}


def _criterion_form(need: Need, criterion: Criterion | None) -> CriterionForm:
    """The question's form; on the short grant form, its weight alone."""
    data = _criterion_data(need, criterion) if request.method == "GET" else None
    form = CriterionForm(data=data, amending=is_amending(need))
    if need.short_form:
        del form.question, form.word_limit
    return form


def _save_criterion(need: Need, criterion: Criterion | None, form: CriterionForm):
    """Save the question from the form (the short form's fixed wording and limit kept)."""
    assert criterion is not None or not need.short_form  # edit_criterion sends a new one back
    fixed = proportion.SHORT_FORM_QUESTIONS[criterion.number - 1] if need.short_form and criterion else None
    question, word_limit = fixed or (form.question.data, form.word_limit.number)

    def change() -> None:
        drafting.save_criterion(
            need, question=question, weight=form.weight.number, word_limit=word_limit, criterion=criterion
        )

    return save_and_redirect(
        need,
        form,
        change,
        section="criteria",
        error_field=form.weight if need.short_form else form.question,
        done=_("Quality question saved."),
        next_url=url_for("needs.edit_criteria", need_id=need.id),
    )


@bp.route("/needs/<int:need_id>/criteria/add", methods=["GET", "POST"])
@bp.route("/needs/<int:need_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@login_required
def edit_criterion(need_id, criterion_id=None):
    need = editable_need(need_id)
    criterion = part_or_404(Criterion, need, criterion_id) if criterion_id is not None else None
    if criterion is None and need.short_form:
        flash(_("The short grant form has three fixed questions. To add one, choose 'your own questions'."), "error")
        return redirect(url_for("needs.edit_criteria", need_id=need.id))
    if criterion is None and len(need.criteria) >= drafting.MAX_CRITERIA:
        flash(_("A need can have at most %(count)s quality questions.", count=drafting.MAX_CRITERIA), "error")
        return redirect(url_for("needs.edit_criteria", need_id=need.id))
    form = _criterion_form(need, criterion)
    if form.validate_on_submit():
        response = _save_criterion(need, criterion, form)
        if response:
            return response
    budget, asked = proportion.word_budget(need), proportion.words_asked(need)
    return manage_page("criterion.html", need, form, criterion=criterion, budget=budget, asked=asked)


def _form_kind_refused(need: Need) -> str | None:
    """Why the need's form cannot be chosen now, or None."""
    if need.status != NeedStatus.DRAFT:
        return "A published need's form cannot change."
    if not need.short_form and not proportion.short_form_allowed(need):
        return _(
            "Only a grant with every lot under %(limit)s can use the short grant form.",
            limit=proportion.short_form_limit_text(),
        )
    return None


@bp.route("/needs/<int:need_id>/criteria/form", methods=["GET", "POST"])
@login_required
def edit_form_kind(need_id):
    need = editable_need(need_id)
    refused = _form_kind_refused(need)
    if refused:
        flash(refused, "error")
        return redirect(url_for("needs.edit_criteria", need_id=need.id))
    data = {"short_form": "short" if need.short_form else "own"} if request.method == "GET" else None
    form = FormKindForm(data=data)
    if form.validate_on_submit():
        response = save_and_redirect(
            need,
            form,
            lambda: drafting.set_short_form(need, form.short_form.data == "short"),
            section="criteria",
            error_field=form.short_form,
            done=_("Form saved."),
            next_url=url_for("needs.edit_criteria", need_id=need.id),
        )
        if response:
            return response
    return manage_page("form_kind.html", need, form, questions=proportion.SHORT_FORM_QUESTIONS)


@bp.route("/needs/<int:need_id>/criteria/<int:criterion_id>/remove", methods=["GET", "POST"])
@login_required
def remove_criterion(need_id, criterion_id):
    need = editable_need(need_id)
    criterion = part_or_404(Criterion, need, criterion_id)
    return remove_page(
        need,
        lambda: drafting.remove_criterion(need, criterion),
        section="criteria",
        thing=_("quality question %(number)s", number=criterion.number),
        done=_("Quality question removed."),
        back=url_for("needs.edit_criteria", need_id=need.id),
    )


# Conditions of participation -----------------------------------------------------------


@bp.route("/needs/<int:need_id>/conditions", methods=["GET", "POST"])
@login_required
def edit_conditions(need_id):
    need = editable_need(need_id)
    form = ConditionsForm(amending=is_amending(need))
    if request.method == "GET":
        form.conditions.data = list(need.conditions or [])
        form.cost_floor.set_pence(need.cost_floor_per_person_pence)
        form.show_bid_count.set_answer(need.show_bid_count)
    if form.validate_on_submit():
        show_count = form.show_bid_count.answer

        def change():
            drafting.set_conditions(
                need, conditions=form.conditions.data, cost_floor_per_person_pence=form.cost_floor.pence
            )
            drafting.set_show_bid_count(need, show_count, actor=current_user)

        response = save_and_redirect(
            need,
            form,
            change,
            section="conditions",
            error_field=form.conditions,
            done=_("Conditions of participation saved."),
            next_url=manage_url(need),
            also_changed=show_count is not None and show_count != need.show_bid_count,
        )
        if response:
            return response
    return manage_page("conditions.html", need, form)


# Payment profile -----------------------------------------------------------------------


def _payment_data(need: Need) -> dict:
    data: dict[str, Any] = {"advance_percent": need.advance_percent}
    for m in need.milestones:
        data.update(
            {
                f"milestone_{m.number}_title": m.title,
                f"milestone_{m.number}_percent": m.percent,
                f"milestone_{m.number}_month": m.due_month,
            }
        )
    return data


@bp.route("/needs/<int:need_id>/payment", methods=["GET", "POST"])
@login_required
def edit_payment(need_id):
    need = editable_need(need_id)
    form = PaymentForm(data=_payment_data(need) if request.method == "GET" else None, amending=is_amending(need))
    if form.validate_on_submit():
        response = save_and_redirect(
            need,
            form,
            lambda: drafting.set_payment_profile(
                need, advance_percent=form.advance_percent.number, milestones=form.milestones
            ),
            section="payment",
            error_field=form.advance_percent,
            done=_("Payment profile saved."),
            next_url=url_for("needs.edit_payment", need_id=need.id),
        )
        if response:
            return response
    schedules = [(lot, drafting.payment_schedule(need, lot)) for lot in need.lots]
    return manage_page("payment.html", need, form, schedules=schedules)


# Dates ---------------------------------------------------------------------------------


def _dates_refused(need: Need, form: DatesForm, now) -> bool:
    """Put every rule the dates break (dates.date_problems) by its field; True if any."""
    refused = dates.date_problems(need, question_deadline=form.question_deadline, closes_at=form.closes_at, now=now)
    for name, message in refused:
        field = form.field_for(name)
        field.errors = [*field.errors, message]
    return bool(refused)


@bp.route("/needs/<int:need_id>/dates", methods=["GET", "POST"])
@login_required
def edit_dates(need_id):
    need = editable_need(need_id)
    now = utcnow()
    form = DatesForm(amending=is_amending(need))
    if request.method == "GET":
        form.set_times(
            *(dates.default_closing(now) if need.closes_at is None else (need.question_deadline, need.closes_at))
        )
    if form.validate_on_submit() and not _dates_refused(need, form, now):
        response = save_and_redirect(
            need,
            form,
            lambda: dates.set_dates(need, question_deadline=form.question_deadline, closes_at=form.closes_at, now=now),
            section="dates",
            error_field=form.closes_date,
            done=_("Dates saved."),
            next_url=manage_url(need),
        )
        if response:
            return response
    earliest = dates.earliest_closing_date(now)
    return manage_page("dates.html", need, form, earliest=f"{earliest.day} {earliest:%B %Y}")
