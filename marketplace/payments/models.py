"""Payments of a contract's schedule: one per line (the advance, each milestone).

A payment becomes payable when the contract starts (the advance) or when the milestone's
outcome report is approved. The backend (PAYMENTS_BACKEND) pays it: `ledger`, where the
area's finance officer records the bank transfer made outside the portal, or `stripe`, a
transfer to the provider's Connect account with an idempotency key derived from the
payment, so a retry, a double click or two app servers never pay twice.

The database holds the money rules as well as the code: amounts are positive pence, one
payment per schedule line, and the payments of a contract in flight or paid never add up
to more than its value (a trigger, see migration 0005). A reversed payment may be paid
again: its attempt number goes up, and with it the idempotency key.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..timeutil import UTCDateTime, utcnow


class PaymentStatus(enum.StrEnum):
    PAYABLE = "payable"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"
    REVERSED = "reversed"

    @property
    def label(self) -> str:
        return {
            "payable": _l("Payable"),
            "processing": _l("Being paid"),
            "paid": _l("Paid"),
            "failed": _l("Failed: can be retried"),
            "reversed": _l("Reversed: can be paid again"),
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {"payable": "blue", "processing": "yellow", "paid": "green", "failed": "red", "reversed": "orange"}[
            self.value
        ]


# Statuses whose money has left, or may be leaving: the trigger sums these.
COMMITTED = (PaymentStatus.PROCESSING, PaymentStatus.PAID)
# Days from approval to payment within which a payment is on time.
TARGET_DAYS = 10


class Payment(Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("contract_milestones.id"), unique=True)
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    # When it became payable: the contract's start (the advance) or the report's approval.
    payable_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus, 16), default=PaymentStatus.PAYABLE, index=True
    )
    backend: Mapped[str | None] = mapped_column(sa.String(16))
    attempt: Mapped[int] = mapped_column(default=1)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ledger: the day the bank transfer was made and its reference.
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    stripe_transfer_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_message: Mapped[str | None] = mapped_column(sa.Text)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract = relationship("Contract")
    milestone = relationship("ContractMilestone")

    __table_args__ = (
        sa.CheckConstraint("amount_pence > 0 AND amount_pence <= 100000000000", name="amount_positive"),
        sa.CheckConstraint("attempt >= 1", name="attempt_positive"),
        sa.CheckConstraint("status != 'paid' OR paid_at IS NOT NULL", name="paid_has_time"),
        sa.CheckConstraint("status != 'processing' OR requested_at IS NOT NULL", name="processing_has_request"),
        # The payments not yet paid, by when they became payable: the overdue ones on the
        # home pages, without reading the paid history.
        sa.Index(
            "ix_payments_unpaid",
            "payable_at",
            "contract_id",
            sqlite_where=sa.text("status != 'paid'"),
            postgresql_where=sa.text("status != 'paid'"),
        ),
    )

    @property
    def idempotency_key(self) -> str:
        """The same for every try of one attempt (a retry, a double click, another app
        server); a new attempt only after a reversal."""
        return f"local-partners-payment-{self.id}-attempt-{self.attempt}"

    @property
    def transfer_group(self) -> str:
        return f"local-partners-payment-{self.id}"

    def days_taken(self, now: datetime | None = None) -> int | None:
        """Days from payable to paid, or to today while unpaid, counted in London dates
        (a ledger payment's date is the bank transfer's, as the finance officer records it)."""
        from ..timeutil import london_date

        if self.status == PaymentStatus.PAID:
            end = self.paid_on or (london_date(self.paid_at) if self.paid_at else None)
        else:
            end = london_date(now or utcnow())
        if end is None:
            return None
        return max(0, (end - london_date(self.payable_at)).days)

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Unpaid TARGET_DAYS or more after it became payable."""
        return self.status != PaymentStatus.PAID and (self.days_taken(now) or 0) >= TARGET_DAYS


class StripeAccount(Model):
    """A provider organisation's Stripe Connect Express account."""

    __tablename__ = "stripe_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), unique=True)
    account_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation")


class StripeEvent(Model):
    """A webhook event, kept once: a replayed event is recognised and ignored."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"))
    outcome: Mapped[str] = mapped_column(sa.String(200))
