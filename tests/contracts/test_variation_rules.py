"""The rules of contract variations, each named: only the area's commissioner proposes,
only the provider agrees (and only then does anything change), the schedule keeps summing
to the value, money already payable stays as it is; the forms show bad input by its field,
keep it, and write nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.contracts import variations
from marketplace.contracts.models import ContractVariation
from marketplace.delivery import decisions, drafts
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

from .. import factories
from ..delivery.helpers import complete, make_setup
from ..helpers import count, error_summary, page_text, post_form, sign_in

# Dates in working days and London time: `make test-clocks` runs these at fixed instants.
pytestmark = pytest.mark.clock


@pytest.fixture
def made(db_session):
    return factories.make_contract()


def _terms(contract, *, ends_on=None, amounts=None, due=None, reason="Three more months for the waiting list."):
    return {
        "ends_on": ends_on or contract.ends_on,
        "amounts": {m.number: m.amount_pence for m in contract.milestones} | (amounts or {}),
        "due_dates": {m.number: m.due_on for m in contract.milestones} | (due or {}),
        "reason": reason,
    }


def _longer(contract, **changes):
    return _terms(contract, ends_on=contract.ends_on + timedelta(days=30), **changes)


def _events(prefix="contract.vari") -> list[str]:
    return db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)
    ).all()


# Services --------------------------------------------------------------------------------------


def test_variation_needs_the_providers_consent(made):
    contract = made.contract
    ends_on = contract.ends_on
    variation = variations.propose(contract, **_longer(contract), actor=made.commissioner)
    assert contract.ends_on == ends_on  # nothing changes on proposal
    outsider = factories.make_provider()
    for someone in (made.commissioner, outsider, factories.make_area_staff(Role.BOARD_MEMBER)):
        with pytest.raises(variations.VariationError, match="Only members of the provider's lead organisation"):
            variations.accept(variation, actor=someone)
        with pytest.raises(variations.VariationError, match="Only members of the provider's lead organisation"):
            variations.decline(variation, reason="No.", actor=someone)
    assert variation.is_waiting and contract.ends_on == ends_on
    variations.accept(variation, actor=made.provider)
    assert contract.ends_on == ends_on + timedelta(days=30)
    assert variation.accepted_by_id == made.provider.id


def test_only_the_areas_commissioner_proposes_a_variation(made):
    contract = made.contract
    for someone in (
        made.provider,
        factories.make_area_staff(Role.COMMISSIONER, "N07"),
        factories.make_area_staff(Role.FINANCE),
    ):
        with pytest.raises(variations.VariationError, match="Only a commissioner of the area"):
            variations.propose(contract, **_longer(contract), actor=someone)
    assert count(ContractVariation) == 0 and _events() == []


def test_variation_changing_value_keeps_schedule_summing(made):
    contract = made.contract
    first, last = contract.milestones[1], contract.milestones[-1]
    value = contract.value_pence
    variation = variations.propose(
        contract,
        **_longer(
            contract, amounts={first.number: first.amount_pence - 100_000, last.number: last.amount_pence + 350_000}
        ),
        actor=made.commissioner,
    )
    assert variation.changes["value_pence"] == value + 250_000
    assert variation.changes["value_pence"] == sum(line["amount_pence"] for line in variation.changes["schedule"])
    variations.accept(variation, actor=made.provider)
    assert contract.value_pence == value + 250_000 == sum(m.amount_pence for m in contract.milestones)


def test_one_variation_waits_at_a_time(made):
    contract = made.contract
    variations.propose(contract, **_longer(contract), actor=made.commissioner)
    with pytest.raises(variations.VariationError, match="already waiting for the provider"):
        variations.propose(
            contract, **_terms(contract, ends_on=contract.ends_on + timedelta(days=60)), actor=made.commissioner
        )
    assert count(ContractVariation) == 1


def test_an_answered_variation_cannot_be_answered_again(made):
    contract = made.contract
    variation = variations.propose(contract, **_longer(contract), actor=made.commissioner)
    variations.decline(variation, reason="Our staff are contracted to the end date.", actor=made.provider)
    for answer in (
        lambda: variations.accept(variation, actor=made.provider),
        lambda: variations.decline(variation, reason="Again", actor=made.provider),
    ):
        with pytest.raises(variations.VariationError, match="already been answered"):
            answer()
    assert variation.declined_at is not None and variation.accepted_at is None
    # Once answered, another may be proposed.
    assert variations.propose(contract, **_longer(contract), actor=made.commissioner).is_waiting


def test_variation_cannot_change_money_already_payable(made):
    contract = made.contract
    advance = contract.milestones[0]  # payable since the contract started
    events = count(AuditEvent)
    with pytest.raises(variations.VariationError) as refused:
        variations.propose(
            contract, **_longer(contract, amounts={0: advance.amount_pence + 100}), actor=made.commissioner
        )
    assert refused.value.field == "amount_0"
    assert refused.value.message.startswith("The amount for advance cannot change: it has already become payable")
    assert count(ContractVariation) == 0 and count(AuditEvent) == events
    # Its due date may still move, and its amount stay.
    assert variations.propose(contract, **_longer(contract), actor=made.commissioner) is not None


def test_a_line_that_became_payable_after_the_proposal_keeps_its_amount(db_session):
    s = make_setup()
    contract, milestone = s.contract, s.milestone
    amount = milestone.amount_pence
    variation = variations.propose(
        contract,
        **_longer(contract, amounts={1: amount - 1000, 2: s.milestone2.amount_pence + 1000}),
        actor=s.commissioner,
    )
    report = drafts.start_report(milestone, s.owner)
    drafts.save_report(report, **complete(s), actor=s.owner)
    drafts.submit_report(report, s.owner)
    decisions.approve_report(report, s.commissioner)
    with pytest.raises(
        variations.VariationError, match="Six months has become payable since the variation was proposed"
    ):
        variations.accept(variation, actor=s.owner)
    assert milestone.amount_pence == amount and variation.is_waiting


def test_variation_proposed_for_older_terms_is_refused(made):
    contract = made.contract
    variation = variations.propose(contract, **_longer(contract), actor=made.commissioner)
    contract.ends_on = contract.ends_on + timedelta(days=1)  # changed some other way since
    db.session.flush()
    with pytest.raises(variations.VariationError, match="The contract changed since this variation was proposed"):
        variations.accept(variation, actor=made.provider)


def test_a_proposal_is_told_to_the_provider_and_every_step_audited(made):
    contract = made.contract
    variation = variations.propose(contract, **_longer(contract), actor=made.commissioner)
    mail = db.session.scalar(
        sa.select(OutboxEmail).where(
            OutboxEmail.to == made.provider.email, OutboxEmail.subject.like("A change to your contract%")
        )
    )
    assert mail is not None and f"/contracts/{contract.id}/variations/{variation.id}" in mail.body
    variations.accept(variation, actor=made.provider)
    assert _events() == ["contract.variation_proposed", "contract.varied"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "contract.varied"))
    assert event.before == variation.before and event.after == variation.changes and event.actor_id == made.provider.id


def test_declining_needs_a_reason_and_changes_nothing(made):
    contract = made.contract
    terms = variations.current_terms(contract)
    variation = variations.propose(contract, **_longer(contract), actor=made.commissioner)
    with pytest.raises(variations.VariationError) as refused:
        variations.decline(variation, reason="  ", actor=made.provider)
    assert refused.value.field == "reason" and variation.is_waiting
    variations.decline(variation, reason="We cannot staff another month.", actor=made.provider)
    assert variations.current_terms(contract) == terms and variation.decline_reason == "We cannot staff another month."
    assert _events() == ["contract.variation_proposed", "contract.variation_declined"]


# The forms -------------------------------------------------------------------------------------


def _vary_form(contract, **changes) -> dict:
    data = {"reason": "Longer service", "ends_on": ["1", "1", str(contract.ends_on.year + 1)]}
    for m in contract.milestones:
        data[f"amount_{m.number}"] = f"{m.amount_pence / 100:.2f}"
        data[f"due_{m.number}"] = [str(m.due_on.day), str(m.due_on.month), str(m.due_on.year)]
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "message", "kept"),
    [
        ({"reason": ""}, "Enter the reason for the variation", None),
        ({"reason": "word " * 501}, "The reason must be 500 words or fewer", "word word"),
        ({"amount_1": ""}, "Enter an amount for six months", None),
        ({"amount_1": "0"}, "The amount for six months must be more than £0", 'value="0"'),
        (
            {"amount_1": "lots"},
            "The amount for six months must be an amount of money, like £12,500 or £12,500.50",
            "lots",
        ),
        ({"ends_on": ["31", "2", "2030"]}, "The end date must be a real date", 'value="31"'),
        (
            {"due_2": ["1", "1", "2099"]},
            "The due date for end of service must be between the start and end dates",
            'value="2099"',
        ),
    ],
)
def test_bad_variation_input_is_shown_by_its_field_kept_and_nothing_written(client, made, changes, message, kept):
    contract = made.contract
    sign_in(client, made.commissioner.email)
    events = count(AuditEvent)
    response = post_form(client, f"/contracts/{contract.id}/vary", _vary_form(contract, **changes))
    assert response.status_code == 400
    assert error_summary(response) == [message]
    if kept:
        assert kept in page_text(response)
    assert count(ContractVariation) == 0 and count(AuditEvent) == events


def test_the_answer_form_needs_an_answer(client, made):
    contract = made.contract
    variation = variations.propose(contract, **_longer(contract), actor=made.commissioner)
    db.session.commit()
    url = f"/contracts/{contract.id}/variations/{variation.id}"
    sign_in(client, made.provider.email)
    events = count(AuditEvent)
    response = post_form(client, url, {"reason": "Thinking"})
    assert response.status_code == 400 and error_summary(response) == ["Select whether you agree to the change"]
    assert "Thinking" in page_text(response)
    response = post_form(client, url, {"answer": "decline", "reason": ""})
    assert response.status_code == 400 and error_summary(response) == ["Enter why you do not agree to the variation"]
    db.session.refresh(variation)
    assert variation.is_waiting and count(AuditEvent) == events
    response = post_form(client, url, {"answer": "decline", "reason": "We cannot staff it."})
    assert response.status_code == 302
    db.session.refresh(variation)
    assert variation.decline_reason == "We cannot staff it."
