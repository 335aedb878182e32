"""Contract variations: proposed by the commissioner with a reason, in effect only once the
provider agrees; money already payable never changes."""

from datetime import timedelta

import pytest

from marketplace.audit import AuditEvent
from marketplace.contracts import variations
from marketplace.contracts.models import ContractVariation
from marketplace.extensions import db

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in


@pytest.fixture
def made(db_session):
    return factories.make_contract()


def _terms(contract, **changes):
    amounts = {m.number: m.amount_pence for m in contract.milestones}
    due = {m.number: m.due_on for m in contract.milestones}
    amounts.update(changes.get("amounts", {}))
    due.update(changes.get("due", {}))
    return {"ends_on": changes.get("ends_on", contract.ends_on), "amounts": amounts, "due_dates": due}


def test_a_variation_takes_effect_only_when_the_provider_agrees(made):
    contract = made.contract
    value = contract.value_pence
    last = contract.milestones[-1]
    new_end = contract.ends_on + timedelta(days=90)
    variation = variations.propose(
        contract,
        **_terms(contract, ends_on=new_end, amounts={last.number: last.amount_pence + 500_000}),
        reason="Three more months for the waiting list.",
        actor=made.commissioner,
    )
    assert contract.value_pence == value and contract.ends_on != new_end  # not yet
    with pytest.raises(variations.VariationError, match="already waiting"):
        variations.propose(contract, **_terms(contract), reason="Again", actor=made.commissioner)
    variations.accept(variation, actor=made.provider)
    assert contract.value_pence == value + 500_000 and contract.ends_on == new_end
    assert sum(m.amount_pence for m in contract.milestones) == contract.value_pence
    assert [
        e.action
        for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("contract.vari%")).order_by(AuditEvent.id)
    ] == ["contract.variation_proposed", "contract.varied"]


def test_money_already_payable_cannot_change_and_bad_terms_are_refused(made):
    contract = made.contract
    advance = contract.milestones[0]  # payable since the contract started
    with pytest.raises(variations.VariationError, match="cannot change") as error:
        variations.propose(
            contract, **_terms(contract, amounts={0: advance.amount_pence - 1}), reason="Less", actor=made.commissioner
        )
    assert error.value.field == "amount_0"
    with pytest.raises(variations.VariationError, match="after the contract's start"):
        variations.propose(
            contract, **_terms(contract, ends_on=contract.starts_on), reason="Shorter", actor=made.commissioner
        )
    with pytest.raises(variations.VariationError, match="between the start and end"):
        variations.propose(
            contract,
            **_terms(contract, due={1: contract.ends_on + timedelta(days=1)}),
            reason="Later",
            actor=made.commissioner,
        )
    with pytest.raises(variations.VariationError, match="Enter the reason"):
        variations.propose(
            contract,
            **_terms(contract, ends_on=contract.ends_on + timedelta(days=1)),
            reason=" ",
            actor=made.commissioner,
        )
    with pytest.raises(variations.VariationError, match="current terms"):
        variations.propose(contract, **_terms(contract), reason="Nothing", actor=made.commissioner)
    assert count(ContractVariation) == 0


def test_the_provider_declines_with_a_reason(made):
    contract = made.contract
    variation = variations.propose(
        contract,
        **_terms(contract, ends_on=contract.ends_on - timedelta(days=30)),
        reason="Budget cut",
        actor=made.commissioner,
    )
    with pytest.raises(variations.VariationError, match="Enter why you do not agree"):
        variations.decline(variation, reason="", actor=made.provider)
    variations.decline(variation, reason="We have staff contracted to the end date.", actor=made.provider)
    assert not variation.is_waiting and contract.ends_on != variation.changes["ends_on"]


def test_variation_pages(client, made):
    contract = made.contract
    sign_in(client, made.commissioner.email)
    assert client.get(f"/contracts/{contract.id}/vary").status_code == 200
    data = {"reason": "Longer service", "ends_on": ["1", "1", str(contract.ends_on.year + 1)]}
    for m in contract.milestones:
        data[f"amount_{m.number}"] = f"{m.amount_pence / 100:.2f}"
        data[f"due_{m.number}"] = [str(m.due_on.day), str(m.due_on.month), str(m.due_on.year)]
    bad = dict(data, amount_1="lots")
    response = post_form(client, f"/contracts/{contract.id}/vary", bad)
    assert response.status_code == 400 and "lots" in page_text(response) and error_summary(response)
    assert count(ContractVariation) == 0
    response = post_form(client, f"/contracts/{contract.id}/vary", data)
    assert response.status_code == 302, error_summary(response)
    variation = db.session.query(ContractVariation).one()
    # The commissioner cannot answer for the provider.
    url = f"/contracts/{contract.id}/variations/{variation.id}"
    assert post_form(client, url, {"answer": "accept"}, from_url=url).status_code == 403
    post_form(client, "/sign-out", from_url="/")
    sign_in(client, made.provider.email)
    assert "Longer service" in page_text(client.get(url))
    response = post_form(client, url, {"answer": "decline", "reason": ""})
    assert response.status_code == 400 and "Enter why you do not agree" in " ".join(error_summary(response))
    response = post_form(client, url, {"answer": "accept"})
    assert response.status_code == 302
    db.session.refresh(contract)
    assert contract.ends_on.isoformat() == f"{data['ends_on'][2]}-01-01"
    # Someone outside sees nothing.
    post_form(client, "/sign-out", from_url="/")
    sign_in(client, factories.make_provider().email)
    assert client.get(url).status_code == 404
