"""Contract pages: the commissioner makes the contract of an awarded lot once standstill
has ended (dates, the payment schedule in pounds, the outcomes to report); the parties,
the commissioner and the board of the area read it; providers list their contracts.

Who may: making a contract is evaluation.manage (the commissioner of the need's area,
403 for others); reading one is contract.view (404 for everyone else, so its existence
is not told). A refusal of services.create_contract (standstill, a schedule that does not
add up, dates) is shown by its field with the input kept, status 400, nothing written.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..evaluation import services as evaluation
from ..evaluation.models import AwardOutcome
from ..extensions import db
from ..money import format_pounds
from ..needs.models import Lot, Need
from ..permissions import Action, can, require
from ..timeutil import london_date, utcnow
from ..workdays import add_working_days
from ..refusals import committed
from . import bp, services
from . import variations
from .forms import AnswerVariationForm, contract_form, variation_form
from .models import Contract, ContractVariation


def _managed_lot(need_id: int, lot_id: int) -> tuple[Need, Lot]:
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)
    require(current_user, Action.MANAGE_EVALUATION, need)
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.need_id != need.id:
        abort(404)
    return need, lot


def default_dates(need: Need, now) -> tuple[date, date]:
    """The next working day, and the need's duration after it (12 months if not given)."""
    starts_on = add_working_days(london_date(now), 1)
    return starts_on, starts_on + relativedelta(months=need.duration_months or 12)


def _plain_pounds(pence: int | None) -> str:
    return format_pounds(pence).lstrip("£") if pence is not None else ""


@bp.route("/needs/<int:need_id>/lots/<int:lot_id>/contract", methods=["GET", "POST"])
@login_required
def new_contract(need_id, lot_id):
    need, lot = _managed_lot(need_id, lot_id)
    now = utcnow()
    decision = evaluation.current_decision(lot)
    if decision is None or decision.outcome != AwardOutcome.AWARD or not decision.is_effective:
        return render_template(
            "contracts/not_ready.html", need=need, lot=lot, decision=decision,
            problems=services.contract_problems(decision, now) if decision is not None else ["This lot has not been decided yet"],
        )
    existing = services.contract_for(decision)
    if existing is not None:
        flash("A contract has already been made for this lot.")
        return redirect(url_for("contracts.show", contract_id=existing.id))

    starts_on, ends_on = default_dates(need, now)
    lines = services.proposed_schedule(decision, starts_on)
    defaults = {"starts_on": starts_on, "ends_on": ends_on, "outcome_ids": [str(o.id) for o in need.outcomes]}
    for line in lines:
        defaults[f"amount_{line.number}"] = _plain_pounds(line.amount_pence)
        defaults[f"due_{line.number}"] = line.due_on
    outcomes = need.outcomes
    form = contract_form(lines, outcomes, data=defaults) if request.method == "GET" else contract_form(lines, outcomes)
    value = services.counting_revision(decision.bid).price_pence
    if form.validate_on_submit() and committed(
        lambda: services.create_contract(
            decision,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            schedule=form.schedule_lines(),
            outcome_ids=form.chosen_outcome_ids,
            actor=current_user,
            now=now,
        ),
        form,
        form.starts_on,
    ):
        flash("Contract made. The provider has been emailed.", "success")
        return redirect(url_for("contracts.show", contract_id=services.contract_for(decision).id))
    elif request.method == "POST" and not form.errors:
        abort(400)
    return (
        render_template(
            "contracts/new.html",
            need=need,
            lot=lot,
            decision=decision,
            bid=decision.bid,
            value=value,
            form=form,
            problems=services.contract_problems(decision, now),
            in_standstill=not evaluation.standstill_over(decision, now),
        ),
        400 if form.errors else 200,
    )


def _contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    return contract


@bp.get("/contracts/<int:contract_id>")
@login_required
def show(contract_id):
    from ..board import reviews
    from ..delivery import services as delivery
    from ..payments import services as payments

    contract = _contract(contract_id)
    history = reviews.reviews_of(contract)
    now = utcnow()
    by_line = {p.milestone_id: p for p in payments.payments_of(contract)}
    reports = delivery.reports_of(contract)
    return render_template(
        "contracts/show.html",
        contract=contract,
        need=contract.need,
        total=sum(m.amount_pence for m in contract.milestones),
        paid=payments.total_paid(contract),
        party=services.is_party(current_user, contract),
        oversees=can(current_user, Action.VIEW_EVALUATION, contract.need),
        lines=[(m, reports.get(m.id), by_line.get(m.id)) for m in contract.milestones],
        now=now,
        so_far=delivery.outcomes_so_far(contract),
        waiting=variations.waiting_variation(contract),
        variations=variations.variations_of(contract),
        timeline=services.timeline(contract),
        may_vary=can(current_user, Action.VARY_CONTRACT, contract),
        may_report=can(current_user, Action.REPORT_OUTCOMES, contract),
        latest_review=history[0] if history else None,
    )


@bp.route("/contracts/<int:contract_id>/vary", methods=["GET", "POST"])
@login_required
def vary(contract_id):
    contract = _contract(contract_id)
    require(current_user, Action.VARY_CONTRACT, contract)
    if variations.waiting_variation(contract) is not None:
        flash("A variation of this contract is already waiting for the provider.")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    defaults = {"ends_on": contract.ends_on}
    for line in contract.milestones:
        defaults[f"amount_{line.number}"] = _plain_pounds(line.amount_pence)
        defaults[f"due_{line.number}"] = line.due_on
    form = variation_form(contract, data=defaults) if request.method == "GET" else variation_form(contract)
    if form.validate_on_submit() and committed(
        lambda: variations.propose(
            contract, ends_on=form.ends_on.data, amounts=form.amounts(), due_dates=form.due_dates(),
            reason=form.reason.data, actor=current_user,
        ),
        form,
        form.reason,
    ):
        flash("The variation has been sent to the provider. It takes effect when they agree.", "success")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    if request.method == "POST" and not form.errors:
        abort(400)
    return render_template(
        "contracts/vary.html", contract=contract, form=form, locked=variations.locked_lines(contract)
    ), 400 if form.errors else 200


@bp.route("/contracts/<int:contract_id>/variations/<int:variation_id>", methods=["GET", "POST"])
@login_required
def variation(contract_id, variation_id):
    contract = _contract(contract_id)
    found = db.session.get(ContractVariation, variation_id)
    if found is None or found.contract_id != contract.id:
        abort(404)
    may_answer = can(current_user, Action.ANSWER_VARIATION, found)
    form = AnswerVariationForm() if may_answer else None
    if request.method == "POST":
        require(current_user, Action.ANSWER_VARIATION, found)
        if form.validate_on_submit():
            if form.answer.data == "accept":
                call = lambda: variations.accept(found, actor=current_user)  # noqa: E731
            else:
                call = lambda: variations.decline(found, reason=form.reason.data, actor=current_user)  # noqa: E731
            if committed(call, form, form.reason):
                flash("The change has taken effect." if form.answer.data == "accept" else "Your answer has been sent to the commissioner.", "success")
                return redirect(url_for("contracts.show", contract_id=contract.id))
        elif not form.errors:
            abort(400)
    return render_template(
        "contracts/variation.html", contract=contract, variation=found, form=form
    ), 400 if form is not None and form.errors else 200


@bp.get("/contracts")
@login_required
def index():
    if not current_user.organisations:
        abort(403)
    return render_template("contracts/index.html", contracts=services.contracts_of(current_user))
