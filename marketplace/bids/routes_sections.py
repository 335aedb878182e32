"""The sections of a draft bid, each a page of the task list: answers to the quality
questions, price and its breakdown, social value, local presence and declarations.

Who may: members of the lead organisation (Action.LEAD_BID; a partner gets 403, anyone
else 404). Once the need has closed, opening a section sends the lead to the bid
read-only, and a save is refused by the services with a message by the form.

Nothing typed is lost: a validation error keeps the input in the page, text over a word
or character limit is saved all the same (and the page says what is wrong), and a POST
from a signed-out user is kept for them (see stash.py).
"""

from collections.abc import Callable
from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..money import format_pounds
from ..refusals import committed
from . import bp, drafting
from .forms import (
    DeclarationsForm,
    LocalPresenceForm,
    SocialValueForm,
    answers_form,
    price_form,
)
from .models import Bid
from .pages import bid_login_required, lead_bid_or_closed, section_form, section_page


def _save_section(bid: Bid, form, save: Callable[[], None], *, error_field, done: str, over_limit: bool = False):
    """Call the service; on a refusal, put its message by `error_field` and write nothing.
    Over a word or character limit the text is saved, and the page is shown again with the error.
    Returns (a redirect or None, whether it was saved)."""
    if not committed(save, form, error_field):
        return None, False
    if over_limit:
        return None, True
    flash(done, "success")
    return redirect(url_for("bids.show_bid", bid_id=bid.id)), True


def _save_text_section(bid: Bid, form, save: Callable[[], None], *, error_field, done: str, earlier: str | None = None):
    """A section of text with word limits. On GET a draft saved over a limit says so when
    it is opened again; a valid POST is saved even over a limit (see _save_section). When
    the person pressed "Use an earlier answer" (`earlier`, the list's address), what they
    typed is saved first, then they go to choose."""
    if request.method == "GET":
        form.limit_errors()
        return None, False
    if not form.validate_on_submit():
        return None, False
    over = form.limit_errors()
    response, saved = _save_section(bid, form, save, error_field=error_field, done=done, over_limit=over)
    if saved and earlier:
        return redirect(earlier), True
    return response, saved


def _earlier_for(bid: Bid) -> str | None:
    """Where the "Use an earlier answer" button pressed (if one was) leads: a question's
    earlier answers, or the social value's."""
    pressed = request.form.get("earlier", "")
    if pressed == "social_value":
        return url_for("bids.earlier_social_value", bid_id=bid.id)
    if any(str(c.id) == pressed for c in bid.need.criteria):
        return url_for("bids.earlier_answers", bid_id=bid.id, criterion_id=int(pressed))
    return None


@bp.route("/bids/<int:bid_id>/answers", methods=["GET", "POST"])
@bid_login_required
def edit_answers(bid_id):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    criteria = bid.need.criteria
    answers = bid.answers or {}
    form, kept = section_form(
        lambda **kw: answers_form(criteria, **kw),
        lambda: {f"answer_{c.id}": answers.get(str(c.id), "") for c in criteria},
    )
    response, saved = _save_text_section(
        bid,
        form,
        lambda: drafting.save_answers(
            bid, answers={c.id: field.data for c, field in form.questions}, actor=current_user
        ),
        error_field=form.questions[0][1] if form.questions else form.submit,
        done=_("Answers saved."),
        earlier=_earlier_for(bid),
    )
    return response or section_page("answers.html", bid, form, kept=kept, saved=saved)


def _plain_pounds(pence: int | None) -> str:
    """An amount to put in a box that already shows "£": '12,500.50'."""
    return format_pounds(pence).lstrip("£") if pence is not None else ""


def _saved_price(bid: Bid, parts) -> dict:
    """The price page's boxes from what is saved: the breakdown only while it still
    matches the need's payment profile."""
    breakdown = bid.price_breakdown or {}
    data = {"price": _plain_pounds(bid.price_pence), "people": bid.people}
    if set(breakdown) == {key for key, _, _ in parts}:
        data.update({f"part_{key}": _plain_pounds(breakdown[key]) for key, _, _ in parts})
    return data


@bp.route("/bids/<int:bid_id>/price", methods=["GET", "POST"])
@bid_login_required
def edit_price(bid_id):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    parts = drafting.payment_parts(bid)
    form, kept = section_form(lambda **kw: price_form(parts, **kw), lambda: _saved_price(bid, parts))
    if form.validate_on_submit():
        amounts = form.breakdown or drafting.suggested_breakdown(bid, form.price.pence)
        response, _saved = _save_section(
            bid,
            form,
            lambda: drafting.save_price(
                bid, price_pence=form.price.pence, breakdown=amounts, people=form.people.number, actor=current_user
            ),
            error_field=form.price,
            done=_("Price saved.")
            if form.breakdown
            else _("Price saved. It is shared between the payments by the need's payment profile: check the amounts."),
        )
        if response:
            return response
    suggested = drafting.suggested_breakdown(bid, bid.price_pence) if bid.price_pence and parts else {}
    return section_page("price.html", bid, form, kept=kept, parts=parts, suggested=suggested)


@bp.route("/bids/<int:bid_id>/social-value", methods=["GET", "POST"])
@bid_login_required
def edit_social_value(bid_id):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    if bid.need.short_form:
        abort(404)  # the short grant form has no social value answer: it is part of question 3
    limit = bid.need.social_value_word_limit
    form, kept = section_form(partial(SocialValueForm, limit=limit), lambda: {"social_value": bid.social_value or ""})
    response, saved = _save_text_section(
        bid,
        form,
        lambda: drafting.save_social_value(bid, text=form.social_value.data, actor=current_user),
        error_field=form.social_value,
        done=_("Social value commitments saved."),
        earlier=_earlier_for(bid),
    )
    return response or section_page(
        "social_value.html",
        bid,
        form,
        kept=kept,
        saved=saved,
        limit=limit,
        from_profile=request.method == "GET" and not kept and drafting.social_value_from_profile(bid),
    )


def _saved_local_presence(bid: Bid) -> dict:
    if drafting.local_presence_none(bid):
        return {"pdus": ["none"]}
    return {"pdus": [str(i) for i in drafting.local_pdu_ids_of(bid)]}


@bp.route("/bids/<int:bid_id>/local-presence", methods=["GET", "POST"])
@bid_login_required
def edit_local_presence(bid_id):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    pdus = bid.need.pdus
    form, kept = section_form(lambda **kw: LocalPresenceForm(pdus=pdus, **kw), lambda: _saved_local_presence(bid))
    if form.validate_on_submit():
        response, _saved = _save_section(
            bid,
            form,
            lambda: drafting.save_local_presence(bid, pdu_ids=form.pdu_ids, none=form.none_chosen, actor=current_user),
            error_field=form.pdus,
            done=_("Local presence saved."),
        )
        if response:
            return response
    profile_ids = {p.id for p in bid.organisation.pdus}
    return section_page(
        "local_presence.html",
        bid,
        form,
        kept=kept,
        pdus=pdus,
        from_profile=[p for p in pdus if p.id in profile_ids],
    )


@bp.route("/bids/<int:bid_id>/declarations", methods=["GET", "POST"])
@bid_login_required
def edit_declarations(bid_id):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    form, kept = section_form(
        DeclarationsForm,
        lambda: {"declarations": list(bid.declarations or []), "conflict_details": bid.conflict_details or ""},
    )
    response, saved = _save_text_section(
        bid,
        form,
        lambda: drafting.save_declarations(
            bid, declarations=form.declarations.data, conflict_details=form.conflict_details.data, actor=current_user
        ),
        error_field=form.declarations,
        done=_("Declarations saved."),
    )
    return response or section_page(
        "declarations.html",
        bid,
        form,
        kept=kept,
        saved=saved,
        eligibility=drafting.eligibility_from_profile(bid.organisation, bid.need),
        limit=drafting.CONFLICT_WORD_LIMIT,
    )
