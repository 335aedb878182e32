"""Checking, submitting and withdrawing a bid: the check page (what stops submission, and
the changes to the need since the last submission), the submission and its receipt,
and withdrawing with a reason.

Who may: every party reads the check page and the receipts (Action.VIEW_BID); only
members of the lead organisation submit or withdraw (Action.LEAD_BID; a partner gets
403, anyone else 404). Once the need has closed the services refuse, with a message
saying when the request reached us.
"""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..arrival import request_received_at
from ..extensions import db
from ..forms import ConfirmForm
from ..needs import changes
from ..permissions import Action, can, require
from ..refusals import committed
from ..timeutil import london
from . import bp, lifecycle, submission
from .errors import BidError
from .forms import WithdrawBidForm
from .models import Bid, BidRevision, BidState
from .pages import (
    bid_login_required,
    closed_message,
    lead_bid_or_closed,
    party_bid,
    section_form,
    section_page,
    section_urls,
    summary_context,
)


def _unseen_changes(bid: Bid) -> list:
    """The changes to the need that the bid's last submission did not see, each with what
    changed field by field: what the bidder checks before confirming the bid again."""
    latest = bid.latest_revision
    if latest is None:
        return []
    return [(amendment, changes.describe(amendment)) for amendment in lifecycle.changes_since(latest, bid.lot)]


def _check_page(bid: Bid, *, error: str | None = None, status: int = 200):
    return (
        render_template(
            "bids/check.html",
            bid=bid,
            need=bid.need,
            problems=submission.problems(bid),
            error=error,
            can_submit=can(current_user, Action.SUBMIT_BID, bid),
            lead=can(current_user, Action.LEAD_BID, bid),
            state=lifecycle.bid_state(bid),
            section_urls=section_urls(bid),
            submit_form=ConfirmForm(),
            closed_message=closed_message(bid.need),
            unseen_changes=_unseen_changes(bid),
            **summary_context(bid, submission.bid_content(bid)),
        ),
        status,
    )


@bp.route("/bids/<int:bid_id>/check", methods=["GET", "POST"])
@bid_login_required
def check(bid_id):
    bid = party_bid(bid_id)
    if request.method == "GET":
        return _check_page(bid)
    require(current_user, Action.LEAD_BID, bid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    before = bid.latest_revision.id if bid.latest_revision else None
    try:
        revision = submission.submit_bid(bid, actor=current_user, now=request_received_at())
    except BidError as error:  # BidClosed too: the draft is kept
        db.session.rollback()
        return _check_page(bid, error=str(error))
    db.session.commit()
    if revision.id == before:
        flash(_("This bid had already been submitted with exactly this content: this is its receipt."))
    return redirect(url_for("bids.receipt", bid_id=bid.id, number=revision.number))


@bp.get("/bids/<int:bid_id>/revisions/<int:number>")
@bid_login_required
def receipt(bid_id, number):
    bid = party_bid(bid_id)
    revision = db.session.scalar(
        sa.select(BidRevision).where(BidRevision.bid_id == bid.id, BidRevision.number == number)
    )
    if revision is None:
        abort(404)
    return render_template(
        "bids/receipt.html",
        bid=bid,
        need=bid.need,
        revision=revision,
        counting=lifecycle.counting_revision(bid),
        state=lifecycle.bid_state(bid),
        lead=can(current_user, Action.LEAD_BID, bid),
    )


@bp.route("/bids/<int:bid_id>/withdraw", methods=["GET", "POST"])
@bid_login_required
def withdraw(bid_id):
    bid, closed = lead_bid_or_closed(bid_id, Action.WITHDRAW_BID)
    if closed:
        return closed
    if lifecycle.bid_state(bid) == BidState.WITHDRAWN:
        flash(_("This bid has already been withdrawn."))
        return redirect(url_for("bids.show_bid", bid_id=bid.id))
    form, kept = section_form(WithdrawBidForm, dict)
    if form.validate_on_submit():
        received_at = request_received_at()
        if committed(
            lambda: submission.withdraw_bid(bid, actor=current_user, reason=form.reason.data, now=received_at),
            form,
            form.reason,
        ):
            flash(
                _(
                    "Bid withdrawn. You can submit it again until the need closes at %(time)s.",
                    time=london(bid.need.closes_at),
                ),
                "success",
            )
            return redirect(url_for("bids.show_bid", bid_id=bid.id))
    return section_page("withdraw.html", bid, form, kept=kept)
