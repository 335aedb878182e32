"""The rules of making a contract, each named, through services.create_contract: a refusal
names its field and writes nothing; a contract made records its parties, schedule and
outcomes, makes the advance payable from the start, is audited and emails the provider."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from marketplace.audit import AuditEvent
from marketplace.contracts import services as contracts
from marketplace.contracts.models import (
    Contract,
    ContractMilestone,
    ContractParty,
    PartyRole,
)
from marketplace.evaluation import award
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.services import start_of
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import count

# Dates in working days and London time: `make test-clocks` runs these at fixed instants.
pytestmark = pytest.mark.clock


@pytest.fixture
def decided(db_session):
    """A grant need (no standstill), its lot awarded to the first of two bids (£40,000)."""
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000))
    factories.score_all(ev, {0: 4})
    ev.decision = award.decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    ev.starts_on = london_date(utcnow()) + timedelta(days=1)
    ev.ends_on = ev.starts_on + timedelta(days=365)
    return ev


def _schedule(ev, **amounts):
    """The proposed schedule, with due dates inside the contract and `amounts` (pence, by
    line number, e.g. _1=...) changed."""
    lines = contracts.proposed_schedule(ev.decision, ev.starts_on)
    changed = {int(key.lstrip("_")): value for key, value in amounts.items()}
    return [
        contracts.Line(
            line.number, line.title, changed.get(line.number, line.amount_pence), min(line.due_on, ev.ends_on)
        )
        for line in lines
    ]


def _make(ev, **changes):
    terms = {
        "starts_on": ev.starts_on,
        "ends_on": ev.ends_on,
        "schedule": _schedule(ev),
        "outcome_ids": [o.id for o in ev.need.outcomes],
        "actor": ev.commissioner,
    }
    return contracts.create_contract(ev.decision, **{**terms, **changes})


def _refused(ev, field, message, **changes):
    events = count(AuditEvent)
    with pytest.raises(contracts.ContractError) as refused:
        _make(ev, **changes)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert count(Contract) == 0 and count(ContractMilestone) == 0 and count(Payment) == 0
    assert count(AuditEvent) == events


def test_payment_schedule_sums_to_contract_value(decided):
    _refused(
        decided,
        "schedule",
        "The payments add up to £39,999.99 but the contract value is £40,000: add £0.01",
        schedule=_schedule(decided, _1=1_599_999),
    )
    _refused(
        decided,
        "schedule",
        "The payments add up to £40,500 but the contract value is £40,000: take off £500",
        schedule=_schedule(decided, _2=1_450_000),
    )
    contract = _make(decided, schedule=_schedule(decided, _1=1_500_000, _2=1_500_000))
    assert contract.value_pence == 4_000_000 == sum(m.amount_pence for m in contract.milestones)


def test_schedule_proposed_from_the_winning_bids_breakdown(decided):
    lines = contracts.proposed_schedule(decided.decision, decided.starts_on)
    assert [(line.number, line.title) for line in lines] == [(0, "Advance"), (1, "Six months"), (2, "End of service")]
    assert sum(line.amount_pence for line in lines) == 4_000_000
    assert lines[0].due_on == decided.starts_on
    assert lines[1].due_on == decided.starts_on + relativedelta(months=6)
    assert lines[2].due_on == decided.starts_on + relativedelta(months=12)


def test_every_payment_is_more_than_nothing(decided):
    _refused(decided, "amount_1", "The amount for six months must be more than £0", schedule=_schedule(decided, _1=0))
    _refused(decided, "amount_1", "Enter an amount for six months", schedule=_schedule(decided, _1=None))
    _refused(decided, "schedule", "The schedule needs at least one payment", schedule=[])


def test_due_dates_fall_within_the_contract(decided):
    late = [
        contracts.Line(
            line.number,
            line.title,
            line.amount_pence,
            decided.ends_on + timedelta(days=1) if line.number == 2 else line.due_on,
        )
        for line in _schedule(decided)
    ]
    _refused(decided, "due_2", "The due date for end of service must be between the start and end dates", schedule=late)
    missing = [
        contracts.Line(line.number, line.title, line.amount_pence, None if line.number == 1 else line.due_on)
        for line in _schedule(decided)
    ]
    _refused(decided, "due_1", "Enter a due date for six months", schedule=missing)


def test_contract_ends_after_it_starts(decided):
    _refused(decided, "ends_on", "The end date must be after the start date", ends_on=decided.starts_on)
    _refused(decided, "starts_on", "Enter real dates", starts_on=decided.starts_on.replace(year=1999))


def test_outcomes_reported_come_from_the_need(decided):
    _refused(decided, "outcome_ids", "Choose at least one outcome the provider will report", outcome_ids=[])
    other = factories.make_need(commissioner=decided.commissioner)
    theirs = [o.id for o in other.outcomes if o.id not in {x.id for x in decided.need.outcomes}]
    if theirs:
        _refused(decided, "outcome_ids", "Choose outcomes from this need", outcome_ids=[theirs[0]])
    _refused(decided, "outcome_ids", "Choose outcomes from this need", outcome_ids=[999_999])


def test_contract_waits_for_standstill_to_end(decided):
    decided.decision.standstill_ends_at = utcnow() + timedelta(days=2)
    with pytest.raises(contracts.ContractError, match="Standstill ends at"):
        _make(decided)
    assert count(Contract) == 0
    decided.decision.standstill_ends_at = utcnow() - timedelta(seconds=1)
    assert _make(decided) is not None


def test_a_lot_gets_one_contract(decided):
    made = _make(decided)
    events = count(AuditEvent)
    with pytest.raises(contracts.ContractError, match="A contract has already been made for this lot"):
        _make(decided)
    assert count(Contract) == 1 and count(AuditEvent) == events
    assert contracts.contract_for(decided.decision) is made
    assert contracts.contract_problems(decided.decision, utcnow()) == ["A contract has already been made for this lot"]


def test_a_lot_not_awarded_gets_no_contract(db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev)
    assert contracts.not_ready(None, utcnow()) == ["This lot has not been decided yet"]
    decision = award.decide(ev.lot, bid=None, reasons="No bid met the need.", actor=ev.commissioner)
    assert contracts.not_ready(decision, utcnow()) == ["This lot was not awarded"]


def test_contract_records_the_lead_as_a_party_with_its_shares(decided):
    contract = _make(decided)
    parties = db.session.scalars(sa.select(ContractParty).where(ContractParty.contract_id == contract.id)).all()
    assert [(p.organisation_id, p.role) for p in parties] == [(decided.bids[0].organisation_id, PartyRole.LEAD)]
    assert contract.organisation_id == decided.bids[0].organisation_id
    assert contracts.is_party(decided.providers[0], contract) and not contracts.is_party(decided.providers[1], contract)
    assert (
        contracts.contracts_of(decided.providers[0]) == [contract]
        and contracts.contracts_of(decided.providers[1]) == []
    )


def test_the_advance_is_payable_from_the_contract_start(decided):
    contract = _make(decided)
    payment = db.session.scalar(sa.select(Payment).where(Payment.contract_id == contract.id))
    assert payment.milestone.number == 0 and payment.status == PaymentStatus.PAYABLE
    assert (
        payment.payable_at == start_of(contract.starts_on)
        and payment.amount_pence == contract.milestones[0].amount_pence
    )


def test_making_a_contract_is_audited_and_the_provider_emailed(decided):
    contract = _make(decided)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "contract.created"))
    assert event.object_id == contract.id and event.actor_id == decided.commissioner.id
    assert event.after["value_pence"] == 4_000_000 and [line["number"] for line in event.after["schedule"]] == [0, 1, 2]
    assert (
        count(
            OutboxEmail,
            OutboxEmail.to == decided.providers[0].email,
            OutboxEmail.subject == f"Your contract: {contract.title}",
        )
        == 1
    )
    assert (
        count(OutboxEmail, OutboxEmail.to == decided.providers[1].email, OutboxEmail.subject.like("Your contract%"))
        == 0
    )
    assert {"contract.created", "payment.payable"} <= {e.action for e in contracts.timeline(contract)}
