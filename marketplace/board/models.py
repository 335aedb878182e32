"""Partnership reviews: once a financial year, and once at the contract's end, a board
member of the area rates a partnership (good, approaching target, requires improvement,
inadequate) with a comment; the commissioner and the provider may each answer once.
Reviews and answers are never changed or deleted: together they are the partnership's
history."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..timeutil import UTCDateTime, utcnow

RATING_LABELS = {
    "good": _l("Good"),
    "approaching_target": _l("Approaching target"),
    "requires_improvement": _l("Requires improvement"),
    "inadequate": _l("Inadequate"),
}
SIDE_LABELS = {"commissioner": _l("The commissioner"), "provider": _l("The provider")}


class Rating(enum.StrEnum):
    GOOD = "good"
    APPROACHING_TARGET = "approaching_target"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self) -> LazyString:
        return RATING_LABELS[self.value]

    @property
    def tag_class(self) -> str:
        """The GOV.UK tag colour: the label, not the colour, carries the meaning."""
        return {
            "good": "govuk-tag--green",
            "approaching_target": "govuk-tag--blue",
            "requires_improvement": "govuk-tag--yellow",
            "inadequate": "govuk-tag--red",
        }[self.value]


class ReviewKind(enum.StrEnum):
    YEARLY = "yearly"
    END = "end"


class ResponseSide(enum.StrEnum):
    COMMISSIONER = "commissioner"
    PROVIDER = "provider"

    @property
    def label(self) -> LazyString:
        return SIDE_LABELS[self.value]


class PartnershipReview(Model):
    __tablename__ = "partnership_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(enum_type(ReviewKind, 16))
    # The financial year reviewed, by the calendar year it starts in (2026 is April 2026
    # to March 2027); for the end-of-contract review, the year the contract ended in.
    financial_year: Mapped[int]
    rating: Mapped[Rating] = mapped_column(enum_type(Rating, 32))
    comment: Mapped[str] = mapped_column(sa.Text)
    rated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract = relationship("Contract")
    rated_by = relationship("User")
    responses: Mapped[list["ReviewResponse"]] = relationship(back_populates="review", order_by="ReviewResponse.id")

    __table_args__ = (
        # One review per contract per financial year, and one at its end.
        sa.UniqueConstraint("contract_id", "kind", "financial_year", name="uq_partnership_reviews_year"),
        sa.Index(
            "uq_partnership_reviews_end",
            "contract_id",
            unique=True,
            postgresql_where=sa.text("kind = 'end'"),
            sqlite_where=sa.text("kind = 'end'"),
        ),
        sa.CheckConstraint("financial_year BETWEEN 2000 AND 2200", name="year_sensible"),
    )

    @property
    def period_label(self) -> str:
        if self.kind == ReviewKind.END:
            return _("End of the contract")
        return _("April %(start)s to March %(end)s", start=self.financial_year, end=self.financial_year + 1)

    def response_of(self, side: ResponseSide) -> "ReviewResponse | None":
        return next((r for r in self.responses if r.side == side), None)


class ReviewResponse(Model):
    __tablename__ = "review_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership_reviews.id"), index=True)
    side: Mapped[ResponseSide] = mapped_column(enum_type(ResponseSide, 16))
    text: Mapped[str] = mapped_column(sa.Text)
    responded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[PartnershipReview] = relationship(back_populates="responses")
    responded_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("review_id", "side", name="uq_review_responses_side"),)


class ClosedNeedBids(Model):
    """How many bids counted on a need that closed at least FINAL_AFTER ago (see
    reporting/kept.py): final, as no bid is submitted or withdrawn after closing, so the
    dashboard adds these up instead of checking every bid's revisions each time."""

    __tablename__ = "closed_need_bids"

    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), primary_key=True)
    bids: Mapped[int]
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FiguresStamp(Model):
    """One row: a number to which every transaction that changes a kept figure, or an
    organisation (whose type and size the figures are read by), adds 1 as it commits
    (board/keeping.py). What is read from the kept figures is kept per process by it
    (keeping.read): a value read with a stamp is the truth for every reader that sees that
    stamp."""

    __tablename__ = "board_figures_stamp"

    id: Mapped[int] = mapped_column(primary_key=True)
    changes: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class PaymentFigure(Model):
    """Payments paid, and their pence, per the need's area and service category (0 for
    none), London month paid (yyyymm), lead organisation, whether the lead is local to the
    need (staff or premises in a delivery unit it covers) and whole days taken to pay.
    Derived, kept by the flushes that change payments (board/keeping.py); `rebuild` makes
    it again from the payments. The dashboard reads whole months from it
    (reporting/kept_payments.py)."""

    __tablename__ = "board_payment_figures"

    area_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    local: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    payments: Mapped[int]
    pence: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.Index("ix_board_payment_figures_month", "month", "area_id"),)


class NeedFigure(Model):
    """Needs published, per the need's area and service category (0 for none), London
    month published (yyyymm) and UTC day of closing: how many have lots, their lots, the
    bids kept for them in closed_need_bids and how many have no kept count yet. Derived,
    kept by the flushes that change needs and lots and by keep_closed_need_bids
    (reporting/kept_needs.py); `rebuild` makes it again."""

    __tablename__ = "board_need_figures"

    area_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    closes_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    needs: Mapped[int]
    lots: Mapped[int]
    bids: Mapped[int]
    unkept: Mapped[int]

    __table_args__ = (sa.Index("ix_board_need_figures_month", "month", "area_id"),)


class UnpaidFigure(Model):
    """Payments not paid, per the need's area and service category (0 for none) and UTC
    day they became payable: for the number overdue now (reporting/kept_payments.py)."""

    __tablename__ = "board_unpaid_figures"

    area_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    payable_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    payments: Mapped[int]


class ContractFigure(Model):
    """Contracts, and their value, per the need's area and service category (0 for none),
    lead organisation, and London month made (yyyymm), months of the first and last day
    (yyyymm). Derived, kept by the flushes that change contracts
    (reporting/kept_contracts.py)."""

    __tablename__ = "board_contract_figures"

    area_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    made: Mapped[int] = mapped_column(primary_key=True)
    starts: Mapped[int] = mapped_column(primary_key=True)
    ends: Mapped[int] = mapped_column(primary_key=True)
    contracts: Mapped[int]
    pence: Mapped[int] = mapped_column(sa.BigInteger)


class SuccessFigure(Model):
    """Bids that counted on lots decided, and those the decision awarded, per the need's
    area and service category (0 for none), London month the decision took effect
    (summaries sent, yyyymm) and bidding organisation. Derived, kept by the flushes that
    change decisions and bids (reporting/kept_success.py)."""

    __tablename__ = "board_success_figures"

    area_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    bids: Mapped[int]
    won: Mapped[int]


class OutcomeFigure(Model):
    """Outcome reports approved, per the need's area and service category (0 for none),
    London month approved (yyyymm) and contract (with the people it expects to support):
    the approvals and the outcome lines of the reports approved. Derived, kept by the
    flushes that change report decisions (reporting/kept_outcomes.py)."""

    __tablename__ = "board_outcome_figures"

    area_id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(primary_key=True)
    expected_people: Mapped[int] = mapped_column(primary_key=True)
    approvals: Mapped[int]
    achieved: Mapped[int]
    partly: Mapped[int]
    not_achieved: Mapped[int]
