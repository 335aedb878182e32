"""Partnership reviews: a partnership's ratings and answers (everyone who may read the
contract), the board's rating form, the two sides' responses, and the area's list of
partnerships with this year's ratings.

Who may: reading is contract.view (404 otherwise, so a contract's existence is not told);
rating is contract.rate (a board member of the area); answering is review.respond (the
commissioner of the area, or the lead provider). A refusal of reviews.rate or
reviews.respond is shown by its field with the input kept, status 400, nothing written.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..contracts.models import Contract
from ..extensions import db
from ..feedback.views import review_values
from ..paging import requested_page
from ..permissions import Action, can, require
from ..reference.models import Area
from ..refusals import committed
from ..timeutil import london_date, utcnow
from . import bp, reviews
from .forms import RateForm, RespondForm
from .models import PartnershipReview
from .reporting.ratings import rating_counts
from .reporting.scope import Period

PER_PAGE = 50


def _contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    return contract


def _page(contract: Contract, *, rate_form=None, respond_forms=None, failed=None):
    """The partnership's reviews, with the forms this user may fill in. `failed` is the
    form with errors, if any (shown in the error summary; status 400)."""
    history = reviews.reviews_of(contract)
    due = reviews.due(contract, london_date(utcnow()))
    if rate_form is None and due and can(current_user, Action.RATE_PARTNERSHIP, contract):
        rate_form = RateForm(due=due, formdata=None)
    forms = dict(respond_forms or {})
    for review in history:
        if (
            review.id not in forms
            and can(current_user, Action.RESPOND_TO_REVIEW, review)
            and review.response_of(reviews.side_of(current_user, review)) is None
        ):
            forms[review.id] = RespondForm(prefix=f"review-{review.id}", formdata=None)
    context = {"form": failed} if failed is not None else {}
    return render_template(
        "board/reviews.html",
        contract=contract,
        history=history,
        rate_form=rate_form,
        respond_forms=forms,
        **review_values(contract),
        **context,
    ), 400 if failed is not None else 200


@bp.get("/contracts/<int:contract_id>/reviews")
@login_required
def contract_reviews(contract_id):
    return _page(_contract(contract_id))


@bp.post("/contracts/<int:contract_id>/reviews")
@login_required
def rate(contract_id):
    contract = _contract(contract_id)
    require(current_user, Action.RATE_PARTNERSHIP, contract)
    form = RateForm(due=reviews.due(contract, london_date(utcnow())))
    if form.validate_on_submit() and committed(
        lambda: reviews.rate(
            contract, period=form.period.data, rating=form.rating.data, comment=form.comment.data, actor=current_user
        ),
        form,
        form.comment,
    ):
        flash(_("Rating saved. The provider and the commissioner have been emailed."), "success")
        return redirect(url_for("board.contract_reviews", contract_id=contract.id))
    if not form.errors:
        abort(400)
    return _page(contract, rate_form=form, failed=form)


@bp.post("/reviews/<int:review_id>/responses")
@login_required
def respond(review_id):
    review = db.session.get(PartnershipReview, review_id)
    if review is None or not can(current_user, Action.VIEW_CONTRACT, review.contract):
        abort(404)
    require(current_user, Action.RESPOND_TO_REVIEW, review)
    form = RespondForm(prefix=f"review-{review.id}")
    if form.validate_on_submit() and committed(
        lambda: reviews.respond(review, text=form.text.data, actor=current_user), form, form.text
    ):
        flash(_("Your response has been saved."), "success")
        return redirect(url_for("board.contract_reviews", contract_id=review.contract_id))
    if not form.errors:
        abort(400)
    return _page(review.contract, respond_forms={review.id: form}, failed=form)


@bp.get("/areas/<int:area_id>/partnerships")
@login_required
def partnerships(area_id):
    """The area's partnerships running in a financial year, with that year's rating."""
    area = db.get_or_404(Area, area_id)
    require(current_user, Action.VIEW_DASHBOARD, area)
    current = Period.financial_year(london_date(utcnow())).start.year
    errors = {}
    year = request.args.get("year", "").strip()
    if not year:
        year = current
    elif not year.isdigit() or not 2015 <= int(year) <= current:
        errors["year"] = _("Choose a financial year from %(first)s to %(last)s", first=2015, last=current)
        year = current
    else:
        year = int(year)
    area_ids = area.ids_covered
    page, rows = reviews.partnerships(area_ids, year, page=requested_page(), per_page=PER_PAGE)
    return render_template(
        "board/partnerships.html",
        area=area,
        year=year,
        years=range(current, 2014, -1),
        rows=rows,
        page=page,
        counts=rating_counts(area_ids, year),
        errors=errors,
        may_rate=lambda c: can(current_user, Action.RATE_PARTNERSHIP, c),
    ), 400 if errors else 200
