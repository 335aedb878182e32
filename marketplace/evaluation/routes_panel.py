"""The evaluation of a closed need: the hub (overview), the panel, conflict declarations,
independent scoring, the sheets side by side, moderation, closing moderation, and the
ranking with its working.

Who may (permissions.py, asked here only through can/require):
- commissioners and board members of the need's area see the evaluation (VIEW_EVALUATION);
  only the commissioner changes it (MANAGE_EVALUATION): the panel, moderation, closing;
- an evaluator on the panel (TAKE_PART) declares its interests, then scores the bids it
  may open (SCORE_BID), and sees the others' scores for a bid only after submitting its
  own (scoring.may_see_scores);
- everyone else gets 403, or 404 for a need they may not see. Lots, bids and panel
  members that are not the need's: 404.

Bids are read only through bids.access (submitted_bids, revision_for_commissioning), so
an evaluator never opens a bid it declared a conflict with, and the refusal is audited.

Every change calls a service and commits once; a refusal (EvaluationError) is shown by its
field with an error summary, the input kept, status 400, nothing written.
"""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import signals
from ..accounts.models import User
from ..bids import access
from ..extensions import db
from ..forms import ConfirmForm
from ..money import format_pounds
from ..needs.models import Lot, Need
from ..permissions import Action, can, require
from ..refusals import committed
from . import advisers, award, bp, moderation, panel, ranking, scoring
from .errors import JUSTIFICATION_WORD_LIMIT
from .forms_panel import (
    CONFLICT,
    NO_CONFLICT,
    AddEvaluatorForm,
    declarations_form,
    moderation_form,
    saved_answers,
    score_form,
)
from .loaders import lot_or_404, need_or_404
from .low_bids import review_state
from .models import SCORE_MEANINGS, PanelMember

# Loading -----------------------------------------------------------------------------------


def _counted(need: Need, bid_id: int):
    """The bid's counted revision, through bids.access (which refuses, and audits, an
    evaluator who may not open it); a bid of another need is 404."""
    try:
        bid, revision = access.revision_for_commissioning(bid_id, current_user)
    except access.Sealed:
        abort(403)
    if bid.need_id != need.id:
        abort(404)
    return bid, revision


def _need_and_bid(need_id: int, bid_id: int, action: Action):
    """The need (403 unless the user may `action` on it), the bid and its counted revision."""
    need = need_or_404(need_id)
    require(current_user, action, need)
    return need, *_counted(need, bid_id)


def _organisation_name(revision) -> str:
    return revision.content["organisation"]["name"]


# The hub ----------------------------------------------------------------------------------------


def _lot_overview(lot: Lot, entries, members, undeclared: dict) -> dict:
    """One lot of the overview: its bids with where each scorer and moderation are, its
    closure, its decision (and contract once effective) and refused decisions."""
    bids = [
        {
            "bid": bid,
            "revision": revision,
            "organisation": _organisation_name(revision),
            "review": review_state(bid),
            "scorers": [(m, scoring.scorer_state(m, bid, revision, undeclared[m.id])) for m in members],
            "moderation": moderation.moderation_state(bid, revision),
        }
        for bid, revision in entries
        if bid.lot_id == lot.id
    ]
    decision = award.current_decision(lot)
    return {
        "lot": lot,
        "bids": bids,
        "closure": scoring.moderation_closure(lot),
        "decision": decision,
        "refused": award.refused_decisions(lot),
        "contract": signals.first_answer(signals.contract_of, decision)
        if decision is not None and decision.is_effective
        else None,
    }


def _overview_context(need: Need) -> dict:
    entries = access.submitted_bids(need, current_user)
    members = panel.panel(need)
    undeclared = {m.id: bool(panel.undeclared(need, m.user)) for m in members}
    return {
        "need": need,
        "lots": [_lot_overview(lot, entries, members, undeclared) for lot in need.lots],
        "panel": [(m, undeclared[m.id]) for m in members],
        "declarations": panel.declarations(need),
        "can_manage": can(current_user, Action.MANAGE_EVALUATION, need),
        "close_form": ConfirmForm(),
        "errors": [],
    }


@bp.get("/needs/<int:need_id>/evaluation")
@login_required
def overview(need_id):
    need = need_or_404(need_id)
    if not can(current_user, Action.VIEW_EVALUATION, need):
        if can(current_user, Action.TAKE_PART, need):
            return redirect(url_for("evaluation.my_evaluation", need_id=need.id))
        abort(403)
    return render_template("evaluation/panel/overview.html", **_overview_context(need))


@bp.post("/needs/<int:need_id>/evaluation/lots/<int:lot_id>/close-moderation")
@login_required
def close_moderation(need_id, lot_id):
    need = need_or_404(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    lot = lot_or_404(need, lot_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if committed(lambda: moderation.close_moderation(lot, actor=current_user), form, form.submit):
            return redirect(url_for("evaluation.overview", need_id=need.id, _anchor=f"lot-{lot.number}"))
    else:
        form.submit.errors = [_("The form had expired: try again")]
    context = _overview_context(need)
    context["errors"] = [
        {"text": _("Lot %(number)s: %(message)s", number=lot.number, message=message), "href": f"#close-lot-{lot.id}"}
        for message in form.submit.errors
    ]
    context["close_errors"] = {lot.id: form.submit.errors[0]}
    return render_template("evaluation/panel/overview.html", **context), 400


# The panel ----------------------------------------------------------------------------------------


def _panel_page(need: Need, *, form, remove_form, status: int, **extra):
    return render_template(
        "evaluation/panel/panel.html",
        need=need,
        members=panel.panel(need),
        adviser_places={p.panel_member_id: p for p in advisers.places(need) if p.panel_member_id},
        waiting_advisers=advisers.waiting_places(need),
        part_labels=lambda keys: advisers.part_labels(need, keys),
        form=form,
        remove_form=remove_form,
        **extra,
    ), status


@bp.route("/needs/<int:need_id>/evaluation/panel", methods=["GET", "POST"], endpoint="panel")
@login_required
def panel_page(need_id):
    need = need_or_404(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    form = AddEvaluatorForm(evaluators=panel.addable_evaluators(need))
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user_id.data))
        if committed(lambda: panel.assign_evaluator(need, user, actor=current_user), form, form.user_id):
            return redirect(url_for("evaluation.panel", need_id=need.id))
    return _panel_page(need, form=form, remove_form=ConfirmForm(), status=400 if form.errors else 200)


@bp.post("/needs/<int:need_id>/evaluation/panel/<int:member_id>/remove")
@login_required
def remove_panel_member(need_id, member_id):
    need = need_or_404(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    member = db.session.get(PanelMember, member_id)
    if member is None or member.need_id != need.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit() and committed(
        lambda: panel.remove_evaluator(member, actor=current_user), form, form.submit
    ):
        return redirect(url_for("evaluation.panel", need_id=need.id))
    if not form.submit.errors:
        form.submit.errors = [_("The form had expired: try again")]
    add_form = AddEvaluatorForm(formdata=None, evaluators=panel.addable_evaluators(need))
    return _panel_page(need, form=add_form, remove_form=form, status=400, remove_error=form.submit.errors[0])


# Declarations ----------------------------------------------------------------------------------


@bp.route("/needs/<int:need_id>/evaluation/declarations", methods=["GET", "POST"])
@login_required
def declare(need_id):
    need = need_or_404(need_id)
    require(current_user, Action.TAKE_PART, need)
    outstanding = panel.undeclared(need, current_user)
    form = declarations_form(outstanding)
    declared = (
        outstanding
        and form.validate_on_submit()
        and committed(lambda: panel.declare_conflicts(need, current_user, form.answers()), form, form.submit)
    )
    if declared:
        return redirect(url_for("evaluation.my_evaluation", need_id=need.id))
    status = 400 if form.errors else 200
    return render_template(
        "evaluation/panel/declare.html",
        need=need,
        form=form,
        done=panel.declarations(need, current_user),
        CONFLICT=CONFLICT,
        NO_CONFLICT=NO_CONFLICT,
    ), status


# The evaluator's home for this need ---------------------------------------------------------------


def _my_lots(need: Need) -> list[dict]:
    """Each lot with the bids the evaluator may open and where it is with each."""
    entries = access.submitted_bids(need, current_user)  # only the bids it may open
    lots = []
    for lot in need.lots:
        closed = scoring.moderation_closure(lot) is not None
        rows = [
            {
                "bid": bid,
                "organisation": _organisation_name(revision),
                "state": scoring.own_state(bid, current_user, closed),
            }
            for bid, revision in entries
            if bid.lot_id == lot.id
        ]
        lots.append({"lot": lot, "rows": rows, "closed": closed})
    return lots


@bp.get("/needs/<int:need_id>/evaluation/mine")
@login_required
def my_evaluation(need_id):
    need = need_or_404(need_id)
    require(current_user, Action.TAKE_PART, need)
    undeclared = panel.undeclared(need, current_user)
    conflicts = [d for d in panel.declarations(need, current_user) if d.conflicted]
    return render_template(
        "evaluation/panel/mine.html",
        need=need,
        undeclared=undeclared,
        lots=[] if undeclared else _my_lots(need),
        conflicts=conflicts,
    )


# Scoring ----------------------------------------------------------------------------------------


def _score_page(need: Need, bid, revision, *, form, sheet):
    content = revision.content
    return render_template(
        "evaluation/panel/score.html",
        need=need,
        bid=bid,
        revision=revision,
        form=form,
        sheet=sheet,
        may_score=can(current_user, Action.SCORE_BID, bid),
        adviser=scoring.parts_for(need, current_user) != scoring.parts(need),
        closure=scoring.moderation_closure(bid.lot),
        meanings=SCORE_MEANINGS,
        word_limit=JUSTIFICATION_WORD_LIMIT,
        saved=request.method == "GET" and request.args.get("saved") == "1",
        content=content,
        answers={str(a.get("criterion_id")): a for a in content.get("answers", [])},
    ), 400 if form.errors else 200


@bp.route("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/score", methods=["GET", "POST"])
@login_required
def score(need_id, bid_id):
    need, bid, revision = _need_and_bid(need_id, bid_id, Action.TAKE_PART)
    sheet = scoring.sheet_of(bid, current_user)
    if sheet is not None and sheet.submitted_at is not None:
        return redirect(url_for("evaluation.scores", need_id=need.id, bid_id=bid.id))
    parts = scoring.parts_for(need, current_user)
    saved = sheet is not None and request.method == "GET"
    others = [p.key for p in scoring.parts(need) if p not in parts]
    form = score_form(
        parts, others=others, data=saved_answers(parts, sheet.score_for, "justification") if saved else None
    )
    if form.validate_on_submit():
        submit = bool(form.submit_scores.data)
        default = form.submit_scores if submit else form.save_draft
        if committed(lambda: scoring.save_sheet(bid, current_user, form.scores(), submit=submit), form, default):
            if submit:
                return redirect(url_for("evaluation.scores", need_id=need.id, bid_id=bid.id))
            return redirect(url_for("evaluation.score", need_id=need.id, bid_id=bid.id, saved=1))
    return _score_page(need, bid, revision, form=form, sheet=sheet)


@bp.get("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/scores")
@login_required
def scores(need_id, bid_id):
    need = need_or_404(need_id)
    overseer = can(current_user, Action.VIEW_EVALUATION, need)
    if not overseer and not can(current_user, Action.TAKE_PART, need):
        abort(403)
    bid, revision = _counted(need, bid_id)
    if not overseer and not scoring.may_see_scores(current_user, bid):
        return render_template(
            "evaluation/panel/submit_first.html",
            need=need,
            bid=bid,
            organisation=_organisation_name(revision),
        ), 403
    return render_template(
        "evaluation/panel/scores.html",
        need=need,
        bid=bid,
        revision=revision,
        organisation=_organisation_name(revision),
        sheets=moderation.sheets_by_part(bid, None if overseer else scoring.parts_for(need, current_user)),
        can_manage=can(current_user, Action.MANAGE_EVALUATION, need),
        closure=scoring.moderation_closure(bid.lot),
        back_url=url_for("evaluation.overview" if overseer else "evaluation.my_evaluation", need_id=need.id),
    )


@bp.route("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(need_id, bid_id):
    need, bid, revision = _need_and_bid(need_id, bid_id, Action.MANAGE_EVALUATION)
    parts = scoring.parts(need)
    saved = request.method == "GET"
    form = moderation_form(
        parts, data=saved_answers(parts, moderation.agreed_scores(bid).get, "rationale") if saved else None
    )
    agreed = form.validate_on_submit() and committed(
        lambda: moderation.agree_scores(bid, form.scores(), actor=current_user), form, form.submit
    )
    if agreed:
        return redirect(url_for("evaluation.overview", need_id=need.id, _anchor=f"lot-{bid.lot.number}"))
    status = 400 if form.errors else 200
    return render_template(
        "evaluation/panel/moderate.html",
        need=need,
        bid=bid,
        revision=revision,
        organisation=_organisation_name(revision),
        form=form,
        sheets=moderation.sheets_by_part(bid),
        closure=scoring.moderation_closure(bid.lot),
        complete=scoring.scoring_complete(bid, revision),
        meanings=SCORE_MEANINGS,
        word_limit=JUSTIFICATION_WORD_LIMIT,
    ), status


# Ranking ----------------------------------------------------------------------------------------


def _working(row, lowest: int | None, price_weight: int) -> dict:
    """One bid's row of the ranking page: the working of each part and of the price."""
    parts = [
        {
            "label": part.label,
            "working": f"{score}/4 × {part.weight} = {scoring.two(points)}"
            if score is not None
            else _("Not agreed yet"),
        }
        for part, score, points in row.part_points
    ]
    price = None
    if row.excluded is None and lowest:
        price = (
            f"{format_pounds(lowest)} / {format_pounds(row.revision.price_pence)} × {price_weight} = {row.price_2dp}"
        )
    return {"row": row, "organisation": _organisation_name(row.revision), "parts": parts, "price": price}


@bp.get("/needs/<int:need_id>/evaluation/lots/<int:lot_id>/ranking", endpoint="ranking")
@login_required
def ranking_page(need_id, lot_id):
    need = need_or_404(need_id)
    require(current_user, Action.VIEW_EVALUATION, need)
    lot = lot_or_404(need, lot_id)
    access.submitted_bids(need, current_user)  # the bids are read through access (sealing, low-bid flags)
    rows = ranking.ranking(lot)
    lowest = ranking.lowest_compliant_price([(r.bid, r.revision) for r in rows])
    shown = [{**_working(row, lowest, need.price_weight or 0), "note": ranking.tie_note(row, rows)} for row in rows]
    return render_template(
        "evaluation/panel/ranking.html",
        need=need,
        lot=lot,
        rows=shown,
        lowest=lowest,
        parts=scoring.parts(need),
        closure=scoring.moderation_closure(lot),
    )
