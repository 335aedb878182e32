"""Ledger payments: the finance officer records the bank transfer; money rules held by the
database too (positive pence, one payment per schedule line, never more than the value)."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

pytestmark = pytest.mark.clock


@pytest.fixture
def made(db_session):
    return factories.make_contract()


@pytest.fixture
def advance(made):
    [payment] = payments.payments_of(made.contract)
    assert payment.milestone.number == 0 and payment.status == PaymentStatus.PAYABLE
    return payment


def test_the_advance_is_payable_from_the_contracts_start(db_session):
    later = factories.make_contract(starts_in_days=10)
    [payment] = payments.payments_of(later.contract)
    assert london_date(payment.payable_at) == later.contract.starts_on
    finance = factories.make_area_staff(Role.FINANCE)
    with pytest.raises(payments.PaymentError, match="not due until"):
        payments.record_ledger_payment(payment, paid_on=london_date(utcnow()), reference="BACS-1", actor=finance)


def test_the_finance_officer_records_a_payment_once(made, advance):
    finance = factories.make_area_staff(Role.FINANCE)
    today = london_date(utcnow())
    payments.record_ledger_payment(advance, paid_on=today, reference="BACS-2026-001", actor=finance)
    assert advance.status == PaymentStatus.PAID and advance.paid_on == today and advance.reference == "BACS-2026-001"
    assert advance.days_taken() == (today - made.contract.starts_on).days
    assert payments.total_paid(made.contract) == advance.amount_pence
    with pytest.raises(payments.PaymentError, match="already been recorded"):
        payments.record_ledger_payment(advance, paid_on=today, reference="BACS-2026-002", actor=finance)
    assert count(AuditEvent, AuditEvent.action == "payment.paid") == 1


@pytest.mark.parametrize(
    "paid_on_days, reference, message",
    [
        (1, "BACS-1", "today or in the past"),
        (-30, "BACS-1", "on or after"),
        (0, "  ", "Enter the bank transfer"),
        (0, "x" * 101, "100 characters or fewer"),
    ],
)
def test_bad_ledger_payments_are_refused(made, advance, paid_on_days, reference, message):
    finance = factories.make_area_staff(Role.FINANCE)
    with pytest.raises(payments.PaymentError, match=message):
        payments.record_ledger_payment(
            advance, paid_on=london_date(utcnow()) + timedelta(days=paid_on_days), reference=reference, actor=finance
        )
    assert advance.status == PaymentStatus.PAYABLE


def test_the_database_refuses_a_second_payment_for_a_line_and_a_non_positive_amount(made, advance):
    for bad in (
        Payment(contract_id=made.contract.id, milestone_id=advance.milestone_id, amount_pence=1, payable_at=utcnow()),
        Payment(
            contract_id=made.contract.id,
            milestone_id=made.contract.milestones[1].id,
            amount_pence=0,
            payable_at=utcnow(),
        ),
    ):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(bad)
            db.session.flush()


def test_the_database_refuses_payments_beyond_the_contracts_value(made, advance):
    """Even if the code were wrong: a trigger sums the payments paid or in flight."""
    contract = made.contract
    advance.status, advance.paid_at = PaymentStatus.PAID, utcnow()
    db.session.flush()
    line = contract.milestones[1]
    too_much = Payment(
        contract_id=contract.id,
        milestone_id=line.id,
        amount_pence=contract.value_pence,
        payable_at=utcnow(),
        status=PaymentStatus.PAID,
        paid_at=utcnow(),
    )
    with pytest.raises(Exception) as error, db.session.begin_nested():
        db.session.add(too_much)
        db.session.flush()
    assert "exceed" in str(error.value)
    # Within the value it is accepted; a reversed payment no longer counts.
    fits = Payment(contract_id=contract.id, milestone_id=line.id, amount_pence=line.amount_pence, payable_at=utcnow())
    db.session.add(fits)
    db.session.flush()
    assert payments.total_paid(contract) == advance.amount_pence


# Pages ------------------------------------------------------------------------------------------


def _signed_in(client, user):
    sign_in(client, user.email)
    return user


def test_the_finance_officer_records_the_payment_in_the_browser(client, made, advance):
    _signed_in(client, factories.make_area_staff(Role.FINANCE))
    page = page_text(client.get(f"/payments/{advance.id}"))
    assert "Record the bank transfer" in page
    today = london_date(utcnow())
    response = post_form(
        client,
        f"/payments/{advance.id}/record",
        {
            "paid_on": [str(today.day), str(today.month), str(today.year)],
            "reference": "BACS-77",
        },
        from_url=f"/payments/{advance.id}",
    )
    assert response.status_code == 302, error_summary(response)
    db.session.refresh(advance)
    assert advance.status == PaymentStatus.PAID
    contract_page = page_text(client.get(f"/contracts/{made.contract.id}"))
    assert "Paid" in contract_page and "BACS-77" in page_text(client.get(f"/payments/{advance.id}"))


def test_bad_input_keeps_what_was_typed_and_writes_nothing(client, made, advance):
    _signed_in(client, factories.make_area_staff(Role.FINANCE))
    response = post_form(
        client,
        f"/payments/{advance.id}/record",
        {
            "paid_on": ["31", "2", "2026"],
            "reference": "BACS-KEPT",
        },
        from_url=f"/payments/{advance.id}",
    )
    assert response.status_code == 400
    assert error_summary(response) and "BACS-KEPT" in page_text(response)
    assert count(AuditEvent, AuditEvent.action == "payment.paid") == 0


@pytest.mark.parametrize(
    "who, get, post",
    [
        ("commissioner", 200, 403),
        ("board", 200, 403),
        ("provider", 200, 403),
        ("other_provider", 404, 404),
        ("finance_elsewhere", 404, 404),
    ],
)
def test_only_the_areas_finance_officer_records_payments(client, made, advance, who, get, post):
    users = {
        "commissioner": made.commissioner,
        "board": factories.make_area_staff(Role.BOARD_MEMBER),
        "provider": made.provider,
        "other_provider": factories.make_provider(),
        "finance_elsewhere": factories.make_area_staff(Role.FINANCE, "N56ESXN"),
    }
    _signed_in(client, users[who])
    assert client.get(f"/payments/{advance.id}").status_code == get
    today = london_date(utcnow())
    response = post_form(
        client,
        f"/payments/{advance.id}/record",
        {
            "paid_on": [str(today.day), str(today.month), str(today.year)],
            "reference": "X",
        },
        from_url="/",
    )
    assert response.status_code == post
    assert advance.status == PaymentStatus.PAYABLE


def test_the_areas_page_lists_overdue_payments(client, made, advance):
    advance.payable_at = utcnow() - timedelta(days=12)
    db.session.flush()
    _signed_in(client, factories.make_area_staff(Role.BOARD_MEMBER))
    area = made.contract.need.area
    page = page_text(client.get(f"/areas/{area.id}/payments"))
    overdue = page.split("All payments")[0]
    assert made.contract.title in overdue and "12 days so far" in overdue
    post_form(client, "/sign-out", from_url="/")
    sign_in(client, factories.make_provider().email)
    assert client.get(f"/areas/{area.id}/payments").status_code == 403


@pytest.fixture
def fake(app, db_session, monkeypatch):
    from . import fake_stripe

    yield from fake_stripe.serve(app, monkeypatch)


@pytest.mark.parametrize(
    "who, status",
    [
        ("commissioner", 302),
        ("finance", 302),
        ("board", 403),
        ("provider", 403),
        ("other_provider", 404),
    ],
)
def test_only_the_commissioner_or_finance_officer_releases_through_stripe(client, made, advance, fake, who, status):
    from marketplace.payments import stripe_backend

    account = stripe_backend.ensure_account(made.contract.organisation, made.provider)
    fake.complete_onboarding(account.account_id)
    stripe_backend.refresh_account(account)
    users = {
        "commissioner": made.commissioner,
        "finance": factories.make_area_staff(Role.FINANCE),
        "board": factories.make_area_staff(Role.BOARD_MEMBER),
        "provider": made.provider,
        "other_provider": factories.make_provider(),
    }
    db.session.commit()
    _signed_in(client, users[who])
    response = post_form(client, f"/payments/{advance.id}/release", {}, from_url="/")
    assert response.status_code == status
    db.session.refresh(advance)
    assert (advance.status == PaymentStatus.PAID) is (status == 302)
    assert fake.transfers_made == (1 if status == 302 else 0)


def test_the_owner_finds_how_they_are_paid_from_the_home_page(client, made):
    _signed_in(client, made.provider)
    organisation = made.contract.organisation
    assert f"/organisations/{organisation.id}/payouts" in page_text(client.get("/"))
    assert "bank transfer" in page_text(client.get(f"/organisations/{organisation.id}/payouts"))
