"""The rules of payments, whichever backend pays them.

A payment exists once its schedule line is payable: the advance from the contract's
start, a milestone from its report's approval. The ledger backend records a bank transfer
made outside the portal; the Stripe backend (stripe_backend.py) transfers to the
provider's Connect account. Both move a payment through the same functions here, each
of which checks the state it starts from, so nothing is paid twice:

    payable -> processing (Stripe, while the transfer is requested) -> paid
    processing -> failed (retryable) ; paid -> reversed (payable again, a new attempt)
    payable, failed, reversed -> paid (ledger)

Functions flush; the caller commits (the Stripe backend commits around its API call).
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import audit, waiting
from ..contracts.models import Contract, ContractMilestone
from ..extensions import db
from ..refusals import Refusal
from ..signals import contracting_event
from ..timeutil import format_day, london_date, utcnow
from ..workdays import at_london_time
from .emails import tell_finance_payable, tell_provider_paid
from .models import TARGET_DAYS, Payment, PaymentStatus

REFERENCE_MAX = 100
RETRYABLE = (PaymentStatus.PAYABLE, PaymentStatus.FAILED, PaymentStatus.REVERSED)


class PaymentError(Refusal):
    """A refusal to pay, by its field (see refusals.py)."""


def backend_name() -> str:
    return current_app.config.get("PAYMENTS_BACKEND", "ledger")


def start_of(day: date) -> datetime:
    """Midnight at the start of a London day, in UTC."""
    return at_london_time(day, time(0, 0)).astimezone(UTC)


def payment_for(milestone: ContractMilestone) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.milestone_id == milestone.id))


def make_payable(milestone: ContractMilestone, *, at: datetime, actor=None) -> Payment:
    """The schedule line becomes payable at `at` (one payment per line: the database's
    unique constraint backs this check); the area's finance officers are told."""
    existing = payment_for(milestone)
    if existing is not None:
        return existing
    payment = Payment(
        contract_id=milestone.contract_id,
        milestone_id=milestone.id,
        amount_pence=milestone.amount_pence,
        payable_at=at,
        status=PaymentStatus.PAYABLE,
        updated_at=utcnow(),
    )
    db.session.add(payment)
    audit.record(
        "payment.payable",
        payment,
        actor=actor,
        after={
            "contract_id": milestone.contract_id,
            "milestone": milestone.number,
            "amount_pence": milestone.amount_pence,
            "payable_at": at.isoformat(),
        },
    )
    tell_finance_payable(payment, backend=backend_name())
    return payment


def schedule_advance(contract: Contract, *, actor=None) -> Payment | None:
    """The advance, if the schedule has one, is payable from the contract's start."""
    advance = next((m for m in contract.milestones if m.number == 0), None)
    if advance is None:
        return None
    return make_payable(advance, at=start_of(contract.starts_on), actor=actor)


def lock(payment: Payment) -> Payment:
    """Read the payment again, locked (SELECT ... FOR UPDATE on PostgreSQL), so two app
    servers acting on it at once act one after the other."""
    return db.session.scalars(
        sa.select(Payment).where(Payment.id == payment.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _due(payment: Payment, now: datetime) -> None:
    if now < payment.payable_at:
        raise PaymentError(
            _(
                "This payment is not due until %(date)s, when the contract starts",
                date=format_day(london_date(payment.payable_at)),
            )
        )


def _moved(payment: Payment, action: str, *, actor, before: str, after: dict, reason: str | None = None) -> None:
    """Flush the payment's new state and audit the move from status `before`."""
    db.session.flush()
    audit.record(action, payment, actor=actor, before={"status": before}, after=after, reason=reason)


def _paid(payment: Payment, *, actor, before: str, now: datetime, backend: str, **details) -> None:
    """The payment is paid: clear any earlier failure, audit it with its days taken,
    publish it (an OCDS implementation release) and tell the provider."""
    payment.failure_message = None
    after = {"status": "paid", "backend": backend, **details}
    after.update(amount_pence=payment.amount_pence, days_taken=payment.days_taken(now))
    _moved(payment, "payment.paid", actor=actor, before=before, after=after)
    contracting_event.send(payment, kind="implementation", at=now)
    tell_provider_paid(payment)


def record_ledger_payment(
    payment: Payment, *, paid_on: date, reference: str, actor, now: datetime | None = None
) -> Payment:
    """The finance officer records the bank transfer made outside the portal."""
    now = now or utcnow()
    payment = lock(payment)
    if payment.status == PaymentStatus.PAID:
        raise PaymentError(_("This payment has already been recorded as paid"))
    if payment.status not in RETRYABLE:
        raise PaymentError(_("This payment is being paid through Stripe: wait for the result"))
    _due(payment, now)
    reference = (reference or "").strip()
    if not reference:
        raise PaymentError(_("Enter the bank transfer's reference"), "reference")
    if len(reference) > REFERENCE_MAX:
        raise PaymentError(_("The reference must be %(most)s characters or fewer", most=REFERENCE_MAX), "reference")
    if paid_on > london_date(now):
        raise PaymentError(_("The date paid must be today or in the past"), "paid_on")
    if paid_on < london_date(payment.payable_at):
        raise PaymentError(
            _(
                "The date paid must be on or after %(date)s, when the payment became payable",
                date=format_day(london_date(payment.payable_at)),
            ),
            "paid_on",
        )
    before = payment.status.value
    payment.status, payment.backend = PaymentStatus.PAID, "ledger"
    payment.paid_at, payment.paid_on, payment.reference = now, paid_on, reference
    payment.requested_at, payment.requested_by_id, payment.updated_at = now, actor.id, now
    _paid(
        payment, actor=actor, before=before, now=now, backend="ledger", paid_on=paid_on.isoformat(), reference=reference
    )
    return payment


def start_processing(payment: Payment, *, actor, now: datetime) -> bool:
    """Stripe: claim the payment for a transfer. False when someone else already has (it is
    processing or paid): the caller must not call Stripe again."""
    payment = lock(payment)
    if payment.status in (PaymentStatus.PROCESSING, PaymentStatus.PAID):
        return False
    _due(payment, now)
    before = payment.status.value
    # Read the actor's id first: loading an expired actor autoflushes, and a payment
    # processing without requested_at breaks the table's check.
    actor_id = actor.id if actor else None
    if payment.status == PaymentStatus.REVERSED:
        payment.attempt += 1  # a new transfer, so a new idempotency key
    payment.requested_at, payment.requested_by_id, payment.updated_at = now, actor_id, now
    payment.status, payment.backend = PaymentStatus.PROCESSING, "stripe"
    after = {"status": "processing", "attempt": payment.attempt, "idempotency_key": payment.idempotency_key}
    _moved(payment, "payment.processing", actor=actor, before=before, after=after)
    return True


def mark_paid(payment: Payment, *, transfer_id: str | None, now: datetime, actor=None, source: str) -> bool:
    """Stripe says the transfer exists. Idempotent: False when it was already recorded."""
    payment = lock(payment)
    if payment.status == PaymentStatus.PAID and payment.stripe_transfer_id == transfer_id:
        return False
    if payment.status not in (PaymentStatus.PROCESSING, PaymentStatus.FAILED, PaymentStatus.PAYABLE):
        return False
    before = payment.status.value
    payment.status, payment.paid_at, payment.updated_at = PaymentStatus.PAID, now, now
    payment.stripe_transfer_id = transfer_id
    _paid(payment, actor=actor, before=before, now=now, backend="stripe", transfer_id=transfer_id, source=source)
    return True


def mark_failed(
    payment: Payment, *, message: str, now: datetime, actor=None, source: str, refused: bool = False
) -> bool:
    """The transfer did not happen. `refused`: Stripe refused the request outright (a 4xx:
    nothing was made), and keeps that answer against the idempotency key for 24 hours, so
    the next try gets a new attempt and key. Otherwise (a 5xx, a timeout) the outcome is
    unknown and the next try reuses the key, so Stripe answers with the transfer if it
    was made after all."""
    payment = lock(payment)
    if payment.status not in (PaymentStatus.PROCESSING, PaymentStatus.PAYABLE):
        return False
    before = payment.status.value
    if refused:
        payment.attempt += 1
    payment.status, payment.failed_at, payment.failure_message, payment.updated_at = (
        PaymentStatus.FAILED,
        now,
        message[:2000],
        now,
    )
    after = {"status": "failed", "source": source}
    _moved(payment, "payment.failed", actor=actor, before=before, after=after, reason=message[:500])
    return True


def mark_reversed(payment: Payment, *, now: datetime, actor=None, source: str) -> bool:
    payment = lock(payment)
    if payment.status != PaymentStatus.PAID:
        return False
    payment.status, payment.reversed_at, payment.updated_at = PaymentStatus.REVERSED, now, now
    after = {"status": "reversed", "source": source, "transfer_id": payment.stripe_transfer_id}
    _moved(payment, "payment.reversed", actor=actor, before="paid", after=after)
    return True


def back_to_payable(payment: Payment, *, now: datetime, source: str) -> bool:
    """Reconciliation found no transfer for a payment left processing: it was never sent."""
    payment = lock(payment)
    if payment.status != PaymentStatus.PROCESSING:
        return False
    payment.status, payment.updated_at = PaymentStatus.PAYABLE, now
    _moved(payment, "payment.not_sent", actor=None, before="processing", after={"status": "payable", "source": source})
    return True


# Reading ------------------------------------------------------------------------------------


def payments_of(contract: Contract) -> Sequence[Payment]:
    return db.session.scalars(
        sa.select(Payment)
        .join(ContractMilestone, ContractMilestone.id == Payment.milestone_id)
        .where(Payment.contract_id == contract.id)
        .order_by(ContractMilestone.number)
    ).all()


def payments_of_areas(area_ids) -> sa.Select:
    """The query of the areas' payments, latest to become payable first (the view pages it)."""
    from ..needs.models import Need

    return (
        sa.select(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids))
        .order_by(Payment.payable_at.desc())
    )


def overdue_clause(now: datetime):
    """SQL for a payment still unpaid TARGET_DAYS or more after it became payable."""
    from datetime import timedelta

    return sa.and_(Payment.status != PaymentStatus.PAID, Payment.payable_at <= now - timedelta(days=TARGET_DAYS))


def overdue(area_ids, now: datetime | None = None) -> Sequence[Payment]:
    """Payments of the areas' contracts still unpaid TARGET_DAYS or more after they became
    payable (one query; the area's page lists them)."""
    from ..needs.models import Need

    now = now or utcnow()
    return db.session.scalars(
        sa.select(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids), overdue_clause(now))
        .order_by(Payment.payable_at)
    ).all()


def overdue_counts(area_ids, now: datetime | None = None) -> dict[int, int]:
    """How many payments overdue() finds, by the area of their need (one statement,
    without loading the payments: a home page only shows how many)."""
    from ..needs.models import Need

    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Need.area_id, sa.func.count())
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids), overdue_clause(now))
        .group_by(Need.area_id)
    )
    return {row[0]: row[1] for row in rows}


def overdue_payments(area_ids, now: datetime) -> sa.Select:
    """overdue() as a waiting-work query (marketplace/waiting.py): by payment, of its
    contract, waiting since it became payable."""
    from ..needs.models import Need

    return (
        sa.select(
            *waiting.columns(
                item=Payment.id,
                parent=Payment.contract_id,
                area=Need.area_id,
                since=Payment.payable_at,
                title=Contract.title,
            )
        )
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids), overdue_clause(now))
    )


def total_paid(contract: Contract) -> int:
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_pence), 0)).where(
            Payment.contract_id == contract.id, Payment.status == PaymentStatus.PAID
        )
    ).scalar_one()


def on_their_way(organisation_ids) -> list[Payment]:
    """Payments to contracts these organisations lead that are due or coming and not paid
    yet, by when they become payable (one query; the provider's home)."""
    from sqlalchemy.orm import contains_eager, joinedload

    if not organisation_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Payment)
            .join(Contract, Contract.id == Payment.contract_id)
            .where(Contract.organisation_id.in_(organisation_ids), Payment.status != PaymentStatus.PAID)
            .options(contains_eager(Payment.contract), joinedload(Payment.milestone))
            .order_by(Payment.payable_at, Payment.id)
        )
    )


def to_record(area_ids, now: datetime | None = None, limit: int = 25) -> tuple[dict[int, tuple[int, datetime]], list]:
    """Payments of the areas' contracts due and not paid (payable, failed or reversed):
    how many and since when by the need's area id, and the `limit` oldest with their
    contract, provider and schedule line (two queries; the finance officer's home)."""
    from sqlalchemy.orm import contains_eager, joinedload

    from ..needs.models import Need

    now = now or utcnow()
    waiting = sa.and_(Need.area_id.in_(area_ids), Payment.status.in_(RETRYABLE), Payment.payable_at <= now)
    joined = (
        sa.select(Payment).join(Contract, Contract.id == Payment.contract_id).join(Need, Need.id == Contract.need_id)
    )
    counts = db.session.execute(
        joined.with_only_columns(Need.area_id, sa.func.count(Payment.id), sa.func.min(Payment.payable_at))
        .where(waiting)
        .group_by(Need.area_id)
    )
    oldest = db.session.scalars(
        joined.where(waiting)
        .options(
            contains_eager(Payment.contract).options(contains_eager(Contract.need), joinedload(Contract.organisation)),
            joinedload(Payment.milestone),
        )
        .order_by(Payment.payable_at, Payment.id)
        .limit(limit)
    ).all()
    return {area_id: (n, since) for area_id, n, since in counts}, list(oldest)
