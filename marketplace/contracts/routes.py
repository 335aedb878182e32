"""Contract pages: the commissioner makes the contract of an awarded lot once standstill
has ended (dates, the payment schedule in pounds, the outcomes to report); the parties,
the commissioner and the board of the area read it; providers list their contracts.

Who may: making a contract is evaluation.manage (the commissioner of the need's area,
403 for others); reading one is contract.view (404 for everyone else, so its existence
is not told). A refusal of services.create_contract (standstill, a schedule that does not
add up, dates) is shown by its field with the input kept, status 400, nothing written.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import signals
from ..evaluation import award
from ..extensions import db
from ..needs.models import Lot, Need
from ..permissions import Action, can, require
from ..refusals import committed
from ..timeutil import utcnow
from . import bp, services, variations
from .forms import AnswerVariationForm, contract_form, schedule_data, variation_form
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


def _to_contract(contract: Contract):
    return redirect(url_for("contracts.show", contract_id=contract.id))


def _new_contract_form(need: Need, decision, now):
    """The form, filled on GET with the default dates, the bid's own breakdown and every
    outcome of the need."""
    starts_on, ends_on = services.default_dates(need, now)
    lines = services.proposed_schedule(decision, starts_on)
    if request.method != "GET":
        return contract_form(lines, need.outcomes)
    defaults = {"starts_on": starts_on, "ends_on": ends_on, "outcome_ids": [str(o.id) for o in need.outcomes]}
    return contract_form(lines, need.outcomes, data={**defaults, **schedule_data(lines)})


def _new_contract_page(need, lot, decision, form, now):
    return (
        render_template(
            "contracts/new.html",
            need=need,
            lot=lot,
            decision=decision,
            bid=decision.bid,
            value=services.counting_revision(decision.bid).price_pence,
            form=form,
            problems=services.contract_problems(decision, now),
            in_standstill=not award.standstill_over(decision, now),
        ),
        400 if form.errors else 200,
    )


@bp.route("/needs/<int:need_id>/lots/<int:lot_id>/contract", methods=["GET", "POST"])
@login_required
def new_contract(need_id, lot_id):
    need, lot = _managed_lot(need_id, lot_id)
    now = utcnow()
    decision = award.current_decision(lot)
    not_ready = services.not_ready(decision, now)
    if not_ready:
        return render_template("contracts/not_ready.html", need=need, lot=lot, decision=decision, problems=not_ready)
    existing = services.contract_for(decision)
    if existing is not None:
        flash(_("A contract has already been made for this lot."))
        return _to_contract(existing)
    form = _new_contract_form(need, decision, now)
    if form.validate_on_submit() and committed(
        lambda: services.create_contract(decision, **form.terms(), actor=current_user, now=now), form, form.starts_on
    ):
        flash(_("Contract made. The provider has been emailed."), "success")
        return _to_contract(services.contract_for(decision))
    if request.method == "POST" and not form.errors:
        abort(400)
    return _new_contract_page(need, lot, decision, form, now)


def _contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    return contract


@bp.get("/contracts/<int:contract_id>")
@login_required
def show(contract_id):
    from ..delivery.reports import reports_of
    from ..delivery.so_far import outcomes_so_far
    from ..payments import services as payments

    contract = _contract(contract_id)
    by_line = {p.milestone_id: p for p in payments.payments_of(contract)}
    reports = reports_of(contract)
    return render_template(
        "contracts/show.html",
        contract=contract,
        need=contract.need,
        total=sum(m.amount_pence for m in contract.milestones),
        paid=payments.total_paid(contract),
        party=services.is_party(current_user, contract),
        oversees=can(current_user, Action.VIEW_EVALUATION, contract.need),
        lines=[(m, reports.get(m.id), by_line.get(m.id)) for m in contract.milestones],
        now=utcnow(),
        so_far=outcomes_so_far(contract),
        waiting=variations.waiting_variation(contract),
        variations=variations.variations_of(contract),
        timeline=services.timeline(contract),
        may_vary=can(current_user, Action.VARY_CONTRACT, contract),
        may_report=can(current_user, Action.REPORT_OUTCOMES, contract),
        may_list=can(current_user, Action.VIEW_AREA_CONTRACTS, contract.need.area),
        **signals.page_values(signals.contract_page, contract),
    )


@bp.route("/contracts/<int:contract_id>/vary", methods=["GET", "POST"])
@login_required
def vary(contract_id):
    contract = _contract(contract_id)
    require(current_user, Action.VARY_CONTRACT, contract)
    if variations.waiting_variation(contract) is not None:
        flash(_("A variation of this contract is already waiting for the provider."))
        return _to_contract(contract)
    defaults = (
        {"data": {"ends_on": contract.ends_on, **schedule_data(contract.milestones)}} if request.method == "GET" else {}
    )
    form = variation_form(contract, **defaults)
    if form.validate_on_submit() and committed(
        lambda: variations.propose(contract, **form.terms(), actor=current_user), form, form.reason
    ):
        flash(_("The variation has been sent to the provider. It takes effect when they agree."), "success")
        return _to_contract(contract)
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
    form = AnswerVariationForm() if can(current_user, Action.ANSWER_VARIATION, found) else None
    if request.method == "POST":
        require(current_user, Action.ANSWER_VARIATION, found)
        if form.validate_on_submit() and committed(
            lambda: variations.answer(found, accept_it=form.accepting, reason=form.reason.data, actor=current_user),
            form,
            form.reason,
        ):
            flash(
                _("The change has taken effect.")
                if form.accepting
                else _("Your answer has been sent to the commissioner."),
                "success",
            )
            return _to_contract(contract)
        if not form.errors:
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
