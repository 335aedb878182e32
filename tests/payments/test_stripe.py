"""Stripe Connect against a fake Stripe on 127.0.0.1: the owner's payouts set-up, releasing
a payment exactly once (a repeat, a double click, a retry), failures left retryable with
their message, a reversed payment paid again under a new key, and reconciliation of a
payment left processing by a crash."""

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.contracts.models import ContractMilestone
from marketplace.extensions import db
from marketplace.payments import services, stripe_backend
from marketplace.payments.models import Payment, PaymentStatus, StripeAccount
from marketplace.payments.services import PaymentError
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, error_summary, post_form, sign_in
from ..helpers import page_text as raw_page_text
from . import fake_stripe


@pytest.fixture
def fake(app, db_session, monkeypatch):
    yield from fake_stripe.serve(app, monkeypatch)


def page_text(response) -> str:
    return html.unescape(raw_page_text(response))


def audit_actions(obj) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == obj.id)
            .order_by(AuditEvent.id)
        )
    )


def onboarded(made, fake) -> StripeAccount:
    """The contract's lead organisation has a Stripe account with payouts enabled."""
    organisation = made.contract.organisation
    account = stripe_backend.ensure_account(organisation, made.provider)
    fake.complete_onboarding(account.account_id)
    stripe_backend.refresh_account(account)
    db.session.commit()
    assert account.payouts_enabled
    return account


def advance(made) -> Payment:
    payment = services.payments_of(made.contract)[0]
    assert payment.milestone.number == 0 and payment.status == PaymentStatus.PAYABLE
    return payment


def transfer_posts(fake):
    return fake.requests_to("POST", "/v1/transfers")


# Onboarding ---------------------------------------------------------------------------------


def test_owner_sets_up_payouts_once_and_the_return_page_shows_progress(client, fake):
    made = factories.make_contract()
    organisation = made.contract.organisation
    db.session.commit()
    sign_in(client, made.provider.email)
    url = f"/organisations/{organisation.id}/payouts"

    page = client.get(url)
    assert page.status_code == 200
    assert "Not set up" in page_text(page) and "Set up payouts with Stripe" in page_text(page)

    response = post_form(client, f"{url}/onboard", from_url=url)
    assert response.status_code == 303
    account = db.session.scalar(sa.select(StripeAccount).where(StripeAccount.organisation_id == organisation.id))
    assert response.headers["Location"].startswith(f"https://connect.stripe.test/setup/{account.account_id}/")
    (created,) = fake.requests_to("POST", "/v1/accounts")
    assert created.form["type"] == "express" and created.form["country"] == "GB"
    assert created.form["capabilities[transfers][requested]"] == "true"
    assert created.form["business_profile[name]"] == organisation.name
    assert created.form["metadata[organisation_id]"] == str(organisation.id)
    (link,) = fake.requests_to("POST", "/v1/account_links")
    assert link.form["type"] == "account_onboarding" and link.form["account"] == account.account_id
    assert link.form["return_url"].endswith(f"{url}/return") and link.form["refresh_url"].endswith(f"{url}/refresh")
    assert audit_actions(account) == ["stripe_account.created"]

    # A second click (or a second owner) makes a new link to the same account.
    response = post_form(client, f"{url}/onboard", from_url=url)
    assert response.status_code == 303
    assert count(StripeAccount) == 1 and len(fake.accounts) == 1 and len(fake.requests_to("POST", "/v1/accounts")) == 1

    # Back from Stripe before finishing: details needed.
    page = client.get(f"{url}/return")
    assert page.status_code == 200 and "Details needed" in page_text(page)
    assert not account.payouts_enabled

    # Finished at Stripe: the return page asks again and shows payouts enabled.
    fake.complete_onboarding(account.account_id)
    page = client.get(f"{url}/return")
    assert page.status_code == 200 and "Payouts enabled" in page_text(page)
    db.session.refresh(account)
    assert account.payouts_enabled and account.details_submitted
    assert audit_actions(account) == ["stripe_account.created", "stripe_account.updated"]
    assert "Payouts enabled" in page_text(client.get(url))

    # An expired link: a new one.
    response = client.get(f"{url}/refresh")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"https://connect.stripe.test/setup/{account.account_id}/")


def test_only_the_owner_sets_up_payouts(client, fake):
    made = factories.make_contract()
    organisation = made.contract.organisation
    member = factories.make_provider(Role.MEMBER, organisation=organisation)
    stranger = factories.make_provider()
    db.session.commit()
    url = f"/organisations/{organisation.id}/payouts"

    assert client.get(url).status_code == 302  # signed out: to sign in
    for user in (member, stranger):
        sign_in(client, user.email)
        assert client.get(url).status_code == 403
        assert client.get(f"{url}/refresh").status_code == 403
        post_form(client, "/sign-out", from_url="/")
    assert client.get("/organisations/999999/payouts").status_code in (302, 404)
    assert count(StripeAccount) == 0 and fake.requests == []


def test_stripe_refusal_during_set_up_is_shown_and_nothing_is_kept(client, fake):
    made = factories.make_contract()
    organisation = made.contract.organisation
    db.session.commit()
    sign_in(client, made.provider.email)
    url = f"/organisations/{organisation.id}/payouts"
    fake.fail("server")
    response = post_form(client, f"{url}/onboard", from_url=url)
    assert response.status_code == 400
    assert any("Stripe could not create the account" in e for e in error_summary(response))
    assert count(StripeAccount) == 0


def test_with_the_ledger_backend_the_pages_say_bank_transfer(client, db_session, app):
    assert app.config["PAYMENTS_BACKEND"] == "ledger"
    made = factories.make_contract()
    organisation = made.contract.organisation
    db.session.commit()
    sign_in(client, made.provider.email)
    url = f"/organisations/{organisation.id}/payouts"
    page = client.get(url)
    assert page.status_code == 200 and "bank transfer" in page_text(page) and "Set up payouts" not in page_text(page)
    response = post_form(client, f"{url}/onboard", {}, from_url="/")
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert client.get(f"{url}/return").status_code == 302
    assert count(StripeAccount) == 0
    with pytest.raises(PaymentError, match="bank transfer"):
        stripe_backend.release(advance(made), actor=made.commissioner)


# Releasing ----------------------------------------------------------------------------------


def test_release_pays_once_whatever_is_repeated(fake, db_session):
    made = factories.make_contract()
    account = onboarded(made, fake)
    payment = advance(made)

    stripe_backend.release(payment, actor=made.commissioner)
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.PAID and payment.backend == "stripe"
    assert payment.stripe_transfer_id in fake.transfers and payment.paid_at is not None
    (post,) = transfer_posts(fake)
    assert (
        post.headers["idempotency-key"] == payment.idempotency_key == f"local-partners-payment-{payment.id}-attempt-1"
    )
    assert post.form == {
        "amount": str(payment.amount_pence),
        "currency": "gbp",
        "destination": account.account_id,
        "transfer_group": payment.transfer_group,
        "metadata[payment_id]": str(payment.id),
        "metadata[attempt]": "1",
    }
    assert audit_actions(payment)[-2:] == ["payment.processing", "payment.paid"]

    # Released again (a second click, another commissioner): nothing sent to Stripe.
    stripe_backend.release(payment, actor=made.commissioner)
    stripe_backend.release(payment, actor=made.ev.commissioner)
    assert len(transfer_posts(fake)) == 1 and fake.transfers_made == 1
    assert services.total_paid(made.contract) == payment.amount_pence


def test_a_payment_another_server_is_paying_is_not_sent_again(fake, db_session):
    """Two clicks at once: the first claims the payment (committed) before calling Stripe;
    the second sees the claim and does not call Stripe."""
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    assert services.start_processing(payment, actor=made.commissioner, now=utcnow())
    db.session.commit()

    stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.PROCESSING
    assert transfer_posts(fake) == []


def test_a_retry_after_a_server_error_uses_the_same_key_and_pays_once(fake, db_session):
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    fake.fail("server")

    stripe_backend.release(payment, actor=made.commissioner)
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.FAILED and payment.status in services.RETRYABLE
    assert "Stripe had a problem (HTTP 500)" in payment.failure_message
    assert payment.status.label == "Failed: can be retried"

    stripe_backend.release(payment, actor=made.commissioner)
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.PAID and payment.failure_message is None
    first, second = transfer_posts(fake)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == payment.idempotency_key
    assert fake.transfers_made == 1 and payment.attempt == 1
    assert audit_actions(payment)[-4:] == ["payment.processing", "payment.failed", "payment.processing", "payment.paid"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("card", "Stripe refused the transfer: The destination account cannot receive this transfer."),
        ("account", "Stripe refused the transfer: The destination account has been closed."),
        ("permission", "Stripe refused the transfer: the platform may not pay this account"),
        ("server", "Stripe had a problem (HTTP 500)"),
        ("hang", "Stripe could not be reached or did not answer in time"),
    ],
)
def test_failures_leave_the_payment_failed_retryable_and_explained(fake, db_session, kind, message):
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    fake.fail(kind)

    stripe_backend.release(payment, actor=made.commissioner)
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message.startswith(message)
    assert payment.failed_at is not None and payment.stripe_transfer_id is None
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "payment.failed", AuditEvent.object_id == payment.id)
    ).one()
    assert event.reason.startswith(message[:100])
    assert fake.transfers_made == 0

    # Retryable: the next release pays it.
    stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.PAID and fake.transfers_made == 1


@pytest.mark.parametrize("kind", ["card", "account", "permission"])
def test_a_retry_after_a_refusal_uses_a_new_key(fake, db_session, kind):
    """Stripe keeps a refusal against its idempotency key for 24 hours: a retry with the
    same key would be refused again even once the account is fixed. A refusal made no
    transfer, so the next try is a new attempt with a new key."""
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    fake.fail(kind)
    stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.FAILED and payment.attempt == 2
    stripe_backend.release(payment, actor=made.commissioner)
    first, second = transfer_posts(fake)
    assert first.headers["idempotency-key"] != second.headers["idempotency-key"] == payment.idempotency_key
    assert payment.status == PaymentStatus.PAID and fake.transfers_made == 1


def test_a_timeout_after_stripe_made_the_transfer_is_not_paid_twice(fake, db_session):
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    fake.fail("hang", creates=True)  # Stripe makes the transfer; its answer never arrives

    stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.FAILED and fake.transfers_made == 1
    assert "we do not know if the transfer was made" in payment.failure_message

    stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.PAID
    assert payment.stripe_transfer_id == next(iter(fake.transfers))
    assert fake.transfers_made == 1


def test_a_reversed_payment_is_paid_again_under_a_new_key(fake, db_session):
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    stripe_backend.release(payment, actor=made.commissioner)
    first_transfer = payment.stripe_transfer_id
    assert services.mark_reversed(payment, now=utcnow(), source="test")
    db.session.commit()
    assert payment.status == PaymentStatus.REVERSED

    stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.PAID and payment.attempt == 2
    assert payment.stripe_transfer_id != first_transfer
    first, second = transfer_posts(fake)
    assert first.headers["idempotency-key"].endswith("-attempt-1")
    assert (
        second.headers["idempotency-key"] == payment.idempotency_key == f"local-partners-payment-{payment.id}-attempt-2"
    )
    assert second.form["metadata[attempt]"] == "2"
    assert fake.transfers_made == 2


def test_release_is_refused_before_the_provider_has_finished_onboarding(fake, db_session):
    made = factories.make_contract()
    payment = advance(made)
    with pytest.raises(PaymentError, match="must finish setting up payouts with Stripe"):
        stripe_backend.release(payment, actor=made.commissioner)
    stripe_backend.ensure_account(made.contract.organisation, made.provider)  # started, not finished
    db.session.commit()
    with pytest.raises(PaymentError, match="must finish setting up payouts with Stripe"):
        stripe_backend.release(payment, actor=made.commissioner)
    assert payment.status == PaymentStatus.PAYABLE and transfer_posts(fake) == []


def test_release_of_a_payment_not_yet_due_or_not_approved_is_refused(fake, db_session):
    made = factories.make_contract(starts_in_days=5)
    onboarded(made, fake)
    payment = advance(made)
    with pytest.raises(PaymentError, match="not due until"):
        stripe_backend.release(payment, actor=made.commissioner)
    db.session.rollback()
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.PAYABLE and transfer_posts(fake) == []
    # A milestone whose outcome report is not approved has no payment to release at all.
    milestone = db.session.scalar(
        sa.select(ContractMilestone).where(
            ContractMilestone.contract_id == made.contract.id, ContractMilestone.number == 1
        )
    )
    assert services.payment_for(milestone) is None


def test_client_is_refused_without_a_key(fake, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    with pytest.raises(PaymentError, match="STRIPE_SECRET_KEY"):
        stripe_backend.client()


# Reconciliation -----------------------------------------------------------------------------


def test_reconcile_settles_payments_left_processing_by_a_crash(fake, app, db_session):
    made = factories.make_contract()
    account = onboarded(made, fake)
    crashed = advance(made)
    milestone = db.session.scalar(
        sa.select(ContractMilestone).where(
            ContractMilestone.contract_id == made.contract.id, ContractMilestone.number == 1
        )
    )
    never_sent = services.make_payable(milestone, at=utcnow() - timedelta(days=1))
    recent = services.make_payable(
        db.session.scalar(
            sa.select(ContractMilestone).where(
                ContractMilestone.contract_id == made.contract.id, ContractMilestone.number == 2
            )
        ),
        at=utcnow() - timedelta(days=1),
    )
    db.session.flush()
    long_ago = utcnow() - timedelta(minutes=10)
    for payment in (crashed, never_sent):
        assert services.start_processing(payment, actor=made.commissioner, now=long_ago)
    assert services.start_processing(recent, actor=made.commissioner, now=utcnow())  # may still be in flight
    db.session.commit()
    # The crash: Stripe made the transfer, the portal never saved it.
    transfer = fake.make_transfer(
        amount=crashed.amount_pence,
        currency="gbp",
        destination=account.account_id,
        transfer_group=crashed.transfer_group,
        metadata={"payment_id": str(crashed.id), "attempt": str(crashed.attempt)},
    )
    # An earlier attempt's transfer in another payment's group does not count for it.
    fake.make_transfer(
        amount=never_sent.amount_pence,
        destination=account.account_id,
        transfer_group=never_sent.transfer_group,
        metadata={"payment_id": str(never_sent.id), "attempt": "0"},
    )

    result = app.test_cli_runner().invoke(args=["reconcile-payments"])
    assert result.exit_code == 0, result.output
    assert "Checked 2 payment(s) left processing: 1 paid" in result.output
    assert "1 never sent (payable again)" in result.output
    for payment in (crashed, never_sent, recent):
        db.session.refresh(payment)
    assert crashed.status == PaymentStatus.PAID and crashed.stripe_transfer_id == transfer["id"]
    assert never_sent.status == PaymentStatus.PAYABLE
    assert recent.status == PaymentStatus.PROCESSING
    assert audit_actions(never_sent)[-1] == "payment.not_sent"
    assert fake.transfers_made == 2 and transfer_posts(fake) == []

    # Repeating changes nothing; the payment put back is paid by the next release, once.
    assert "Checked 0 payment(s)" in app.test_cli_runner().invoke(args=["reconcile-payments"]).output
    stripe_backend.release(never_sent, actor=made.commissioner)
    assert never_sent.status == PaymentStatus.PAID and len(transfer_posts(fake)) == 1


def test_reconcile_reports_stripe_errors_and_leaves_the_payment(fake, app, db_session):
    made = factories.make_contract()
    onboarded(made, fake)
    payment = advance(made)
    assert services.start_processing(payment, actor=None, now=utcnow() - timedelta(minutes=10))
    db.session.commit()
    fake.fail("server")
    result = app.test_cli_runner().invoke(args=["reconcile-payments"])
    assert result.exit_code == 1
    assert "1 could not be checked" in result.output and f"Payment {payment.id}:" in result.output
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.PROCESSING


def test_reconcile_payments_refuses_with_the_ledger_backend(app, db_session):
    result = app.test_cli_runner().invoke(args=["reconcile-payments"])
    assert result.exit_code == 1 and "bank transfer" in result.output
