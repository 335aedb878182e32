"""The provider's home: what waits for its organisations (each with its count, deadline and
link, soonest first, gone once done), its bids by state with won bids linked to their
contracts, and the payments on their way; never another organisation's work; and a fixed
number of SQL statements whatever the number of items."""

import re
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.bids import consortium, submission
from marketplace.board import reviews
from marketplace.contracts import variations
from marketplace.delivery import decisions, drafts
from marketplace.evaluation import low_bids
from marketplace.evaluation.award import decide
from marketplace.extensions import db
from marketplace.needs import amendments
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import StatementCount, page_text, sign_in
from .helpers import awarded, contract_won, evaluation, explanation_asked, partner_invited, task_links, tasks

pytestmark = pytest.mark.clock


def _signed_in(client, user):
    """`client` with its cookies cleared, signed in as `user`."""
    client._cookies.clear()
    sign_in(client, user.email)
    return client


def _home(client, user):
    return _signed_in(client, user).get("/")


def _change_lot_value(need, commissioner):
    before = amendments.snapshot(need)
    need.lots[0].value_pence += 100_000
    need.value_pence += 100_000
    db.session.flush()
    amendments.amend_need(need, before=before, actor=commissioner, reason="More money for the lot")


# Bids by state ------------------------------------------------------------------------------


def test_a_won_bid_reads_won_and_links_to_its_contract_and_the_rival_reads_lost(client, db_session):
    winner = factories.make_provider()
    ev = contract_won(winner)
    home = _home(client, winner)
    html = page_text(home)
    assert 'id="state-won"' in html and "Won (1)" in html and "Closed" not in html
    assert f'href="/contracts/{ev.contract.id}"' in html
    bids_page = page_text(client.get("/bids"))
    assert "Won (1)" in bids_page and f'href="/contracts/{ev.contract.id}"' in bids_page
    rival = page_text(_home(client, ev.providers[1]))
    assert "Lost (1)" in rival and "Won (" not in rival and f"/contracts/{ev.contract.id}" not in rival


def test_no_outcome_shows_before_the_bidder_is_told(client, app, db_session):
    """An award waiting for the board's sign-off is not announced: both bids are still
    being evaluated, and become won and lost when the board signs it off."""
    app.config["SIGN_OFF_THRESHOLD_PENCE"] = 100
    winner = factories.make_provider()
    ev = evaluation(winner)
    factories.score_all(ev, {0: 4})
    decision = decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    assert decision.is_waiting_for_sign_off
    for provider in ev.providers:
        html = page_text(_home(client, provider))
        assert "Being evaluated (1)" in html and "Won" not in html and "Lost" not in html
    from marketplace.evaluation.award import sign_off

    sign_off(decision, approve=True, comment="", actor=factories.make_area_staff(Role.BOARD_MEMBER))
    assert "Won (1)" in page_text(_home(client, winner))
    assert "Lost (1)" in page_text(_home(client, ev.providers[1]))


def test_a_won_bid_without_its_contract_yet_says_the_contract_comes_after_standstill(client, db_session):
    winner = factories.make_provider()
    awarded(winner)
    html = page_text(_home(client, winner))
    assert "Won (1)" in html and "The commissioner will make the contract" in html


def test_a_bid_not_submitted_by_the_closing_time_reads_closed(client, db_session):
    provider = factories.make_provider()
    need = factories.make_need()
    factories.make_bid(need, provider=provider, submit=False)
    factories.close_need(need)
    html = page_text(_home(client, provider))
    assert "Closed (1)" in html and "Being evaluated" not in html


# Actions waiting ----------------------------------------------------------------------------


def test_a_change_to_the_need_asks_to_reconfirm_the_bid_until_it_is_submitted_again(client, db_session):
    provider = factories.make_provider()
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner, title="Housing in Thanet")
    bid = factories.make_bid(need, provider=provider)
    assert tasks(_home(client, provider)) == []
    _change_lot_value(need, commissioner)
    home = _home(client, provider)
    [task] = tasks(home)
    assert task.startswith("Reconfirm your bid after a change to the need Housing in Thanet, lot 1")
    assert "Due by" in task and task.endswith("1 waiting")
    assert task_links(home) == [f"/bids/{bid.id}"]
    submission.submit_bid(bid, actor=provider)
    assert tasks(_home(client, provider)) == []


def test_a_request_to_explain_a_low_price_shows_its_deadline_until_explained(client, db_session):
    provider = factories.make_provider()
    ev = explanation_asked(provider)
    home = _home(client, provider)
    [task] = tasks(home)
    assert task.startswith("Explain your bid's price") and "Due by 11:59pm on" in task
    assert task_links(home) == [f"/bids/{ev.bids[0].id}/explanation"]
    low_bids.explain(ev.review, text="Volunteers deliver half the sessions.", actor=provider)
    assert tasks(_home(client, provider)) == []


def test_a_partner_is_asked_to_confirm_its_share_until_it_does(client, db_session):
    provider = factories.make_provider()
    invited = partner_invited(provider)
    home = _home(client, provider)
    [task] = tasks(home)
    assert task.startswith("Confirm or decline your share of a consortium bid")
    assert invited.lead.organisations[0].name in task
    assert task_links(home) == [f"/bids/{invited.bid.id}/share"]
    consortium.confirm_partner(invited.place, actor=provider)
    assert tasks(_home(client, provider)) == []
    assert tasks(_home(client, invited.lead)) == []  # the lead has nothing to confirm


def test_a_milestone_due_soon_is_to_report_and_a_returned_report_to_change(client, db_session):
    provider = factories.make_provider()
    ev = contract_won(provider)
    milestone = next(m for m in ev.contract.milestones if m.number == 1)
    assert tasks(_home(client, provider)) == []  # due months away
    milestone.due_on = london_date(utcnow()) + timedelta(days=5)
    db.session.flush()
    home = _home(client, provider)
    [task] = tasks(home)
    assert task.startswith("Report on a milestone") and milestone.title in task and "Due by" in task
    url = f"/contracts/{ev.contract.id}/milestones/{milestone.id}/report"
    assert task_links(home) == [url]
    outcomes = {o.id: (1, 0, 0) for o in ev.contract.outcomes}
    report = drafts.write_report(
        milestone,
        submit=True,
        actor=provider,
        referred=3,
        started=2,
        completed=1,
        outcomes=outcomes,
        narrative="Sessions ran.",
        case_study="",
    )
    assert tasks(_home(client, provider)) == []  # sent: waiting for the commissioner
    decisions.return_report(report, "Add the numbers by month.", actor=ev.commissioner)
    [task] = tasks(_home(client, provider))
    assert task.startswith("Change and resend your report")


def test_a_variation_waits_for_the_provider_until_answered(client, db_session):
    provider = factories.make_provider()
    contract = contract_won(provider).contract
    commissioner = db.session.get(type(provider), contract.created_by_id)
    variation = variations.propose(
        contract,
        ends_on=contract.ends_on + timedelta(days=30),
        amounts={m.number: m.amount_pence for m in contract.milestones},
        due_dates={m.number: m.due_on for m in contract.milestones},
        reason="A month more.",
        actor=commissioner,
    )
    home = _home(client, provider)
    [task] = tasks(home)
    assert task.startswith("Answer a change to your contract") and contract.title in task
    assert task_links(home) == [f"/contracts/{contract.id}/variations/{variation.id}"]
    variations.accept(variation, actor=provider)
    assert tasks(_home(client, provider)) == []


def test_a_partnership_rating_waits_for_the_providers_answer(client, db_session):
    provider = factories.make_provider()
    contract = contract_won(provider).contract
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    period = reviews.due(contract, london_date(utcnow()))[0].key
    review = reviews.rate(contract, period=period, rating="good", comment="Strong reach.", actor=board)
    home = _home(client, provider)
    [task] = tasks(home)
    assert task.startswith("Answer the board's rating of your partnership") and "rated good" in task
    assert task_links(home) == [f"/contracts/{contract.id}/reviews"]
    reviews.respond(review, text="Thank you.", actor=provider)
    assert tasks(_home(client, provider)) == []


def test_tasks_are_listed_soonest_deadline_first(client, db_session):
    provider = factories.make_provider()
    later = explanation_asked(provider)
    later.review.respond_by += timedelta(days=20)
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner, closes_in_days=10)
    factories.make_bid(need, provider=provider)
    _change_lot_value(need, commissioner)
    rows = tasks(_home(client, provider))
    assert [r.split(" ")[0] for r in rows] == ["Reconfirm", "Explain"]


# Payments -----------------------------------------------------------------------------------


def test_payments_on_their_way_are_listed_until_paid(client, db_session):
    provider = factories.make_provider()
    contract = contract_won(provider).contract
    [advance] = payments.payments_of(contract)
    html = page_text(_home(client, provider))
    assert "Payments on their way" in html and f'href="/payments/{advance.id}"' in html
    payments.record_ledger_payment(
        advance, paid_on=london_date(utcnow()), reference="BACS-1", actor=factories.make_area_staff(Role.FINANCE)
    )
    assert "Payments on their way" not in page_text(_home(client, provider))


# Nobody else's work -------------------------------------------------------------------------


def test_a_provider_sees_none_of_another_organisations_work(client, db_session):
    provider = factories.make_provider()
    ev = contract_won(provider)
    explanation_asked(provider)
    partner_invited(provider)
    outsider = factories.make_provider()
    html = page_text(_home(client, outsider))
    assert tasks(client.get("/")) == []
    assert "Nothing is waiting for you" in html and "You have no bids yet" in html
    assert ev.need.title not in html and "Payments on their way" not in html
    # A colleague in the same organisation sees the same work.
    colleague = factories.make_provider(role=Role.MEMBER, organisation=provider.organisations[0])
    assert len(tasks(_home(client, colleague))) == 2


# Speed --------------------------------------------------------------------------------------


def _everything(n: int):
    """A provider with n of each kind of item on its home page."""
    provider = factories.make_provider()
    for _ in range(n):
        ev = contract_won(provider)
        contract = ev.contract
        milestone = next(m for m in contract.milestones if m.number == 1)
        milestone.due_on = london_date(utcnow()) + timedelta(days=3)
        variations.propose(
            contract,
            ends_on=contract.ends_on + timedelta(days=30),
            amounts={m.number: m.amount_pence for m in contract.milestones},
            due_dates={m.number: m.due_on for m in contract.milestones},
            reason="A month more.",
            actor=ev.commissioner,
        )
        period = reviews.due(contract, london_date(utcnow()))[0].key
        reviews.rate(
            contract, period=period, rating="good", comment="Good.", actor=factories.make_area_staff(Role.BOARD_MEMBER)
        )
        explanation_asked(provider)
        partner_invited(provider)
        commissioner = factories.make_area_staff(Role.COMMISSIONER)
        need = factories.make_need(commissioner=commissioner)
        factories.make_bid(need, provider=provider)
        _change_lot_value(need, commissioner)
    db.session.flush()
    return provider


def test_the_home_page_sends_the_same_number_of_statements_for_one_item_or_five(client, db_session):
    counted = {}
    for n in (1, 5):
        provider = _everything(n)
        _home(client, provider)
        db.session.expire_all()
        with StatementCount() as sql:
            response = client.get("/")
        assert response.status_code == 200
        assert len(tasks(response)) == 5 * n + 1  # the bids to reconfirm are one task, with its count
        counted[n] = sql.count
    assert counted[1] == counted[5], counted
    assert counted[5] <= 18, counted  # a small fixed number (one more on PostgreSQL: homes.serial_plans)


# The bid's own page -------------------------------------------------------------------------


def _state_on_bid_page(client, user, bid) -> str:
    """The state tag of `bid` on its page, as `user` sees it, and the page."""
    html = page_text(_signed_in(client, user).get(f"/bids/{bid.id}"))
    found = re.search(r'id="state">\s*<strong class="govuk-tag[^"]*">\s*([^<]+?)\s*</strong>', html)
    assert found, html
    return found.group(1), html


def test_a_won_bids_page_reads_won_and_links_to_its_contract_and_the_rivals_reads_lost(client, db_session):
    winner = factories.make_provider()
    ev = contract_won(winner)
    state, html = _state_on_bid_page(client, winner, ev.bids[0])
    assert state == "Won" and f'href="/contracts/{ev.contract.id}"' in html
    state, html = _state_on_bid_page(client, ev.providers[1], ev.bids[1])
    assert state == "Lost" and f"/contracts/{ev.contract.id}" not in html


def test_a_won_bids_page_before_its_contract_says_the_contract_comes_after_standstill(client, db_session):
    winner = factories.make_provider()
    ev = awarded(winner)
    state, html = _state_on_bid_page(client, winner, ev.bids[0])
    assert state == "Won" and "The commissioner will make the contract" in html and "/contracts/" not in html


def test_a_bids_page_reads_being_evaluated_after_closing_until_the_bidder_is_told(client, db_session):
    provider = factories.make_provider()
    ev = evaluation(provider)
    state, html = _state_on_bid_page(client, provider, ev.bids[0])
    assert state == "Being evaluated" and "Won" not in html and "Lost" not in html


def test_a_bids_page_reads_closed_when_it_was_not_submitted_by_the_closing_time(client, db_session):
    provider = factories.make_provider()
    need = factories.make_need()
    bid = factories.make_bid(need, provider=provider, submit=False)
    factories.close_need(need)
    state, html = _state_on_bid_page(client, provider, bid)
    assert state == "Closed" and "not submitted in time" in html
