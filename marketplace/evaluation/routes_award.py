"""Abnormally low bids, the award decision, board sign-off, and what bidders are told.

Who may (permissions.py): the commissioner of the need's area manages (asks a flagged
bidder to explain, accepts the explanation or rejects the bid, decides the award); the
commissioner and the board members of the area read those pages (board members
read-only); a board member of the area signs off a decision over the threshold; the lead
of a flagged bid explains its price, and its partners read the request; the parties of a
bid read its assessment summaries. Ids that do not belong together give 404; a page that
is seen but not allowed gives 403.

Every change calls a service and commits once; a refusal (EvaluationError) is shown by
its field with the input kept, status 400, and nothing written.
"""

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import signals
from ..bids import access, closing, lifecycle, parties
from ..bids.models import Bid
from ..extensions import db
from ..needs.models import Lot, Need
from ..permissions import Action, can, require
from ..refusals import committed
from ..timeutil import format_day, london, london_date, utcnow
from . import award as awards
from . import bp, low_bids
from .errors import REASONS_WORD_LIMIT
from .forms_award import (
    AwardForm,
    DecideLowBidForm,
    ExplanationForm,
    RequestExplanationForm,
    SignOffForm,
)
from .loaders import lot_or_404, need_or_404
from .models import AwardDecision, AwardOutcome
from .ranking import ranking
from .summaries import standstill_end_of, summaries_for
from .timing import earliest_respond_by
from .wording import (
    explain_summary,
    result_label,
    state_label,
    summary_advisers,
    summary_need_title,
    summary_part_label,
    summary_part_title,
)

bp.add_app_template_filter(state_label, "evaluation_state")


# Loading -------------------------------------------------------------------------------


def _overseen_need(need_id: int) -> Need:
    """The need, for its commissioner and board members (VIEW_EVALUATION); 403 for others."""
    need = need_or_404(need_id)
    require(current_user, Action.VIEW_EVALUATION, need)
    return need


def _flagged_bid(need: Need, bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.need_id != need.id or bid.low_flagged_at is None or lifecycle.counting_revision(bid) is None:
        abort(404)
    return bid


def _status(form) -> int:
    return 400 if form is not None and form.errors else 200


# Abnormally low bids: the commissioner's page ------------------------------------------


def _low_bid_page(need: Need, bid: Bid, *, form=None, now: datetime | None = None):
    now = now or utcnow()
    review = low_bids.review_of(bid)
    manage = can(current_user, Action.MANAGE_EVALUATION, need)
    if manage and form is None:
        if review is None:
            form = RequestExplanationForm(today=london_date(now))
        elif not review.is_decided:
            form = DecideLowBidForm()
    earliest = earliest_respond_by(now)
    return (
        render_template(
            "evaluation/award/low_bid.html",
            need=need,
            bid=bid,
            revision=lifecycle.counting_revision(bid),
            review=review,
            manage=manage,
            form=form if manage else None,
            earliest=format_day(earliest),
            window_open=low_bids.window_open(review, now),
            limit=REASONS_WORD_LIMIT,
        ),
        _status(form if manage else None),
    )


@bp.get("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/abnormally-low")
@login_required
def low_bid(need_id, bid_id):
    need = _overseen_need(need_id)
    return _low_bid_page(need, _flagged_bid(need, bid_id))


def _managed_flagged_bid(need_id: int, bid_id: int) -> tuple[Need, Bid]:
    need = need_or_404(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    return need, _flagged_bid(need, bid_id)


@bp.post("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/abnormally-low/request")
@login_required
def request_explanation(need_id, bid_id):
    need, bid = _managed_flagged_bid(need_id, bid_id)
    now = utcnow()
    if low_bids.review_of(bid) is not None:
        flash(_("An explanation has already been requested for this bid."))
        return redirect(url_for("evaluation.low_bid", need_id=need.id, bid_id=bid.id))
    form = RequestExplanationForm(today=london_date(now))
    if form.validate_on_submit() and committed(
        lambda: low_bids.request_explanation(
            bid, request=form.request.data, respond_by=form.respond_by.data, actor=current_user, now=now
        ),
        form,
        form.request,
    ):
        flash(_("%(organisation)s has been asked to explain its price.", organisation=bid.organisation.name), "success")
        return redirect(url_for("evaluation.low_bid", need_id=need.id, bid_id=bid.id))
    if not form.errors:
        abort(400)  # not a browser's POST (no CSRF token)
    return _low_bid_page(need, bid, form=form, now=now)


@bp.post("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/abnormally-low/decision")
@login_required
def decide_low_bid(need_id, bid_id):
    need, bid = _managed_flagged_bid(need_id, bid_id)
    review = low_bids.review_of(bid)
    if review is None or review.is_decided:
        flash(
            _("There is nothing to decide on this bid.") if review is None else _("This bid has already been decided.")
        )
        return redirect(url_for("evaluation.low_bid", need_id=need.id, bid_id=bid.id))
    form = DecideLowBidForm()
    if form.validate_on_submit() and committed(
        lambda: low_bids.decide_low_bid(review, accept=form.accept, reason=form.reason.data, actor=current_user),
        form,
        form.outcome,
    ):
        done = _("Explanation accepted: the bid stays in.") if form.accept else _("Bid rejected as abnormally low.")
        flash(done, "success")
        return redirect(url_for("evaluation.low_bid", need_id=need.id, bid_id=bid.id))
    if not form.errors:
        abort(400)
    return _low_bid_page(need, bid, form=form)


# Abnormally low bids: the bidder's explanation -----------------------------------------


def _reviewed_bid(bid_id: int):
    """A flagged bid and its review, for one of the bid's parties; 404 for anyone else or
    when no explanation was asked for."""
    bid = access.bid_for_party(bid_id, current_user)
    if not can(current_user, Action.VIEW_BID, bid):
        abort(404)
    review = low_bids.review_of(bid)
    if review is None:
        abort(404)
    return bid, review


def _explain_page(bid: Bid, review, *, form, may_explain: bool):
    return (
        render_template(
            "evaluation/award/explain.html",
            bid=bid,
            need=bid.need,
            review=review,
            form=form,
            may_explain=may_explain,
            lead=parties.leads(current_user, bid),
            limit=REASONS_WORD_LIMIT,
        ),
        _status(form),
    )


@bp.route("/bids/<int:bid_id>/explanation", methods=["GET", "POST"])
@login_required
def explain(bid_id):
    bid, review = _reviewed_bid(bid_id)
    may_explain = can(current_user, Action.EXPLAIN_LOW_BID, review)
    if request.method == "GET":
        return _explain_page(bid, review, form=ExplanationForm() if may_explain else None, may_explain=may_explain)
    if not parties.leads(current_user, bid):
        abort(403)
    form = ExplanationForm()

    def send():
        return low_bids.explain(review, text=form.response.data, actor=current_user)

    if not may_explain:
        # The lead, but the window has passed or it was answered: the service says why.
        committed(send, form, form.response)
    elif form.validate_on_submit() and committed(send, form, form.response):
        flash(_("Your explanation has been sent to the commissioner."), "success")
        return redirect(url_for("evaluation.explain", bid_id=bid.id))
    if not form.errors:
        abort(400)
    return _explain_page(bid, review, form=form, may_explain=may_explain)


# The award -----------------------------------------------------------------------------


def _award_page(need: Need, lot: Lot, *, form=None):
    rows = ranking(lot)
    decision = awards.current_decision(lot)
    manage = can(current_user, Action.MANAGE_EVALUATION, need)
    if manage and decision is None and form is None:
        form = AwardForm(rows=awards.awardable(lot, rows), unchosen=awards.unchosen_message(lot))
    shown_form = form if manage and (decision is None or (form is not None and form.errors)) else None
    moderation = url_for("evaluation.overview", need_id=need.id, _anchor=f"lot-{lot.number}")
    moderation_first = shown_form is not None and awards.MODERATION_OPEN in shown_form.bid_id.errors
    return (
        render_template(
            "evaluation/award/award.html",
            need=need,
            lot=lot,
            rows=rows,
            problems=awards.award_problems(lot, None),
            problem_links={awards.MODERATION_OPEN: moderation},
            unresolved=low_bids.unresolved_low_bids(lot),
            decision=decision,
            history=awards.refused_decisions(lot),
            manage=manage,
            form=shown_form,
            error_links={"bid_id": moderation} if moderation_first else {},
            threshold=awards.sign_off_threshold(need),
            needs_sign_off=awards.needs_sign_off(lot),
            standstill_over=decision is not None and awards.standstill_over(decision),
            limit=REASONS_WORD_LIMIT,
            AwardOutcome=AwardOutcome,
        ),
        _status(shown_form),
    )


@bp.route("/needs/<int:need_id>/lots/<int:lot_id>/award", methods=["GET", "POST"])
@login_required
def award(need_id, lot_id):
    need = _overseen_need(need_id)
    lot = lot_or_404(need, lot_id)
    # Abnormally low bids are flagged once after closing (usually when the bids are first
    # opened): make sure it has happened before a lot is awarded.
    if closing.check_at_closing(need):
        db.session.commit()
    if request.method == "GET":
        return _award_page(need, lot)
    require(current_user, Action.MANAGE_EVALUATION, need)
    rows = ranking(lot)
    form = AwardForm(rows=awards.awardable(lot, rows), unchosen=awards.unchosen_message(lot))
    if form.validate_on_submit():
        chosen = form.chosen_bid_id
        bid = next((r.bid for r in rows if r.bid.id == chosen), None)
        if committed(
            lambda: awards.decide(lot, bid=bid, reasons=form.reasons.data, actor=current_user), form, form.bid_id
        ):
            decision = awards.current_decision(lot)
            if decision is not None and decision.is_waiting_for_sign_off:
                flash(
                    _("Decision recorded. It takes effect when a board member approves it: they have been emailed."),
                    "success",
                )
            else:
                flash(_("Decision recorded. Every bidder has been sent its assessment summary."), "success")
            return redirect(url_for("evaluation.award", need_id=need.id, lot_id=lot.id))
    if not form.errors:
        abort(400)
    return _award_page(need, lot, form=form)


# Board sign-off ------------------------------------------------------------------------


@bp.get("/sign-offs")
@login_required
def sign_offs():
    # Board members only; the list itself is filtered by area in award.waiting_for_sign_off.
    require(current_user, Action.LIST_SIGN_OFFS)
    return render_template("evaluation/award/sign_offs.html", decisions=awards.waiting_for_sign_off(current_user))


def _sign_off_page(decision: AwardDecision, *, form=None):
    lot = decision.lot
    need = lot.need
    may_sign = can(current_user, Action.SIGN_OFF_AWARD, decision)
    if may_sign and form is None:
        form = SignOffForm()
    return (
        render_template(
            "evaluation/award/sign_off.html",
            decision=decision,
            need=need,
            lot=lot,
            rows=ranking(lot),
            threshold=awards.sign_off_threshold(need),
            form=form if may_sign else None,
            may_sign=may_sign,
            limit=REASONS_WORD_LIMIT,
        ),
        _status(form if may_sign else None),
    )


def _not_signer(decision: AwardDecision, need):
    """A POST from someone who may not sign this decision off: back to the page, with a
    message, when it is no longer waiting for sign-off and they may view it; else 403."""
    if (
        can(current_user, Action.VIEW_EVALUATION, need)
        and decision.needs_sign_off
        and not decision.is_waiting_for_sign_off
    ):
        flash(_("This decision has already been signed off or refused."))
        return redirect(url_for("evaluation.sign_off", decision_id=decision.id))
    abort(403)


def _signed_off(decision: AwardDecision, approved: bool):
    if approved:
        flash(
            _("Decision approved. It has taken effect: every bidder has been sent its assessment summary."), "success"
        )
    else:
        flash(_("Decision not approved. The commissioner has been told why and will decide again."), "success")
    return redirect(url_for("evaluation.sign_off", decision_id=decision.id))


@bp.route("/sign-offs/<int:decision_id>", methods=["GET", "POST"])
@login_required
def sign_off(decision_id):
    decision = db.get_or_404(AwardDecision, decision_id)
    need = decision.lot.need
    if not (can(current_user, Action.SIGN_OFF_AWARD, decision) or can(current_user, Action.VIEW_EVALUATION, need)):
        abort(403)
    if request.method == "GET":
        return _sign_off_page(decision)
    if not can(current_user, Action.SIGN_OFF_AWARD, decision):
        return _not_signer(decision, need)
    form = SignOffForm()
    if form.validate_on_submit() and committed(
        lambda: awards.sign_off(decision, approve=form.approve, comment=form.comment.data, actor=current_user),
        form,
        form.decision,
    ):
        return _signed_off(decision, form.approve)
    if not form.errors:
        abort(400)
    return _sign_off_page(decision, form=form)


# Assessment summaries ------------------------------------------------------------------


@bp.app_template_filter("london_iso")
def london_iso(value: str | None) -> str:
    """A time frozen as ISO text (an assessment summary's standstill end), in London time."""
    moment = standstill_end_of({"standstill_ends_at": value})
    return london(moment) if moment is not None else ""


@bp.get("/bids/<int:bid_id>/summary")
@login_required
def summary(bid_id):
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        abort(404)
    shown = [s for s in summaries_for(bid) if can(current_user, Action.VIEW_SUMMARY, s)]
    if not shown:
        abort(404)
    return render_template(
        "evaluation/award/summary.html",
        bid=bid,
        need=bid.need,
        summaries=[(s, s.content, standstill_end_of(s.content)) for s in shown],
        result_label=result_label,
        explain=explain_summary,
        part_label=summary_part_label,
        part_title=summary_part_title,
        advisers=summary_advisers,
        need_title=summary_need_title,
        party=parties.is_party(current_user, bid),
    )


@signals.bid_page.connect
def bid_outcome(bid: Bid) -> dict:
    """For the provider's bid page, after closing: an explanation asked for, and the
    assessment summaries sent."""
    review = low_bids.review_of(bid) if bid.low_flagged_at is not None else None
    return {
        "outcome": {
            "review": review,
            "may_explain": review is not None and can(current_user, Action.EXPLAIN_LOW_BID, review),
            "summaries": summaries_for(bid),
        }
    }
