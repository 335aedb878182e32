"""Partnership reviews: what a board may rate, rating, and the two sides' answers.

A partnership (a contract) is rated once for each financial year it ran in, from the
first day of that year (a board may rate the current year as it goes, or a past year
afterwards), and once when it ends (from its last day). A rating is final; the
commissioner and the provider may each answer it once. Each change is audited and the
people concerned are emailed, in the caller's transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit, signals
from ..accounts.models import Role
from ..accounts.services import area_staff
from ..contracts.models import Contract
from ..delivery.reports import commissioners, lead_members
from ..extensions import db
from ..notifications import external_url, queue_email
from ..refusals import Refusal, written
from ..timeutil import london_date, utcnow
from .models import PartnershipReview, Rating, ResponseSide, ReviewKind, ReviewResponse
from .reporting.scope import Period

COMMENT_WORDS = 500
RESPONSE_WORDS = 500
# What a side is told when it answers twice, or just after the same side did.
ALREADY_ANSWERED = {
    ResponseSide.COMMISSIONER: _l("The commissioner has already answered this rating"),
    ResponseSide.PROVIDER: _l("The provider has already answered this rating"),
}
JUST_ANSWERED = {
    ResponseSide.COMMISSIONER: _l("The commissioner has just answered this rating. Read the answer below."),
    ResponseSide.PROVIDER: _l("The provider has just answered this rating. Read the answer below."),
}


class ReviewError(Refusal):
    pass


@dataclass(frozen=True)
class Due:
    """Something a board may rate: a financial year, or the end of the contract."""

    kind: ReviewKind
    financial_year: int

    @property
    def key(self) -> str:
        return "end" if self.kind == ReviewKind.END else str(self.financial_year)

    @property
    def label(self) -> str:
        if self.kind == ReviewKind.END:
            return _("The end of the contract")
        return _("The year April %(start)s to March %(end)s", start=self.financial_year, end=self.financial_year + 1)


@signals.contract_page.connect
def _latest_on_the_contract_page(contract: Contract) -> dict:
    history = reviews_of(contract)
    return {"latest_review": history[0] if history else None}


def reviews_of(contract: Contract) -> Sequence[PartnershipReview]:
    """The partnership's history, newest first."""
    return db.session.scalars(
        sa.select(PartnershipReview)
        .where(PartnershipReview.contract_id == contract.id)
        .order_by(PartnershipReview.rated_at.desc(), PartnershipReview.id.desc())
    ).all()


def due(contract: Contract, today: date) -> list[Due]:
    """What has not been rated yet and may be: each financial year from the contract's
    first to the current one (or its last), once it has started, and its end once it has
    ended. Latest first."""
    if today < contract.starts_on:
        return []
    done = {(r.kind, r.financial_year) for r in reviews_of(contract)}
    first = Period.financial_year(contract.starts_on).start.year
    last = Period.financial_year(min(today, contract.ends_on)).start.year
    items = [
        Due(ReviewKind.YEARLY, year) for year in range(last, first - 1, -1) if (ReviewKind.YEARLY, year) not in done
    ]
    if today >= contract.ends_on and not any(kind == ReviewKind.END for kind, _year in done):
        items.insert(0, Due(ReviewKind.END, Period.financial_year(contract.ends_on).start.year))
    return items


def _notify(users, subject: LazyString, template: str, **context) -> None:
    for user in users:
        queue_email(user.email, subject, template, user=user, **context)


def rate(
    contract: Contract, *, period: str, rating: str, comment: str, actor, now: datetime | None = None
) -> PartnershipReview:
    """Rate the partnership for `period` (a Due.key). Refused by the field at fault."""
    now = now or utcnow()
    chosen = next((d for d in due(contract, london_date(now)) if d.key == period), None)
    if chosen is None:
        raise ReviewError(
            _("Choose a year that has not been rated yet, or the end of the contract once it has ended"), "period"
        )
    try:
        rating = Rating(rating)
    except ValueError:
        raise ReviewError(_("Select a rating"), "rating") from None
    comment = written(
        ReviewError,
        comment,
        field="comment",
        noun=_("The comment"),
        limit=COMMENT_WORDS,
        empty=_("Enter a comment that explains the rating"),
    )
    review = PartnershipReview(
        contract_id=contract.id,
        kind=chosen.kind,
        financial_year=chosen.financial_year,
        rating=rating,
        comment=comment,
        rated_by_id=actor.id,
        rated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
            db.session.flush()
    except IntegrityError:
        # Another board member rated the same period a moment ago.
        raise ReviewError(_("This has just been rated by someone else. Read their rating below."), "period") from None
    audit.record(
        "review.rated",
        review,
        actor=actor,
        reason=comment,
        after={
            "contract_id": contract.id,
            "kind": chosen.kind.value,
            "financial_year": chosen.financial_year,
            "rating": rating.value,
        },
    )
    link = external_url("board.contract_reviews", contract_id=contract.id)
    subject = _l("Partnership review: %(title)s", title=contract.title)
    _notify(
        lead_members(contract) + commissioners(contract),
        subject,
        "partnership_rated",
        review=review,
        contract=contract,
        link=link,
    )
    return review


def side_of(user, review: PartnershipReview) -> ResponseSide:
    """Which side a user answers for: the provider when a member of the lead, else the
    commissioner (permissions decide whether they may at all)."""
    from ..permissions import is_member_of

    return ResponseSide.PROVIDER if is_member_of(user, review.contract.organisation_id) else ResponseSide.COMMISSIONER


def respond(review: PartnershipReview, *, text: str, actor, now: datetime | None = None) -> ReviewResponse:
    side = side_of(actor, review)
    if review.response_of(side) is not None:
        raise ReviewError(str(ALREADY_ANSWERED[side]), "text")
    text = written(
        ReviewError, text, field="text", noun=_("Your response"), limit=RESPONSE_WORDS, empty=_("Enter your response")
    )
    response = ReviewResponse(
        review_id=review.id, side=side, text=text, responded_by_id=actor.id, responded_at=now or utcnow()
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:
        raise ReviewError(str(JUST_ANSWERED[side]), "text") from None
    db.session.expire(review, ["responses"])
    audit.record(
        "review.responded", response, actor=actor, reason=text, after={"review_id": review.id, "side": side.value}
    )
    contract = review.contract
    link = external_url("board.contract_reviews", contract_id=contract.id)
    others = area_staff(Role.BOARD_MEMBER, contract.need.area) + (
        commissioners(contract) if side == ResponseSide.PROVIDER else lead_members(contract)
    )
    _notify(
        [u for u in others if u.id != actor.id],
        _l("Response to a partnership review: %(title)s", title=contract.title),
        "review_response",
        review=review,
        response=response,
        contract=contract,
        link=link,
    )
    return response


@dataclass(frozen=True)
class Partnership:
    contract: Contract
    review: PartnershipReview | None  # this year's rating, if given
    latest: PartnershipReview | None  # the newest rating of any period


def partnerships(area_ids, year: int, page: int, per_page: int = 50):
    """The contracts of the areas' needs that ran in the financial year `year`, with that
    year's rating and the newest one: one page, two queries (the ratings for the page's
    contracts in one)."""
    from ..needs.models import Need

    period = Period(date(year, 4, 1), date(year + 1, 3, 31))
    query = (
        sa.select(Contract)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids), Contract.starts_on <= period.end, Contract.ends_on >= period.start)
        .order_by(Contract.ends_on, Contract.id)
    )
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [c.id for c in result.items]
    reviews = (
        db.session.scalars(
            sa.select(PartnershipReview)
            .where(PartnershipReview.contract_id.in_(ids))
            .order_by(PartnershipReview.rated_at, PartnershipReview.id)
        ).all()
        if ids
        else []
    )
    this_year = {r.contract_id: r for r in reviews if r.kind == ReviewKind.YEARLY and r.financial_year == year}
    latest = {r.contract_id: r for r in reviews}
    return result, [Partnership(c, this_year.get(c.id), latest.get(c.id)) for c in result.items]


def unanswered_by_providers(organisation_ids) -> list[PartnershipReview]:
    """Ratings of partnerships these organisations lead that the provider has not answered
    yet, oldest first (one query; the provider's home)."""
    from sqlalchemy.orm import contains_eager

    if not organisation_ids:
        return []
    answered = sa.exists().where(
        ReviewResponse.review_id == PartnershipReview.id, ReviewResponse.side == ResponseSide.PROVIDER
    )
    return list(
        db.session.scalars(
            sa.select(PartnershipReview)
            .join(Contract, Contract.id == PartnershipReview.contract_id)
            .where(Contract.organisation_id.in_(organisation_ids), ~answered)
            .options(contains_eager(PartnershipReview.contract))
            .order_by(PartnershipReview.rated_at, PartnershipReview.id)
        )
    )
