"""The commissioner's home is their to-do list (issue 21, item 1): each kind of work waiting
in the areas they commission for, with its count, since when the oldest has waited, and a
link to where it is done; gone once done; nothing of another area; and the same number of
SQL statements however much waits."""

import html
import re
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.contracts import services as contract_services
from marketplace.contracts import variations
from marketplace.delivery import decisions as report_decisions
from marketplace.delivery import drafts
from marketplace.evaluation import award, low_bids, moderation, panel, scoring
from marketplace.evaluation.models import LowBidReview
from marketplace.extensions import db
from marketplace.needs import questions
from marketplace.needs.models import Question
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..delivery.helpers import complete
from ..helpers import StatementCount, page_text, sign_in

pytestmark = pytest.mark.clock

ELSEWHERE = "N56ESXN"  # Essex North, in another region

QUESTIONS = "Answer questions from providers"
CLOSING = "Check needs closing within 5 working days"
PANEL = "Choose the evaluation panel for closed needs"
MODERATION = "Close moderation"
LOW_BIDS = "Decide on abnormally low bids"
SIGN_OFF = "Awards waiting for the board's sign-off"
STANDSTILL = "Standstills ending within 2 working days"
CONTRACTS = "Make contracts"
REPORTS = "Approve outcome reports"
VARIATIONS = "Contract variations waiting for the provider"
PAYMENTS = "Payments overdue"


@pytest.fixture
def commissioner(db_session):
    """A commissioner of East Kent, where the factories make their needs."""
    return factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")


def _tasks(client, user) -> dict[str, dict]:
    """The to-do on `user`'s home page: by title, its count, link and hint, in page order
    (signing `user` in on `client` the first time)."""
    if getattr(client, "signed_in_as", None) != user.id:
        sign_in(client, user.email)
        client.signed_in_as = user.id
    text = page_text(client.get("/"))
    found = {}
    for item in re.findall(r'<li class="govuk-task-list__item.*?</li>', text, re.S):
        link = re.search(r'href="([^"]+)"[^>]*>\s*(.*?)\s*</a>', item, re.S)
        count = re.search(r"(\d+) waiting", item)
        hint = re.search(r'govuk-task-list__hint">\s*(.*?)\s*</div>', item, re.S)
        found[html.unescape(link.group(2))] = {
            "count": int(count.group(1)),
            "url": html.unescape(link.group(1)),
            "hint": html.unescape(hint.group(1)) if hint else "",
        }
    return found


def _ask(need, text="When does it start?", *, ago=timedelta(0)):
    provider = factories.make_provider()
    question = Question(
        need_id=need.id,
        organisation_id=provider.organisations[0].id,
        asked_by_id=provider.id,
        text=text,
        asked_at=utcnow() - ago,
    )
    db.session.add(question)
    db.session.flush()
    return question


# Each kind, as its state arises and when it is done ----------------------------------


def test_questions_to_answer_link_to_the_question_then_its_need_then_the_oldest(client, commissioner):
    need = factories.make_need(title="Housing support")
    first = _ask(need, ago=timedelta(days=2))
    task = _tasks(client, commissioner)[QUESTIONS]
    assert task["count"] == 1
    assert task["url"] == f"/needs/{need.id}/questions/{first.id}/answer"
    assert "Housing support" in task["hint"]

    _ask(need)
    task = _tasks(client, commissioner)[QUESTIONS]
    assert (task["count"], task["url"]) == (2, f"/needs/{need.id}/questions")

    other = factories.make_need(title="Mentoring")
    _ask(other)
    task = _tasks(client, commissioner)[QUESTIONS]
    assert task["count"] == 3
    assert task["url"] == f"/needs/{need.id}/questions"  # the need of the oldest question
    assert "Oldest: Housing support" in task["hint"]


def test_answered_questions_and_questions_on_cancelled_needs_are_not_waiting(client, commissioner):
    need = factories.make_need()
    question = _ask(need)
    questions.answer_question(question, actor=commissioner, answer="In April.", publish=True)
    cancelled = factories.make_need()
    _ask(cancelled)
    cancelled.cancelled_at = utcnow()
    db.session.flush()
    assert QUESTIONS not in _tasks(client, commissioner)


def test_needs_closing_within_five_working_days_are_listed_with_the_nearest_closing(client, commissioner):
    later = factories.make_need(title="Closes in a month", closes_in_days=30)
    soon = factories.make_need(title="Closes soon", closes_in_days=2)
    task = _tasks(client, commissioner)[CLOSING]
    assert (task["count"], task["url"]) == (1, f"/needs/{soon.id}/manage")
    assert "Due by" in task["hint"]
    factories.make_need(title="Closes sooner", closes_in_days=1)
    assert _tasks(client, commissioner)[CLOSING]["count"] == 2
    assert later.title not in _tasks(client, commissioner)[CLOSING]["hint"]


def test_a_closed_need_with_bids_and_no_panel_waits_until_an_evaluator_is_on_it(client, commissioner):
    need = factories.make_need(title="Family support")
    factories.make_bid(need)
    empty = factories.make_need(title="Nobody bid")
    factories.close_need(need)
    factories.close_need(empty)
    task = _tasks(client, commissioner)[PANEL]
    assert (task["count"], task["url"]) == (1, f"/needs/{need.id}/evaluation/panel")
    panel.assign_evaluator(need, factories.make_area_staff(Role.EVALUATOR), actor=commissioner)
    assert PANEL not in _tasks(client, commissioner)


def test_moderation_waits_to_be_closed_once_every_bid_has_agreed_scores(client, commissioner):
    ev = factories.make_evaluation()
    factories.score_all(ev, agree=False)
    assert MODERATION not in _tasks(client, commissioner)  # scores not agreed yet
    for bid in ev.bids:
        moderation.agree_scores(
            bid, {p.key: (3, "The panel agreed.") for p in scoring.parts(ev.need)}, actor=commissioner
        )
    task = _tasks(client, commissioner)[MODERATION]
    assert (task["count"], task["url"]) == (1, f"/needs/{ev.need.id}/evaluation")
    moderation.close_moderation(ev.lot, actor=commissioner)
    assert MODERATION not in _tasks(client, commissioner)


def _flagged(ev, bid):
    bid.low_flagged_at, bid.low_flag_reason = utcnow(), "Far below the others"
    db.session.flush()
    return low_bids.request_explanation(
        bid,
        request="Explain your price.",
        respond_by=london_date(utcnow()) + timedelta(days=10),
        actor=ev.commissioner,
    )


def test_a_low_bid_explanation_waits_for_a_decision_once_answered_or_out_of_time(client, commissioner):
    ev = factories.make_evaluation(prices=(1_000_000, 4_500_000, 4_600_000))
    review = _flagged(ev, ev.bids[0])
    assert LOW_BIDS not in _tasks(client, commissioner)  # the bidder still has time
    low_bids.explain(review, text="We have volunteers.", actor=ev.providers[0])
    task = _tasks(client, commissioner)[LOW_BIDS]
    assert (task["count"], task["url"]) == (1, f"/needs/{ev.need.id}/evaluation/bids/{ev.bids[0].id}/abnormally-low")
    low_bids.decide_low_bid(review, accept=True, reason="Explained.", actor=commissioner)
    assert LOW_BIDS not in _tasks(client, commissioner)


def test_a_low_bid_request_whose_time_ran_out_waits_for_a_decision(client, commissioner):
    ev = factories.make_evaluation(prices=(1_000_000, 4_500_000, 4_600_000))
    review = _flagged(ev, ev.bids[0])
    review.requested_at, review.respond_by = utcnow() - timedelta(days=5), utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert _tasks(client, commissioner)[LOW_BIDS]["count"] == 1


def test_an_award_over_the_threshold_waits_for_sign_off_then_its_contract_is_to_make(app, client, commissioner):
    app.config["SIGN_OFF_THRESHOLD_PENCE"] = 1_000_000
    ev = factories.make_evaluation()
    factories.score_all(ev)
    decision = award.decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    task = _tasks(client, commissioner)[SIGN_OFF]
    assert (task["count"], task["url"]) == (1, f"/needs/{ev.need.id}/lots/{ev.lot.id}/award")
    assert CONTRACTS not in _tasks(client, commissioner)
    award.sign_off(decision, approve=True, comment="", actor=factories.make_area_staff(Role.BOARD_MEMBER))
    tasks = _tasks(client, commissioner)
    assert SIGN_OFF not in tasks
    assert tasks[CONTRACTS]["url"] == f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract"  # a grant: no standstill


def test_a_standstill_ending_soon_then_the_contract_to_make_until_it_is_made(client, commissioner):
    from marketplace.needs.models import Procedure

    ev = factories.make_evaluation(procedure=Procedure.CONTRACT)
    factories.score_all(ev)
    decision = award.decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    tasks = _tasks(client, commissioner)
    assert STANDSTILL not in tasks and CONTRACTS not in tasks  # 8 working days to go
    decision.standstill_ends_at = utcnow() + timedelta(hours=1)
    db.session.flush()
    task = _tasks(client, commissioner)[STANDSTILL]
    assert (task["count"], task["url"]) == (1, f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract")
    assert "Due by" in task["hint"]
    decision.standstill_ends_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    tasks = _tasks(client, commissioner)
    assert STANDSTILL not in tasks and tasks[CONTRACTS]["count"] == 1
    starts_on = london_date(utcnow()) + timedelta(days=1)
    contract_services.create_contract(
        decision,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=400),
        schedule=[
            contract_services.Line(line.number, line.title, line.amount_pence, starts_on + timedelta(days=30))
            for line in contract_services.proposed_schedule(decision, starts_on)
        ],
        outcome_ids=[o.id for o in ev.need.outcomes],
        actor=commissioner,
    )
    assert CONTRACTS not in _tasks(client, commissioner)


def _submit_report(made):
    milestone = next(m for m in made.contract.milestones if m.number == 1)
    report = drafts.start_report(milestone, made.provider)
    outcomes = list(made.contract.outcomes)
    fields = complete(type("S", (), {"outcomes": outcomes})())
    drafts.save_report(report, **fields, actor=made.provider)
    drafts.submit_report(report, made.provider)
    return report, milestone


def test_an_outcome_report_waits_for_approval_until_approved(client, commissioner):
    made = factories.make_contract()
    report, milestone = _submit_report(made)
    task = _tasks(client, commissioner)[REPORTS]
    assert task["count"] == 1
    assert task["url"] == f"/contracts/{made.contract.id}/milestones/{milestone.id}/report"
    assert made.contract.title in task["hint"]
    report_decisions.approve_report(report, commissioner)
    assert REPORTS not in _tasks(client, commissioner)


def test_reports_on_several_contracts_link_to_the_areas_contracts_waiting_for_approval(client, commissioner):
    first, second = factories.make_contract(), factories.make_contract()
    _submit_report(first)
    _submit_report(second)
    task = _tasks(client, commissioner)[REPORTS]
    area = factories.area("N57EKNT")
    assert task["count"] == 2
    assert task["url"] == f"/areas/{area.id}/contracts?waiting=reports"
    listed = page_text(client.get(task["url"]))
    assert first.contract.title in listed and second.contract.title in listed


def test_a_variation_waits_for_the_provider_until_answered(client, commissioner):
    made = factories.make_contract()
    contract = made.contract
    variation = variations.propose(
        contract,
        ends_on=contract.ends_on + timedelta(days=30),
        amounts={m.number: m.amount_pence for m in contract.milestones},
        due_dates={m.number: m.due_on for m in contract.milestones},
        reason="A longer service.",
        actor=commissioner,
    )
    task = _tasks(client, commissioner)[VARIATIONS]
    assert (task["count"], task["url"]) == (1, f"/contracts/{contract.id}/variations/{variation.id}")
    variations.accept(variation, actor=made.provider)
    assert VARIATIONS not in _tasks(client, commissioner)


def test_a_payment_unpaid_ten_days_after_it_became_payable_is_overdue_until_paid(client, commissioner):
    made = factories.make_contract(starts_in_days=-9)
    assert PAYMENTS not in _tasks(client, commissioner)  # the advance: payable 9 days ago
    advance = payments.payment_for(next(m for m in made.contract.milestones if m.number == 0))
    advance.payable_at -= timedelta(days=1)
    db.session.flush()
    task = _tasks(client, commissioner)[PAYMENTS]
    assert (task["count"], task["url"]) == (1, f"/payments/{advance.id}")
    payments.record_ledger_payment(
        advance, paid_on=london_date(utcnow()), reference="BACS 1", actor=factories.make_area_staff(Role.FINANCE)
    )
    assert PAYMENTS not in _tasks(client, commissioner)


# Whose work, in what order, and the page's cost --------------------------------------


def test_a_commissioner_of_another_area_sees_nothing_of_this_ones_work(app, client, commissioner):
    _ask(factories.make_need())
    factories.make_need(closes_in_days=2)
    elsewhere = factories.make_area_staff(Role.COMMISSIONER, ELSEWHERE)
    assert _tasks(client, commissioner)
    other = app.test_client()
    assert _tasks(other, elsewhere) == {}
    assert "Nothing waits for you in your areas." in page_text(other.get("/"))


def test_a_regions_commissioner_sees_its_delivery_units_work(client):
    _ask(factories.make_need())
    regional = factories.make_area_staff(Role.COMMISSIONER, "N57")
    assert _tasks(client, regional)[QUESTIONS]["count"] == 1


def test_tasks_are_in_the_order_their_oldest_item_has_waited(client, commissioner):
    made = factories.make_contract(starts_in_days=-30)  # its advance overdue for 30 days
    _ask(factories.make_need(), ago=timedelta(days=3))
    factories.make_need(closes_in_days=2)  # no waiting time: by its closing
    titles = list(_tasks(client, commissioner))
    assert titles == [PAYMENTS, QUESTIONS, CLOSING]
    assert made.contract.title


def _one_of_each(commissioner) -> None:
    """Something waiting of every kind, in East Kent."""
    from marketplace.needs.models import Procedure

    _ask(factories.make_need())
    factories.make_need(closes_in_days=2)
    no_panel = factories.make_need()
    factories.make_bid(no_panel)
    factories.close_need(no_panel)
    ready = factories.make_evaluation(evaluators=1)
    factories.score_all(ready, close=False)
    low = factories.make_evaluation(prices=(1_000_000, 4_500_000, 4_600_000), evaluators=1)
    review = _flagged(low, low.bids[0])
    low_bids.explain(review, text="Volunteers.", actor=low.providers[0])
    for ends, big in ((timedelta(hours=1), False), (-timedelta(hours=1), False), (None, True)):
        ev = factories.make_evaluation(procedure=Procedure.CONTRACT, evaluators=1, lots=(5_000_000,))
        factories.score_all(ev)
        decision = award.decide(ev.lot, bid=ev.bids[0], reasons="Best.", actor=ev.commissioner)
        if big:  # waiting for sign-off
            decision.needs_sign_off, decision.summaries_sent_at, decision.standstill_ends_at = True, None, None
        else:
            decision.standstill_ends_at = utcnow() + ends
    made = factories.make_contract(starts_in_days=-20, evaluators=1)
    _submit_report(made)
    contract = made.contract
    variations.propose(
        contract,
        ends_on=contract.ends_on + timedelta(days=30),
        amounts={m.number: m.amount_pence for m in contract.milestones},
        due_dates={m.number: m.due_on for m in contract.milestones},
        reason="Longer.",
        actor=commissioner,
    )
    db.session.flush()


def test_the_home_page_asks_the_same_number_of_statements_however_much_waits(client, commissioner):
    _one_of_each(commissioner)
    tasks = _tasks(client, commissioner)
    assert {t: v["count"] for t, v in tasks.items()} == dict.fromkeys(
        (QUESTIONS, CLOSING, PANEL, MODERATION, LOW_BIDS, SIGN_OFF, STANDSTILL, CONTRACTS)
        + (REPORTS, VARIATIONS, PAYMENTS),
        1,
    )
    client.get("/")  # the first request of the session reads the areas
    with StatementCount() as one:
        client.get("/")
    for _ in range(4):
        _one_of_each(commissioner)
    tasks = _tasks(client, commissioner)
    assert {v["count"] for v in tasks.values()} == {5}
    client.get("/")
    with StatementCount() as five:
        client.get("/")
    assert five.count == one.count, "\n".join(five.statements)
    assert five.count <= 6, "\n".join(five.statements)  # one more on PostgreSQL: homes.serial_plans


def test_a_commissioner_with_nothing_waiting_is_told_so(client, commissioner):
    assert _tasks(client, commissioner) == {}
    assert "Nothing waits for you in your areas." in page_text(client.get("/"))


def test_the_home_links_to_the_areas_contracts(client, commissioner):
    sign_in(client, commissioner.email)
    area = factories.area("N57EKNT")
    assert f'href="/areas/{area.id}/contracts"' in page_text(client.get("/"))


def test_a_low_bid_review_is_on_the_list_only_while_undecided(commissioner):
    """The rule, as SQL, agrees with decide_low_bid's: window_open is the opposite."""
    ev = factories.make_evaluation(prices=(1_000_000, 4_500_000, 4_600_000))
    review = _flagged(ev, ev.bids[0])
    now = utcnow()
    decidable = db.session.scalar(
        low_bids.to_decide(factories.area("N57EKNT").ids_covered, now).with_only_columns(LowBidReview.id.label("id"))
    )
    assert decidable is None and low_bids.window_open(review, now)
