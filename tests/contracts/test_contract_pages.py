"""Contracts through HTTP: the commissioner makes the contract of an awarded lot once
standstill has ended, with a payment schedule summing exactly to the value; the parties,
the commissioner and the board read it; nobody else learns it exists."""

import html
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.contracts import services as contracts
from marketplace.contracts.models import Contract, ContractMilestone
from marketplace.contracts.services import default_dates
from marketplace.evaluation import award
from marketplace.extensions import db
from marketplace.money import format_pounds
from marketplace.needs.models import Procedure
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import london, utcnow

from .. import factories
from ..helpers import count, error_summary, post_form, sign_in
from ..helpers import page_text as raw_page_text

pytestmark = pytest.mark.clock


def page_text(response) -> str:
    return html.unescape(raw_page_text(response))


def signed_in_as(client, user):
    if client.get("/sign-in").status_code == 302:
        post_form(client, "/sign-out", from_url="/")
    if user is not None:
        response = sign_in(client, user.email)
        assert response.status_code == 302, page_text(response)
    return user


def _boxes(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def ev(db_session):
    """A contract procedure, its lot awarded to the first of two bids (£40,000), standstill over."""
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000), procedure=Procedure.CONTRACT)
    factories.score_all(ev, {0: 4, 1: 3})
    ev.decision = award.decide(ev.lot, bid=ev.bids[0], reasons="Highest score.", actor=ev.commissioner)
    assert ev.decision.is_effective and ev.decision.standstill_ends_at is not None
    ev.decision.standstill_ends_at = utcnow() - timedelta(minutes=1)
    ev.board = factories.make_area_staff(Role.BOARD_MEMBER)
    ev.url = f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract"
    db.session.commit()
    return ev


def form_data(ev, **changes) -> dict:
    """What the page proposes: the default dates, the bid's own breakdown, every outcome."""
    starts_on, ends_on = default_dates(ev.need, utcnow())
    data = {
        "starts_on": _boxes(starts_on),
        "ends_on": _boxes(ends_on),
        "outcome_ids": [str(o.id) for o in ev.need.outcomes],
    }
    for line in contracts.proposed_schedule(ev.decision, starts_on):
        data[f"amount_{line.number}"] = format_pounds(line.amount_pence).lstrip("£")
        data[f"due_{line.number}"] = _boxes(line.due_on)
    data.update(changes)
    return data


def _nothing_written(events_before: int):
    assert count(Contract) == 0 and count(ContractMilestone) == 0
    assert count(AuditEvent) == events_before


# Who may -------------------------------------------------------------------------------------


def test_only_the_commissioner_makes_the_contract(client, ev):
    everyone = {
        "anonymous": None,
        "provider": factories.make_provider(),
        "winner": ev.providers[0],
        "other_bidder": ev.providers[1],
        "other_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "evaluator": ev.evaluators[0],
        "board": ev.board,
        "other_board": factories.make_area_staff(Role.BOARD_MEMBER, "N07"),
        "admin": factories.make_user(admin=True),
    }
    db.session.commit()
    for name, user in everyone.items():
        signed_in_as(client, user)
        response = client.get(ev.url)
        if user is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
            response = post_form(client, ev.url, form_data(ev), from_url="/sign-in")
            assert response.status_code == 302
            continue
        assert response.status_code == 403, name
        assert post_form(client, ev.url, form_data(ev), from_url="/").status_code == 403, name
    assert count(Contract) == 0
    signed_in_as(client, ev.commissioner)
    assert client.get(ev.url).status_code == 200
    other = factories.make_evaluation()
    db.session.commit()
    assert client.get(f"/needs/{ev.need.id}/lots/{other.lot.id}/contract").status_code == 404


def test_a_lot_not_awarded_yet_says_so(client, db_session):
    ev = factories.make_evaluation()
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    response = client.get(f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract")
    assert response.status_code == 200
    assert "This lot has not been decided yet" in page_text(response)


# Bad input -----------------------------------------------------------------------------------


def test_during_standstill_the_page_says_when_it_ends_and_refuses(client, ev):
    ev.decision.standstill_ends_at = utcnow() + timedelta(days=3)
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    html_ = page_text(client.get(ev.url))
    assert f"Standstill ends at {london(ev.decision.standstill_ends_at)}" in html_
    events = count(AuditEvent)
    response = post_form(client, ev.url, form_data(ev), from_url=ev.url)
    assert response.status_code == 400
    assert error_summary(response) == [
        f"Standstill ends at {london(ev.decision.standstill_ends_at)}: the contract can be made after that"
    ]
    _nothing_written(events)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"amount_1": "15,000"}, "The payments add up to £39,000 but the contract value is £40,000: add £1,000"),
        ({"amount_1": "17,000"}, "The payments add up to £41,000 but the contract value is £40,000: take off £1,000"),
        ({"amount_1": "-100"}, "The amount for six months must be more than £0"),
        ({"amount_1": "lots"}, "The amount for six months must be an amount of money, like £12,500 or £12,500.50"),
        ({"amount_1": ""}, "Enter an amount for six months"),
        ({"amount_1": "0"}, "The amount for six months must be more than £0"),
        ({"starts_on": ["31", "2", "2030"]}, "The start date must be a real date"),
        ({"ends_on": ["x", "y", "z"]}, "The end date must be a real date"),
        ({"ends_on": ["", "", ""]}, "Enter the end date"),
        ({"outcome_ids": []}, "Choose at least one outcome the provider will report"),
        ({"outcome_ids": ["999999"]}, "Select outcomes from the list"),
    ],
)
def test_bad_input_is_refused_by_the_field_with_input_kept(client, ev, changes, message):
    signed_in_as(client, ev.commissioner)
    events = count(AuditEvent)
    response = post_form(client, ev.url, form_data(ev, **changes), from_url=ev.url)
    assert response.status_code == 400
    assert error_summary(response) == [message]
    for value in changes.values():
        if isinstance(value, str) and value:
            assert f'value="{value}"' in raw_page_text(response) or value in page_text(response)
    _nothing_written(events)


def test_end_before_start_is_refused(client, ev):
    signed_in_as(client, ev.commissioner)
    starts_on, _ = default_dates(ev.need, utcnow())
    events = count(AuditEvent)
    response = post_form(client, ev.url, form_data(ev, ends_on=_boxes(starts_on - timedelta(days=1))), from_url=ev.url)
    assert response.status_code == 400
    assert error_summary(response) == ["The end date must be after the start date"]
    _nothing_written(events)


# Making and reading it --------------------------------------------------------------------


def test_contract_made_after_standstill_and_read_by_the_right_people(client, ev):
    signed_in_as(client, ev.commissioner)
    page = page_text(client.get(ev.url))
    assert "Six months" in page and "10,000" in page and "16,000" in page and "14,000" in page
    response = post_form(client, ev.url, form_data(ev, amount_1="15,000", amount_2="15,000"), from_url=ev.url)
    assert response.status_code == 302
    contract = db.session.query(Contract).one()
    assert contract.value_pence == 4_000_000
    assert sum(m.amount_pence for m in contract.milestones) == contract.value_pence
    assert [m.amount_pence for m in contract.milestones] == [1_000_000, 1_500_000, 1_500_000]
    assert {o.id for o in contract.outcomes} == {o.id for o in ev.need.outcomes}
    assert count(AuditEvent, AuditEvent.action == "contract.created") == 1
    mail = (
        db.session.query(OutboxEmail)
        .filter(OutboxEmail.to == ev.providers[0].email, OutboxEmail.subject.like("Your contract%"))
        .one()
    )
    assert f"/contracts/{contract.id}" in mail.body
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    # A second attempt goes to the contract.
    assert client.get(ev.url).status_code == 302

    url = f"/contracts/{contract.id}"
    readers = {"commissioner": ev.commissioner, "winner": ev.providers[0], "board": ev.board}
    outsiders = {
        "other_bidder": ev.providers[1],
        "provider": factories.make_provider(),
        "other_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "other_board": factories.make_area_staff(Role.BOARD_MEMBER, "N07"),
        "evaluator": ev.evaluators[0],
        "admin": factories.make_user(admin=True),
    }
    db.session.commit()
    for name, user in readers.items():
        signed_in_as(client, user)
        response = client.get(url)
        assert response.status_code == 200, name
        text = page_text(response)
        assert ev.bids[0].organisation.name in text and "Lead" in text
        assert "£40,000" in text and "Total" in text
        assert "Six months" in text and "£15,000" in text
        for outcome in ev.need.outcomes:
            assert outcome.text in text
    for name, user in outsiders.items():
        signed_in_as(client, user)
        assert client.get(url).status_code == 404, name
    signed_in_as(client, None)
    assert client.get(url).status_code == 302
    assert client.get("/contracts/999999").status_code == 302

    # The provider's list.
    signed_in_as(client, ev.providers[0])
    assert contract.title in page_text(client.get("/contracts"))
    signed_in_as(client, ev.providers[1])
    listing = page_text(client.get("/contracts"))
    assert contract.title not in listing and "no contracts yet" in listing
    signed_in_as(client, ev.commissioner)
    assert client.get("/contracts").status_code == 403
