"""The Stripe webhook: a signed event is applied once (a replay is recognised), anything
unsigned, badly signed, stale or not JSON gets 400 with nothing written, an event we
don't use is acknowledged, and an account or transfer we don't know is refused."""

import hashlib
import hmac
import json
import time

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.payments import services, stripe_backend
from marketplace.payments.models import PaymentStatus, StripeAccount, StripeEvent
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count
from . import fake_stripe


@pytest.fixture
def fake(app, db_session, monkeypatch):
    yield from fake_stripe.serve(app, monkeypatch)


@pytest.fixture
def paying(fake):
    """A contract whose provider has payouts enabled and whose advance is being paid."""
    made = factories.make_contract()
    account = StripeAccount(
        organisation_id=made.contract.organisation_id,
        account_id="acct_webhook1",
        details_submitted=True,
        payouts_enabled=True,
    )
    db.session.add(account)
    payment = services.payments_of(made.contract)[0]
    assert services.start_processing(payment, actor=made.commissioner, now=utcnow())
    db.session.commit()
    made.account, made.payment = account, payment
    return made


def transfer(made, **changes) -> dict:
    payment = made.payment
    return {
        "id": "tr_webhook1",
        "object": "transfer",
        "amount": payment.amount_pence,
        "currency": "gbp",
        "destination": made.account.account_id,
        "transfer_group": payment.transfer_group,
        "metadata": {"payment_id": str(payment.id), "attempt": str(payment.attempt)},
        **changes,
    }


def post(client, body, *, secret=fake_stripe.WEBHOOK_SECRET, timestamp=None, header=True):
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    headers = {"Stripe-Signature": fake_stripe.signature(payload, secret, timestamp)} if header else {}
    return client.post("/stripe/webhook", data=payload, headers=headers, content_type="application/json")


def test_a_signed_transfer_event_pays_the_payment_once(client, paying):
    event = fake_stripe.event("transfer.created", transfer(paying), "evt_paid1")
    response = post(client, event)
    assert response.status_code == 200 and response.json == {"received": True, "outcome": "payment paid"}
    payment = paying.payment
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.PAID and payment.stripe_transfer_id == "tr_webhook1"
    row = db.session.scalars(sa.select(StripeEvent)).one()
    assert (row.event_id, row.type, row.payment_id, row.outcome) == (
        "evt_paid1",
        "transfer.created",
        payment.id,
        "payment paid",
    )

    # Stripe delivers it again: recognised, nothing more written.
    response = post(client, event)
    assert response.status_code == 200 and response.json["outcome"] == "already processed"
    assert count(StripeEvent) == 1
    # transfer.paid for the same transfer: recorded, no change.
    response = post(client, fake_stripe.event("transfer.paid", transfer(paying), "evt_paid2"))
    assert response.status_code == 200 and response.json["outcome"] == "no change: payment is paid"
    assert count(StripeEvent) == 2


def test_a_reversal_makes_the_payment_payable_again_under_a_new_key(client, paying, fake):
    assert post(client, fake_stripe.event("transfer.created", transfer(paying))).status_code == 200
    response = post(client, fake_stripe.event("transfer.reversed", transfer(paying, reversed=True)))
    assert response.status_code == 200 and response.json["outcome"] == "payment reversed"
    payment = paying.payment
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.REVERSED and payment.reversed_at is not None

    stripe_backend.release(payment, actor=paying.commissioner)
    assert payment.status == PaymentStatus.PAID and payment.attempt == 2
    (post_request,) = fake.requests_to("POST", "/v1/transfers")
    assert post_request.headers["idempotency-key"].endswith("-attempt-2")
    # The first transfer's late events no longer touch it.
    late = post(
        client,
        fake_stripe.event(
            "transfer.created", transfer(paying, metadata={"payment_id": str(payment.id), "attempt": "1"})
        ),
    )
    assert late.status_code == 200 and late.json["outcome"] == "ignored: a transfer of an earlier attempt"
    assert payment.status == PaymentStatus.PAID


def test_a_failed_transfer_marks_the_payment_failed(client, paying):
    response = post(client, fake_stripe.event("transfer.failed", transfer(paying)))
    assert response.status_code == 200 and response.json["outcome"] == "payment failed"
    db.session.refresh(paying.payment)
    assert paying.payment.status == PaymentStatus.FAILED and "transfer failed" in paying.payment.failure_message


@pytest.mark.parametrize(
    "case",
    ["wrong secret", "stale", "no header", "garbled header", "not json", "empty", "tampered", "not utf-8"],
)
def test_unverified_or_unreadable_bodies_get_400_and_nothing_is_written(client, paying, case):
    event = fake_stripe.event("transfer.created", transfer(paying))
    body = json.dumps(event)
    if case == "wrong secret":
        response = post(client, body, secret="whsec_someone_else")
    elif case == "stale":
        response = post(client, body, timestamp=int(time.time()) - 301)
    elif case == "no header":
        response = post(client, body, header=False)
    elif case == "garbled header":
        response = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": "nonsense"})
    elif case == "not json":
        response = post(client, "this is not json")
    elif case == "empty":
        response = post(client, "")
    elif case == "tampered":
        header = fake_stripe.signature(body)
        response = client.post(
            "/stripe/webhook",
            data=body.replace(str(paying.payment.amount_pence), "1"),
            headers={"Stripe-Signature": header},
        )
    else:
        raw = b"\xff\xfe not text"
        timestamp = int(time.time())
        mac = hmac.new(fake_stripe.WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
        response = client.post("/stripe/webhook", data=raw, headers={"Stripe-Signature": f"t={timestamp},v1={mac}"})
    assert response.status_code == 400 and "error" in response.json
    assert count(StripeEvent) == 0
    db.session.refresh(paying.payment)
    assert paying.payment.status == PaymentStatus.PROCESSING


def test_an_event_we_do_not_use_is_acknowledged_and_kept(client, fake):
    response = post(client, fake_stripe.event("charge.succeeded", {"id": "ch_1", "object": "charge"}, "evt_other"))
    assert response.status_code == 200 and response.json["outcome"] == "ignored: not used by the portal"
    row = db.session.scalars(sa.select(StripeEvent)).one()
    assert row.type == "charge.succeeded" and row.payment_id is None


def test_account_updated_applies_to_a_known_account_only(client, fake):
    made = factories.make_contract()
    account = StripeAccount(organisation_id=made.contract.organisation_id, account_id="acct_known")
    db.session.add(account)
    db.session.commit()
    response = post(
        client,
        fake_stripe.event(
            "account.updated",
            {"id": "acct_known", "object": "account", "details_submitted": True, "payouts_enabled": True},
        ),
    )
    assert response.status_code == 200 and response.json["outcome"] == "account updated"
    db.session.refresh(account)
    assert account.payouts_enabled and account.details_submitted

    response = post(
        client,
        fake_stripe.event(
            "account.updated",
            {"id": "acct_stranger", "object": "account", "details_submitted": True, "payouts_enabled": True},
        ),
    )
    assert response.status_code == 400
    assert count(StripeEvent) == 1 and count(StripeAccount) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 1},
        {"destination": "acct_someone_else"},
        {"currency": "usd"},
        {"metadata": {"payment_id": "99999999", "attempt": "1"}},
        {"metadata": {"payment_id": "nonsense"}},
    ],
)
def test_a_transfer_that_does_not_match_its_payment_is_refused(client, paying, changes):
    response = post(client, fake_stripe.event("transfer.created", transfer(paying, **changes)))
    assert response.status_code == 400
    assert count(StripeEvent) == 0
    db.session.refresh(paying.payment)
    assert paying.payment.status == PaymentStatus.PROCESSING


def test_a_transfer_not_made_by_the_portal_is_acknowledged(client, paying):
    response = post(client, fake_stripe.event("transfer.created", transfer(paying, metadata={})))
    assert response.status_code == 200 and response.json["outcome"] == "ignored: not a portal payment"
    db.session.refresh(paying.payment)
    assert paying.payment.status == PaymentStatus.PROCESSING


def test_the_webhook_refuses_everything_without_a_secret(client, fake, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")
    body = json.dumps(fake_stripe.event("charge.succeeded", {"id": "ch_1"}))
    response = post(client, body, secret="")  # signed with the empty secret an attacker could guess
    assert response.status_code == 400 and count(StripeEvent) == 0


def test_the_webhook_refuses_everything_with_the_ledger_backend(client, db_session):
    response = post(client, fake_stripe.event("charge.succeeded", {"id": "ch_1"}))
    assert response.status_code == 400 and count(StripeEvent) == 0
