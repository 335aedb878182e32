"""Payments raced on real concurrent PostgreSQL connections: app servers releasing one
payment through Stripe at the same moment make one transfer, and finance officers
recording one payment at once record it once. (SQLite has one writer and no row locks:
nothing to race, so these are skipped there.)"""

import pytest

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.payments import stripe_backend
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..bids.test_concurrency import _join, _run_threads, pg_app  # noqa: F401 (fixture)
from . import fake_stripe

pytestmark = pytest.mark.clock

SERVERS = 12


@pytest.fixture
def fake(pg_app, monkeypatch):  # noqa: F811
    yield from fake_stripe.serve(pg_app, monkeypatch)


def _contract(app, fake=None) -> tuple[int, int, int]:
    """A contract whose advance is payable: (payment id, commissioner id, finance id)."""
    with app.app_context():
        made = factories.make_contract()
        if fake is not None:
            account = stripe_backend.ensure_account(made.contract.organisation, made.provider)
            fake.complete_onboarding(account.account_id)
            stripe_backend.refresh_account(account)
        finance = factories.make_area_staff(Role.FINANCE)
        [payment] = payments.payments_of(made.contract)
        ids = payment.id, made.commissioner.id, finance.id
        db.session.commit()
        db.session.remove()
    return ids


def test_app_servers_releasing_one_payment_at_once_make_one_transfer(pg_app, fake):  # noqa: F811
    payment_id, commissioner_id, _ = _contract(pg_app, fake)

    def release(barrier):
        payment = db.session.get(Payment, payment_id)
        user = db.session.get(User, commissioner_id)
        db.session.rollback()
        barrier.wait()
        return stripe_backend.release(payment, actor=user).status

    threads, results, _ = _run_threads(pg_app, [release] * SERVERS)
    _join(threads)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert fake.transfers_made == 1
    assert len(fake.requests_to("POST", "/v1/transfers")) == 1
    with pg_app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment.status == PaymentStatus.PAID and payment.stripe_transfer_id in fake.transfers
        assert db.session.query(AuditEvent).filter_by(action="payment.paid", object_id=payment_id).count() == 1
        db.session.remove()


def test_finance_officers_recording_one_payment_at_once_record_it_once(pg_app):  # noqa: F811
    payment_id, _, finance_id = _contract(pg_app)
    today = london_date(utcnow())

    def record(barrier):
        payment = db.session.get(Payment, payment_id)
        user = db.session.get(User, finance_id)
        db.session.rollback()
        barrier.wait()
        try:
            payments.record_ledger_payment(payment, paid_on=today, reference="BACS-RACE", actor=user)
        except payments.PaymentError as error:
            db.session.rollback()
            return error.message
        db.session.commit()
        return "recorded"

    threads, results, _ = _run_threads(pg_app, [record] * SERVERS)
    _join(threads)
    assert results.count("recorded") == 1, results
    assert all(r == "This payment has already been recorded as paid" for r in results if r != "recorded"), results
    with pg_app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="payment.paid", object_id=payment_id).count() == 1
        db.session.remove()
