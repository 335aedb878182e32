"""Emails that close the loop, queued with the change that causes them: the area's finance
officers when a payment becomes payable, the lead provider's members when it is paid
(ledger or Stripe), the area's commissioners when an outcome report or a low-bid
explanation arrives. Never anyone of another organisation or another area, and nobody on
the commissioning side hears of a bid's content before its need closes."""

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Membership, Role
from marketplace.bids import submission
from marketplace.delivery import decisions, drafts
from marketplace.evaluation import low_bids, timing
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.payments import services as payments
from marketplace.payments import stripe_backend
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..delivery.helpers import complete, make_setup
from ..helpers import error_summary, post_form, sign_in
from ..payments import fake_stripe

pytestmark = pytest.mark.clock


def emails(subject_part: str) -> dict[str, OutboxEmail]:
    """The queued emails whose subject holds `subject_part`, by address."""
    found = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.contains(subject_part))).all()
    return {e.to: e for e in found}


def test_the_areas_finance_officers_are_told_when_the_advance_becomes_payable(db_session):
    finance = factories.make_area_staff(Role.FINANCE)
    regional = factories.make_area_staff(Role.FINANCE, "N57")  # a region's role covers its units
    elsewhere = factories.make_area_staff(Role.FINANCE, "N07")
    made = factories.make_contract()
    [advance] = payments.payments_of(made.contract)
    told = emails("Payment to make")
    assert set(told) == {finance.email, regional.email}
    assert elsewhere.email not in told and made.provider.email not in told
    body = told[finance.email].body
    assert made.contract.organisation.name in body and "the advance" in body
    assert f"/payments/{advance.id}" in body and "record the bank transfer" in body


def test_the_finance_officers_are_told_when_an_approved_report_makes_a_milestone_payable(db_session):
    s = make_setup()
    party_finance = factories.make_area_staff(Role.FINANCE)
    db.session.add(Membership(user=party_finance, organisation=s.contract.organisation, role=Role.MEMBER))
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, actor=s.owner, **complete(s))
    drafts.submit_report(report, s.owner)
    decisions.approve_report(report, s.commissioner)
    payment = payments.payment_for(s.milestone)
    new = {to: e for to, e in emails("Payment to make").items() if f"/payments/{payment.id}" in e.body}
    assert set(new) == {s.finance.email}
    assert "was approved on" in new[s.finance.email].body
    # A finance officer who is also a member of a party to the contract is not asked to pay it.
    assert party_finance.email not in new and s.owner.email not in new and s.outsider.email not in new


def test_the_area_commissioners_are_told_when_an_outcome_report_is_submitted(db_session):
    s = make_setup()
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, actor=s.owner, **complete(s))
    drafts.submit_report(report, s.owner)
    told = emails("Outcome report to review")
    assert s.commissioner.email in told
    # Not the commissioner who is a member of the lead, another area's, nor anyone else.
    assert {s.both.email, s.other_commissioner.email, s.owner.email, s.finance.email, s.outsider.email}.isdisjoint(told)


def _record_in_the_browser(client, payment, finance):
    assert sign_in(client, finance.email).status_code == 302
    today = london_date(utcnow())
    response = post_form(
        client,
        f"/payments/{payment.id}/record",
        {"paid_on": [str(today.day), str(today.month), str(today.year)], "reference": "BACS-42"},
        from_url=f"/payments/{payment.id}",
    )
    assert response.status_code == 302, error_summary(response)


def test_the_lead_providers_members_are_told_when_a_payment_is_recorded(client, db_session):
    s = make_setup()
    [advance] = payments.payments_of(s.contract)
    _record_in_the_browser(client, advance, s.finance)
    told = emails("Payment made")
    assert set(told) == {s.owner.email, s.member.email, s.both.email}  # every member of the lead
    body = told[s.owner.email].body
    assert "BACS-42" in body and f"/payments/{advance.id}" in body
    # Not the partner (paid by the lead), another provider, nor the commissioning side.
    assert {s.partner.email, s.outsider.email, s.commissioner.email, s.finance.email}.isdisjoint(told)


def test_a_refused_payment_record_tells_nobody(client, db_session):
    s = make_setup()
    [advance] = payments.payments_of(s.contract)
    assert sign_in(client, s.finance.email).status_code == 302
    response = post_form(
        client,
        f"/payments/{advance.id}/record",
        {"paid_on": ["1", "1", "2020"], "reference": "BACS-43"},
        from_url=f"/payments/{advance.id}",
    )
    assert response.status_code == 400
    assert emails("Payment made") == {}


@pytest.fixture
def fake(app, db_session, monkeypatch):
    yield from fake_stripe.serve(app, monkeypatch)


def test_the_lead_providers_members_are_told_when_stripe_sends_a_payment(fake, db_session):
    made = factories.make_contract()
    account = stripe_backend.ensure_account(made.contract.organisation, made.provider)
    fake.complete_onboarding(account.account_id)
    stripe_backend.refresh_account(account)
    db.session.commit()
    [advance] = payments.payments_of(made.contract)
    stripe_backend.release(advance, actor=made.commissioner)
    told = emails("Payment made")
    assert set(told) == {made.provider.email}
    assert "Stripe account" in told[made.provider.email].body
    # Released again: paid once, told once.
    stripe_backend.release(advance, actor=made.commissioner)
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxEmail.subject.contains("Payment made"))) == 1


def test_every_commissioner_of_the_area_is_told_when_a_low_bid_explanation_arrives(db_session):
    ev = factories.make_evaluation(prices=(2_000_000, 4_000_000, 4_500_000))
    bid = ev.bids[0]
    bid.low_flagged_at, bid.low_flag_reason = utcnow(), "52% below the median"
    colleague = factories.make_area_staff(Role.COMMISSIONER)
    elsewhere = factories.make_area_staff(Role.COMMISSIONER, "N07")
    review = low_bids.request_explanation(
        bid, request="Explain your staff costs.", respond_by=timing.earliest_respond_by(utcnow()), actor=ev.commissioner
    )
    low_bids.explain(review, text="Volunteers deliver half of the sessions.", actor=ev.providers[0])
    told = emails("Explanation received")
    assert set(told) == {ev.commissioner.email, colleague.email}
    assert elsewhere.email not in told and ev.providers[1].email not in told
    assert f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/abnormally-low" in told[colleague.email].body


def test_submitting_a_bid_before_closing_emails_nobody_on_the_commissioning_side(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    finance = factories.make_area_staff(Role.FINANCE)
    need = factories.make_need(commissioner=commissioner)
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider, submit=False)
    submission.submit_bid(bid, actor=provider)
    staff = {commissioner.email, evaluator.email, finance.email}
    assert staff.isdisjoint(db.session.scalars(sa.select(OutboxEmail.to)).all())
