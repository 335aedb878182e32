"""Paying through Stripe Connect: providers' Express accounts, transfers, reconciliation
and webhooks.

Every state change of a payment goes through payments/services.py. A release claims the
payment (processing) and COMMITS before calling Stripe, so another app server or a double
click sees the claim and does not call Stripe again; the transfer carries the payment's
idempotency key, so even a repeated call makes one transfer. A known failure marks the
payment failed (retryable, with the message); a crash between Stripe's answer and our
commit leaves it processing, and `reconcile` (flask --app wsgi reconcile-payments) asks
Stripe by the payment's transfer group whether the transfer exists.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..timeutil import utcnow
from . import services
from .models import Payment, PaymentStatus, StripeAccount, StripeEvent
from .services import PaymentError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# A payment processing for longer than this is taken to have been left by a crash.
STALE_AFTER = timedelta(minutes=2)


class WebhookRejected(Exception):
    """An event that must not be applied (an account or payment we don't know, a transfer
    that does not match its payment): the webhook answers 400 and nothing is written."""


# The client ---------------------------------------------------------------------------------


def enabled() -> bool:
    return services.backend_name() == "stripe"


def client() -> stripe.StripeClient:
    """A Stripe client from the settings; refused unless the Stripe backend is configured."""
    config = current_app.config
    if not enabled():
        raise PaymentError(_("Payments are made by bank transfer here, not through Stripe"))
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise PaymentError(_("Stripe is not set up: STRIPE_SECRET_KEY is missing"))
    options: dict[str, Any] = {}
    if config.get("STRIPE_API_BASE"):
        options["base_addresses"] = {"api": config["STRIPE_API_BASE"].rstrip("/")}
    http_client = stripe.new_default_http_client(timeout=float(config.get("STRIPE_TIMEOUT_SECONDS") or TIMEOUT_SECONDS))
    return stripe.StripeClient(key, max_network_retries=0, http_client=http_client, **options)


def explain(error: stripe.StripeError) -> str:
    """What went wrong, for the people who can retry."""
    detail = str(getattr(error, "user_message", None) or getattr(error, "_message", None) or "").strip()
    if isinstance(error, stripe.APIConnectionError):
        return _(
            "Stripe could not be reached or did not answer in time, so we do not know if the transfer was made. "
            "Try again: the retry cannot pay twice."
        )
    if isinstance(error, stripe.CardError):
        return _("Stripe refused the transfer: %(detail)s", detail=detail)
    if isinstance(error, stripe.PermissionError):
        return _("Stripe refused the transfer: the platform may not pay this account (%(detail)s)", detail=detail)
    if isinstance(error, stripe.InvalidRequestError):
        return _("Stripe refused the transfer: %(detail)s", detail=detail)
    if isinstance(error, stripe.RateLimitError):
        return _("Stripe is busy (too many requests). Try again in a minute.")
    if isinstance(error, stripe.AuthenticationError):
        return _("Stripe did not accept the portal's key. Tell the service team.")
    status = getattr(error, "http_status", None)
    detail = detail or _("no details")
    if status:
        return _("Stripe had a problem (HTTP %(status)s): %(detail)s. Try again.", status=status, detail=detail)
    return _("Stripe had a problem: %(detail)s. Try again.", detail=detail)


# Onboarding ---------------------------------------------------------------------------------


def account_of(organisation_id: int) -> StripeAccount | None:
    return db.session.scalar(sa.select(StripeAccount).where(StripeAccount.organisation_id == organisation_id))


def ensure_account(organisation, actor) -> StripeAccount:
    """The organisation's Express account, created at Stripe the first time (the idempotency
    key makes a double click or two servers create one account). Flushes; the caller commits."""
    existing = account_of(organisation.id)
    if existing is not None:
        return existing
    try:
        created = client().v1.accounts.create(
            params={
                "type": "express",
                "country": "GB",
                "capabilities": {"transfers": {"requested": True}},
                "business_profile": {"name": organisation.name},
                "metadata": {"organisation_id": str(organisation.id)},
            },
            options={"idempotency_key": f"local-partners-account-{organisation.id}"},
        )
    except stripe.StripeError as error:
        raise PaymentError(_("Stripe could not create the account: %(reason)s", reason=explain(error))) from None
    now = utcnow()
    account = StripeAccount(
        organisation_id=organisation.id,
        account_id=created.id,
        created_at=now,
        updated_at=now,
        details_submitted=bool(getattr(created, "details_submitted", False)),
        payouts_enabled=bool(getattr(created, "payouts_enabled", False)),
    )
    db.session.add(account)
    audit.record(
        "stripe_account.created",
        account,
        actor=actor,
        after={"organisation_id": organisation.id, "account_id": created.id},
    )
    return account


def onboarding_link(account: StripeAccount, refresh_url: str, return_url: str) -> str:
    """A one-time link to Stripe's onboarding for the account."""
    try:
        link = client().v1.account_links.create(
            params={
                "account": account.account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    except stripe.StripeError as error:
        raise PaymentError(_("Stripe could not start the set-up: %(reason)s", reason=explain(error))) from None
    return link.url


def _apply_account(
    account: StripeAccount, details_submitted: bool, payouts_enabled: bool, *, actor, source: str
) -> bool:
    before = {"details_submitted": account.details_submitted, "payouts_enabled": account.payouts_enabled}
    after = {"details_submitted": bool(details_submitted), "payouts_enabled": bool(payouts_enabled)}
    if before == after:
        return False
    account.details_submitted, account.payouts_enabled = after["details_submitted"], after["payouts_enabled"]
    account.updated_at = utcnow()
    db.session.flush()
    audit.record("stripe_account.updated", account, actor=actor, before=before, after={**after, "source": source})
    return True


def refresh_account(account: StripeAccount, actor=None) -> StripeAccount:
    """Ask Stripe how far the account's set-up has gone."""
    try:
        remote = client().v1.accounts.retrieve(account.account_id)
    except stripe.StripeError as error:
        raise PaymentError(
            _("Stripe could not be asked about the account: %(reason)s", reason=explain(error))
        ) from None
    _apply_account(
        account,
        bool(getattr(remote, "details_submitted", False)),
        bool(getattr(remote, "payouts_enabled", False)),
        actor=actor,
        source="refresh",
    )
    return account


# Releasing a payment ------------------------------------------------------------------------


def release(payment: Payment, *, actor, now: datetime | None = None) -> Payment:
    """Transfer the payment to the lead organisation's Stripe account. Commits (the claim
    before calling Stripe, the outcome after). Refuses with PaymentError when the provider
    has not finished Stripe's set-up or the payment is not due."""
    now = now or utcnow()
    if not enabled():
        raise PaymentError(_("Payments are made by bank transfer here: record the payment instead"))
    account = account_of(payment.contract.organisation_id)
    if account is None or not account.payouts_enabled:
        raise PaymentError(
            _(
                "%(organisation)s must finish setting up payouts with Stripe before it can be paid: "
                "its owner does this from the organisation's Payouts page",
                organisation=payment.contract.organisation.name,
            )
        )
    stripe_client = client()  # refuses before claiming the payment when Stripe is not configured
    retry = payment.status == PaymentStatus.FAILED
    if not services.start_processing(payment, actor=actor, now=now):
        return payment  # someone else is paying it, or it is paid: never call Stripe again
    payment_id, attempt, amount = payment.id, payment.attempt, payment.amount_pence
    key, group = payment.idempotency_key, payment.transfer_group
    db.session.commit()  # the claim is visible to every server before Stripe is called

    try:
        transfer = _existing_transfer(stripe_client, group, attempt) if retry else None
        if transfer is None:
            transfer = stripe_client.v1.transfers.create(
                params={
                    "amount": amount,
                    "currency": "gbp",
                    "destination": account.account_id,
                    "transfer_group": group,
                    "metadata": {"payment_id": str(payment_id), "attempt": str(attempt)},
                },
                options={"idempotency_key": key},
            )
    except stripe.StripeError as error:
        log.warning("Stripe transfer for payment %s (attempt %s) failed: %r", payment_id, attempt, error)
        refused = isinstance(
            error, (stripe.CardError, stripe.InvalidRequestError, stripe.PermissionError, stripe.AuthenticationError)
        )
        services.mark_failed(
            payment, message=explain(error), now=utcnow(), actor=actor, source="release", refused=refused
        )
        db.session.commit()
        return payment
    services.mark_paid(payment, transfer_id=transfer.id, now=utcnow(), actor=actor, source="release")
    db.session.commit()
    return payment


def _existing_transfer(stripe_client: stripe.StripeClient, group: str, attempt: int):
    """The transfer already made for this attempt of the payment, if any (a retry after a
    timeout, possibly after Stripe has forgotten the idempotency key)."""
    transfers = stripe_client.v1.transfers.list(params={"transfer_group": group, "limit": 100})
    for transfer in transfers.data:
        metadata = _as_dict(transfer).get("metadata") or {}
        if metadata.get("attempt") == str(attempt):
            return transfer
    return None


# Reconciliation -----------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    paid: int = 0
    reversed: int = 0
    not_sent: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"Checked {self.checked} payment(s) left processing: {self.paid} paid, {self.reversed} paid and since reversed, "
            f"{self.not_sent} never sent (payable again), {len(self.errors)} could not be checked."
        )
        return "\n".join([text, *(f"  {e}" for e in self.errors)])


def reconcile(now: datetime | None = None, *, older_than: timedelta = STALE_AFTER) -> ReconcileReport:
    """Settle every payment left processing (by a crash between Stripe's answer and our
    commit) from what Stripe holds: its transfer for the current attempt means paid, none
    means it was never sent. Commits each payment on its own."""
    now = now or utcnow()
    report = ReconcileReport()
    stripe_client = client()
    ids = db.session.scalars(
        sa.select(Payment.id)
        .where(Payment.status == PaymentStatus.PROCESSING, Payment.requested_at <= now - older_than)
        .order_by(Payment.id)
    ).all()
    for payment_id in ids:
        payment = db.session.get(Payment, payment_id)
        assert payment is not None  # its id was just read, and payments are never deleted
        report.checked += 1
        try:
            transfer = _existing_transfer(stripe_client, payment.transfer_group, payment.attempt)
        except stripe.StripeError as error:
            report.errors.append(f"Payment {payment_id}: {explain(error)}")
            continue
        if transfer is None:
            if services.back_to_payable(payment, now=now, source="reconcile"):
                report.not_sent += 1
        elif services.mark_paid(payment, transfer_id=transfer.id, now=now, source="reconcile"):
            report.paid += 1
            if getattr(transfer, "reversed", False) and services.mark_reversed(payment, now=now, source="reconcile"):
                report.reversed += 1
        db.session.commit()
    return report


# Webhooks -----------------------------------------------------------------------------------


def _as_dict(event) -> dict:
    return event.to_dict() if hasattr(event, "to_dict") else dict(event)


def handle_event(event, now: datetime | None = None) -> str:
    """Apply a verified webhook event once; returns what was done. Raises WebhookRejected
    (nothing to write) for an account or payment we don't know or a mismatched transfer.
    Flushes; the caller commits."""
    now = now or utcnow()
    event = _as_dict(event)
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id or not kind:
        raise WebhookRejected("The event has no id or type")
    if db.session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is not None:
        return "already processed"
    obj = (event.get("data") or {}).get("object") or {}
    payment = None
    if kind in ("transfer.created", "transfer.paid", "transfer.reversed", "transfer.failed"):
        payment, outcome = _transfer_event(kind, obj, now)
    elif kind == "account.updated":
        account = db.session.scalar(
            sa.select(StripeAccount).where(StripeAccount.account_id == str(obj.get("id") or ""))
        )
        if account is None:
            raise WebhookRejected(f"No organisation has the Stripe account {obj.get('id')!r}")
        changed = _apply_account(
            account, bool(obj.get("details_submitted")), bool(obj.get("payouts_enabled")), actor=None, source="webhook"
        )
        outcome = "account updated" if changed else "account unchanged"
    else:
        log.info("Stripe event %s of type %s acknowledged and not used", event_id, kind)
        outcome = "ignored: not used by the portal"
    db.session.add(
        StripeEvent(
            event_id=event_id[:64],
            type=kind[:80],
            received_at=now,
            payment_id=payment.id if payment else None,
            outcome=outcome[:200],
        )
    )
    db.session.flush()
    return outcome


def _transfer_event(kind: str, transfer: dict, now: datetime) -> tuple[Payment | None, str]:
    metadata = transfer.get("metadata") or {}
    if not metadata.get("payment_id"):
        log.info("Stripe %s for transfer %s, not one of the portal's", kind, transfer.get("id"))
        return None, "ignored: not a portal payment"
    try:
        payment = db.session.get(Payment, int(metadata["payment_id"]))
    except (TypeError, ValueError):
        payment = None
    if payment is None:
        raise WebhookRejected(f"No payment {metadata['payment_id']!r} for transfer {transfer.get('id')!r}")
    account = account_of(payment.contract.organisation_id)
    if (
        transfer.get("amount") != payment.amount_pence
        or str(transfer.get("currency") or "").lower() != "gbp"
        or account is None
        or transfer.get("destination") != account.account_id
    ):
        log.error("Stripe %s for transfer %s does not match payment %s", kind, transfer.get("id"), payment.id)
        raise WebhookRejected(
            f"Transfer {transfer.get('id')!r} does not match payment {payment.id}'s amount or account"
        )
    transfer_id = str(transfer.get("id") or "") or None
    if kind == "transfer.reversed":
        if payment.stripe_transfer_id != transfer_id:
            return payment, "ignored: not the payment's current transfer"
        done = services.mark_reversed(payment, now=now, source="webhook")
        return payment, "payment reversed" if done else f"no change: payment is {payment.status.value}"
    if str(metadata.get("attempt")) != str(payment.attempt):
        return payment, "ignored: a transfer of an earlier attempt"
    if kind == "transfer.failed":
        done = services.mark_failed(
            payment, message=_("Stripe reported that the transfer failed. Try again."), now=now, source="webhook"
        )
        return payment, "payment failed" if done else f"no change: payment is {payment.status.value}"
    done = services.mark_paid(payment, transfer_id=transfer_id, now=now, source="webhook")
    return payment, "payment paid" if done else f"no change: payment is {payment.status.value}"


def record_event_once(event) -> str:
    """handle_event, tolerating the same event delivered twice at once (the unique event id
    lets one insert win). Commits."""
    try:
        outcome = handle_event(event)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        event_id = str(_as_dict(event).get("id") or "")
        if db.session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is None:
            raise
        return "already processed"
    return outcome
