"""Use an earlier answer: under each question of a bid, and under its social value, a
searchable list of what the organisation wrote before (reuse.py), each with a button that
copies it into this bid's answer, to check and edit.

Who may: members of the bid's lead organisation while the need is open, as for the
sections themselves (pages.lead_bid_or_closed: a partner gets 403, anyone else 404, a
closed need sends the lead to the bid). A copy names its source by an opaque reference,
found again among the organisation's own texts: an unknown one, or another
organisation's, is a 404 and writes nothing.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import HiddenField, StringField

from ..extensions import db
from ..forms import MaxLength, strip
from ..permissions import Action, can
from . import bp, reuse
from .errors import BidError
from .models import Bid
from .pages import bid_login_required, closed_redirect, lead_bid_or_closed

SHOWN = 20


class EarlierSearchForm(FlaskForm):
    """The search box (a GET form: nothing is changed, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Search your earlier answers",
        filters=[strip],
        validators=[MaxLength("The search", 200)],
        widget=GovTextInput(),
        description="Words that must all appear in the answer or the need's title, for example mentoring",
    )


class UseEarlierForm(FlaskForm):
    source = HiddenField()


def _target(bid: Bid, criterion_id: int | None) -> dict:
    """What the earlier answer is for: the key of the bid's text, how the page names it,
    and where the copy lands."""
    if criterion_id is None:
        if bid.need.short_form:
            abort(404)  # the short grant form has no social value answer: it is part of question 3
        return {
            "key": reuse.SOCIAL_VALUE,
            "for_what": _("For your social value commitments."),
            "back": url_for("bids.edit_social_value", bid_id=bid.id, _anchor="social_value"),
        }
    criterion = next((c for c in bid.need.criteria if c.id == criterion_id), None)
    if criterion is None:
        abort(404)
    return {
        "key": str(criterion.id),
        "for_what": _("For question %(number)s: %(question)s", number=criterion.number, question=criterion.question),
        "back": url_for("bids.edit_answers", bid_id=bid.id, _anchor=f"answer_{criterion.id}"),
    }


def _use(bid: Bid, target: dict):
    """Copy the source named by the form into the bid, and go back to the section."""
    form = UseEarlierForm()
    if not form.validate_on_submit() or not form.source.data:
        flash(_("Choose the earlier answer to use."), "error")
        return redirect(request.path)
    earlier = reuse.find(bid.organisation, bid=bid, key=target["key"], reference=form.source.data)
    if earlier is None:
        abort(404)
    try:
        reuse.copy_earlier(bid, earlier, key=target["key"], actor=current_user)
    except BidError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("bids.show_bid", bid_id=bid.id))
    db.session.commit()
    flash(
        _("Answer copied from ‘%(title)s’. Check it answers this question, and edit it.", title=earlier.need_title),
        "success",
    )
    return redirect(target["back"])


def _earlier(bid_id: int, criterion_id: int | None = None):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    target = _target(bid, criterion_id)
    if request.method == "POST":
        return _use(bid, target) if can(current_user, Action.EDIT_BID, bid) else closed_redirect(bid)
    search = EarlierSearchForm(request.args)
    query = search.q.data or "" if search.validate() else ""
    found = reuse.search(reuse.earlier_texts(bid.organisation, bid=bid, key=target["key"]), query)
    return render_template(
        "bids/earlier.html",
        bid=bid,
        need=bid.need,
        kept=False,
        form=search,  # (for the error summary)
        search=search,
        query=query,
        shown=found[:SHOWN],
        total=len(found),
        **target,
    )


@bp.route("/bids/<int:bid_id>/answers/<int:criterion_id>/earlier", methods=["GET", "POST"])
@bid_login_required
def earlier_answers(bid_id, criterion_id):
    return _earlier(bid_id, criterion_id)


@bp.route("/bids/<int:bid_id>/social-value/earlier", methods=["GET", "POST"])
@bid_login_required
def earlier_social_value(bid_id):
    return _earlier(bid_id)
