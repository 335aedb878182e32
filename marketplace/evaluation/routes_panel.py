"""The evaluation of a closed need: the hub (overview), the panel, conflict declarations,
independent scoring, the sheets side by side, moderation, closing moderation, and the
ranking with its working.

Who may (permissions.py, asked here only through can/require):
- commissioners and board members of the need's area see the evaluation (VIEW_EVALUATION);
  only the commissioner changes it (MANAGE_EVALUATION): the panel, moderation, closing;
- an evaluator on the panel (TAKE_PART) declares its interests, then scores the bids it
  may open (SCORE_BID), and sees the others' scores for a bid only after submitting its
  own (services.may_see_scores);
- everyone else gets 403, or 404 for a need they may not see. Lots, bids and panel
  members that are not the need's: 404.

Bids are read only through bids.access (submitted_bids, revision_for_commissioning), so
an evaluator never opens a bid it declared a conflict with, and the refusal is audited.

Every change calls a service and commits once; a refusal (EvaluationError) is shown by its
field with an error summary, the input kept, status 400, nothing written.
"""


from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.models import User
from ..bids import access
from ..extensions import db
from ..forms import ConfirmForm
from ..money import format_pounds
from ..needs.models import Lot, Need
from ..permissions import Action, can, require
from ..refusals import committed
from . import bp, services
from .forms_panel import (
    CONFLICT,
    NO_CONFLICT,
    AddEvaluatorForm,
    declarations_form,
    moderation_form,
    score_form,
)
from .models import SCORE_MEANINGS, PanelMember

# Loading -----------------------------------------------------------------------------------


def _need(need_id: int) -> Need:
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    return need


def _lot(need: Need, lot_id: int) -> Lot:
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.need_id != need.id:
        abort(404)
    return lot


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


def _organisation_name(revision) -> str:
    return revision.content["organisation"]["name"]


# Per-bid facts shared by the pages ---------------------------------------------------------------


def _member_state(need: Need, member: PanelMember, bid, revision, undeclared: bool) -> str:
    if undeclared:
        return "Not declared yet"
    if services.conflicted_with(need, member.user, revision):
        return "Conflict declared"
    sheet = services.sheet_of(bid, member.user)
    if sheet is None:
        return "Not started"
    return "Submitted" if sheet.submitted_at is not None else "Draft saved"


def _moderation_state(need: Need, bid, revision) -> str:
    if services.is_rejected(bid):
        return "Rejected as abnormally low"
    wanted = {p.key for p in services.parts(need)}
    if wanted <= set(services.agreed_scores(bid)):
        return "Scores agreed"
    if services.scoring_complete(bid, revision):
        return "Ready to moderate"
    return "Waiting for scores"


def _review_state(bid) -> str | None:
    if bid.low_flagged_at is None:
        return None
    review = services.review_of(bid)
    if review is None:
        return "Explanation not asked for yet"
    if review.is_decided:
        return review.outcome.label
    if review.responded_at is not None:
        return "Explanation received: decide"
    return "Waiting for the bidder's explanation"


def _sheets(need: Need, bid) -> list[dict]:
    """The counted sheets, part by part: who scored what and why."""
    sheets = services.counted_sheets(bid)
    agreed = services.agreed_scores(bid)
    return [
        {
            "part": part,
            "lines": [(sheet.user, sheet.score_for(part.key)) for sheet in sheets],
            "agreed": agreed.get(part.key),
        }
        for part in services.parts(need)
    ]


# The hub ----------------------------------------------------------------------------------------


def _overview_context(need: Need) -> dict:
    entries = access.submitted_bids(need, current_user)
    panel = services.panel(need)
    undeclared = {m.id: bool(services.undeclared(need, m.user)) for m in panel}
    lots = []
    for lot in need.lots:
        bids = []
        for bid, revision in entries:
            if bid.lot_id != lot.id:
                continue
            bids.append({
                "bid": bid,
                "revision": revision,
                "organisation": _organisation_name(revision),
                "review": _review_state(bid),
                "scorers": [(m, _member_state(need, m, bid, revision, undeclared[m.id])) for m in panel],
                "moderation": _moderation_state(need, bid, revision),
            })
        decision = services.current_decision(lot)
        contract = None
        if decision is not None and decision.is_effective:
            from ..contracts.services import contract_for

            contract = contract_for(decision)
        lots.append({
            "lot": lot,
            "bids": bids,
            "closure": services.moderation_closure(lot),
            "decision": decision,
            "refused": [d for d in services.decisions(lot) if d.refused_at is not None],
            "contract": contract,
        })
    return {
        "need": need,
        "lots": lots,
        "panel": [(m, undeclared[m.id]) for m in panel],
        "declarations": services.declarations(need),
        "can_manage": can(current_user, Action.MANAGE_EVALUATION, need),
        "close_form": ConfirmForm(),
        "errors": [],
    }


@bp.get("/needs/<int:need_id>/evaluation")
@login_required
def overview(need_id):
    need = _need(need_id)
    if not can(current_user, Action.VIEW_EVALUATION, need):
        if can(current_user, Action.TAKE_PART, need):
            return redirect(url_for("evaluation.my_evaluation", need_id=need.id))
        abort(403)
    return render_template("evaluation/panel/overview.html", **_overview_context(need))


@bp.post("/needs/<int:need_id>/evaluation/lots/<int:lot_id>/close-moderation")
@login_required
def close_moderation(need_id, lot_id):
    need = _need(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    lot = _lot(need, lot_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if committed(lambda: services.close_moderation(lot, actor=current_user), form, form.submit):
            return redirect(url_for("evaluation.overview", need_id=need.id, _anchor=f"lot-{lot.number}"))
    else:
        form.submit.errors = ["The form had expired: try again"]
    context = _overview_context(need)
    context["errors"] = [{"text": f"Lot {lot.number}: {message}", "href": f"#close-lot-{lot.id}"} for message in form.submit.errors]
    context["close_errors"] = {lot.id: form.submit.errors[0]}
    return render_template("evaluation/panel/overview.html", **context), 400


# The panel ----------------------------------------------------------------------------------------


@bp.route("/needs/<int:need_id>/evaluation/panel", methods=["GET", "POST"])
@login_required
def panel(need_id):
    need = _need(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    members = services.panel(need)
    on_panel = {m.user_id for m in members}
    available = [u for u in services.available_evaluators(need) if u.id not in on_panel]
    form = AddEvaluatorForm(evaluators=available)
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user_id.data))
        if committed(lambda: services.assign_evaluator(need, user, actor=current_user), form, form.user_id):
            return redirect(url_for("evaluation.panel", need_id=need.id))
    status = 400 if form.errors else 200
    return render_template(
        "evaluation/panel/panel.html", need=need, members=members, form=form, remove_form=ConfirmForm(),
    ), status


@bp.post("/needs/<int:need_id>/evaluation/panel/<int:member_id>/remove")
@login_required
def remove_panel_member(need_id, member_id):
    need = _need(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    member = db.session.get(PanelMember, member_id)
    if member is None or member.need_id != need.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit() and committed(lambda: services.remove_evaluator(member, actor=current_user), form, form.submit):
        return redirect(url_for("evaluation.panel", need_id=need.id))
    if not form.submit.errors:
        form.submit.errors = ["The form had expired: try again"]
    members = services.panel(need)
    on_panel = {m.user_id for m in members}
    add_form = AddEvaluatorForm(formdata=None, evaluators=[u for u in services.available_evaluators(need) if u.id not in on_panel])
    return render_template(
        "evaluation/panel/panel.html", need=need, members=members, form=add_form, remove_form=form,
        remove_error=form.submit.errors[0],
    ), 400


# Declarations ----------------------------------------------------------------------------------


@bp.route("/needs/<int:need_id>/evaluation/declarations", methods=["GET", "POST"])
@login_required
def declare(need_id):
    need = _need(need_id)
    require(current_user, Action.TAKE_PART, need)
    outstanding = services.undeclared(need, current_user)
    form = declarations_form(outstanding)
    declared = outstanding and form.validate_on_submit() and committed(
        lambda: services.declare_conflicts(need, current_user, form.answers()), form, form.submit
    )
    if declared:
        return redirect(url_for("evaluation.my_evaluation", need_id=need.id))
    status = 400 if form.errors else 200
    return render_template(
        "evaluation/panel/declare.html", need=need, form=form, done=services.declarations(need, current_user),
        CONFLICT=CONFLICT, NO_CONFLICT=NO_CONFLICT,
    ), status


# The evaluator's home for this need ---------------------------------------------------------------


@bp.get("/needs/<int:need_id>/evaluation/mine")
@login_required
def my_evaluation(need_id):
    need = _need(need_id)
    require(current_user, Action.TAKE_PART, need)
    undeclared = services.undeclared(need, current_user)
    lots = []
    if not undeclared:
        entries = access.submitted_bids(need, current_user)  # only the bids it may open
        for lot in need.lots:
            closed = services.moderation_closure(lot) is not None
            rows = []
            for bid, revision in entries:
                if bid.lot_id != lot.id:
                    continue
                sheet = services.sheet_of(bid, current_user)
                if sheet is not None and sheet.submitted_at is not None:
                    state = "Submitted"
                elif closed:
                    state = "Moderation closed"
                elif sheet is not None:
                    state = "Draft saved"
                else:
                    state = "To score"
                rows.append({"bid": bid, "organisation": _organisation_name(revision), "state": state})
            lots.append({"lot": lot, "rows": rows, "closed": closed})
    conflicts = [d for d in services.declarations(need, current_user) if d.conflicted]
    return render_template(
        "evaluation/panel/mine.html", need=need, undeclared=undeclared, lots=lots, conflicts=conflicts,
    )


# Scoring ----------------------------------------------------------------------------------------


def _bid_facts(need: Need, revision) -> dict:
    """What each part of the score sheet is about, from the counted revision."""
    content = revision.content
    answers = {str(a.get("criterion_id")): a for a in content.get("answers", [])}
    return {
        "content": content,
        "answers": answers,
    }


@bp.route("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/score", methods=["GET", "POST"])
@login_required
def score(need_id, bid_id):
    need = _need(need_id)
    require(current_user, Action.TAKE_PART, need)
    bid, revision = _counted(need, bid_id)
    sheet = services.sheet_of(bid, current_user)
    if sheet is not None and sheet.submitted_at is not None:
        return redirect(url_for("evaluation.scores", need_id=need.id, bid_id=bid.id))
    parts = services.parts(need)
    data = None
    if sheet is not None and request.method == "GET":
        data = {}
        for part in parts:
            line = sheet.score_for(part.key)
            data[f"score_{part.key}"] = None if line is None or line.score is None else str(line.score)
            data[f"justification_{part.key}"] = "" if line is None else line.justification
    form = score_form(parts, data=data)
    if form.validate_on_submit():
        submit = bool(form.submit_scores.data)
        default = form.submit_scores if submit else form.save_draft
        if committed(lambda: services.save_sheet(bid, current_user, form.scores(), submit=submit), form, default):
            if submit:
                return redirect(url_for("evaluation.scores", need_id=need.id, bid_id=bid.id))
            return redirect(url_for("evaluation.score", need_id=need.id, bid_id=bid.id, saved=1))
    status = 400 if form.errors else 200
    return render_template(
        "evaluation/panel/score.html", need=need, bid=bid, revision=revision, form=form, sheet=sheet,
        may_score=can(current_user, Action.SCORE_BID, bid), closure=services.moderation_closure(bid.lot),
        meanings=SCORE_MEANINGS, word_limit=services.JUSTIFICATION_WORD_LIMIT,
        saved=request.method == "GET" and request.args.get("saved") == "1", **_bid_facts(need, revision),
    ), status


@bp.get("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/scores")
@login_required
def scores(need_id, bid_id):
    need = _need(need_id)
    overseer = can(current_user, Action.VIEW_EVALUATION, need)
    if not overseer and not can(current_user, Action.TAKE_PART, need):
        abort(403)
    bid, revision = _counted(need, bid_id)
    if not overseer and not services.may_see_scores(current_user, bid):
        return render_template(
            "evaluation/panel/submit_first.html", need=need, bid=bid, organisation=_organisation_name(revision),
        ), 403
    return render_template(
        "evaluation/panel/scores.html", need=need, bid=bid, revision=revision, organisation=_organisation_name(revision),
        sheets=_sheets(need, bid), can_manage=can(current_user, Action.MANAGE_EVALUATION, need),
        closure=services.moderation_closure(bid.lot), back_url=url_for(
            "evaluation.overview" if overseer else "evaluation.my_evaluation", need_id=need.id
        ),
    )


@bp.route("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(need_id, bid_id):
    need = _need(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    bid, revision = _counted(need, bid_id)
    parts = services.parts(need)
    data = None
    if request.method == "GET":
        agreed = services.agreed_scores(bid)
        data = {}
        for part in parts:
            line = agreed.get(part.key)
            data[f"score_{part.key}"] = None if line is None else str(line.score)
            data[f"rationale_{part.key}"] = "" if line is None else line.rationale
    form = moderation_form(parts, data=data)
    agreed = form.validate_on_submit() and committed(
        lambda: services.agree_scores(bid, form.scores(), actor=current_user), form, form.submit
    )
    if agreed:
        return redirect(url_for("evaluation.overview", need_id=need.id, _anchor=f"lot-{bid.lot.number}"))
    status = 400 if form.errors else 200
    return render_template(
        "evaluation/panel/moderate.html", need=need, bid=bid, revision=revision, organisation=_organisation_name(revision),
        form=form, sheets=_sheets(need, bid), closure=services.moderation_closure(bid.lot),
        complete=services.scoring_complete(bid, revision), meanings=SCORE_MEANINGS,
        word_limit=services.JUSTIFICATION_WORD_LIMIT,
    ), status


# Ranking ----------------------------------------------------------------------------------------


def _ranking_rows(need: Need, lot: Lot) -> tuple[list[dict], int | None]:
    rows = services.ranking(lot)
    lowest = services.lowest_compliant_price([(r.bid, r.revision) for r in rows])
    price_weight = need.price_weight or 0
    result = []
    for row in rows:
        parts = [
            {
                "label": part.label,
                "working": (
                    f"{score}/4 × {part.weight} = {services.two(points)}"
                    if score is not None else "Not agreed yet"
                ),
            }
            for part, score, points in row.part_points
        ]
        price = None
        if row.excluded is None and lowest:
            price = (
                f"{format_pounds(lowest)} / {format_pounds(row.revision.price_pence)} × {price_weight}"
                f" = {row.price_2dp}"
            )
        note = None
        if row.tied:
            note = "Tied: the same total and the same quality score"
        elif row.rank is not None:
            same = [o for o in rows if o is not row and o.rank is not None and o.total_2dp == row.total_2dp]
            if same:
                higher = all(row.quality_2dp > o.quality_2dp for o in same)
                note = (
                    "Same total as another bid: placed "
                    + ("above" if higher else "below")
                    + " it by its "
                    + ("higher" if higher else "lower")
                    + " quality score"
                )
        result.append({
            "row": row,
            "organisation": _organisation_name(row.revision),
            "parts": parts,
            "price": price,
            "note": note,
        })
    return result, lowest


@bp.get("/needs/<int:need_id>/evaluation/lots/<int:lot_id>/ranking")
@login_required
def ranking(need_id, lot_id):
    need = _need(need_id)
    require(current_user, Action.VIEW_EVALUATION, need)
    lot = _lot(need, lot_id)
    access.submitted_bids(need, current_user)  # the bids are read through access (sealing, low-bid flags)
    rows, lowest = _ranking_rows(need, lot)
    return render_template(
        "evaluation/panel/ranking.html", need=need, lot=lot, rows=rows, lowest=lowest,
        parts=services.parts(need), closure=services.moderation_closure(lot),
    )
