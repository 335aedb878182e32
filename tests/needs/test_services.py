"""The rules of needs, tested on the domain functions: transitions, publishing, amendments,
withdrawing and cancelling, money and working days."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.money import MoneyError, parse_pounds
from marketplace.needs import amendments, dates, drafting, following, publishing
from marketplace.needs.models import (
    ALLOWED,
    Amendment,
    Criterion,
    Follow,
    InvalidTransition,
    Lot,
    Need,
    NeedError,
    NeedStatus,
    Reservation,
    reservation_threshold_pence,
)
from marketplace.notifications import OutboxEmail
from marketplace.timeutil import LONDON, utcnow
from marketplace.workdays import add_working_days, is_working_day, working_days_between

from .. import factories
from ..helpers import count

pytestmark = pytest.mark.clock

NOW = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)  # a Monday


def need_in(status: NeedStatus, now: datetime = NOW) -> Need:
    """A need (not saved) whose timestamps give `status` at `now`."""
    need = Need(title="A need", question_deadline=now + timedelta(days=10), closes_at=now + timedelta(days=20))
    if status != NeedStatus.DRAFT:
        need.published_at = now - timedelta(days=20)
    if status == NeedStatus.CLOSED:
        need.question_deadline, need.closes_at = now - timedelta(days=5), now - timedelta(days=1)
    stamp = {
        NeedStatus.WITHDRAWN: "withdrawn_at",
        NeedStatus.CANCELLED: "cancelled_at",
        NeedStatus.AWARDED: "awarded_at",
        NeedStatus.NOT_AWARDED: "not_awarded_at",
    }.get(status)
    if stamp:
        if status in (NeedStatus.AWARDED, NeedStatus.NOT_AWARDED):
            need.question_deadline, need.closes_at = now - timedelta(days=5), now - timedelta(days=1)
        setattr(need, stamp, now - timedelta(hours=1))
    assert need.status_at(now) == status
    return need


def audit_events(action: str, obj) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == obj.id
        )
    ).all()


def emails_to(address: str) -> list[OutboxEmail]:
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == address)).all()


# Transitions -------------------------------------------------------------------------


def test_draft_can_be_opened():
    need = need_in(NeedStatus.DRAFT)
    assert need.transition_to(NeedStatus.OPEN, at=NOW) == NeedStatus.DRAFT
    assert need.published_at == NOW and need.status_at(NOW) == NeedStatus.OPEN


def test_draft_can_be_cancelled():
    need = need_in(NeedStatus.DRAFT)
    need.transition_to(NeedStatus.CANCELLED, at=NOW)
    assert need.cancelled_at == NOW and need.status_at(NOW) == NeedStatus.CANCELLED


def test_open_need_can_be_withdrawn():
    need = need_in(NeedStatus.OPEN)
    assert need.transition_to(NeedStatus.WITHDRAWN, at=NOW) == NeedStatus.OPEN
    assert need.withdrawn_at == NOW and need.status_at(NOW) == NeedStatus.WITHDRAWN


def test_open_need_can_be_cancelled():
    need = need_in(NeedStatus.OPEN)
    need.transition_to(NeedStatus.CANCELLED, at=NOW)
    assert need.cancelled_at == NOW and need.status_at(NOW) == NeedStatus.CANCELLED


def test_closed_need_can_be_awarded():
    need = need_in(NeedStatus.CLOSED)
    assert need.transition_to(NeedStatus.AWARDED, at=NOW) == NeedStatus.CLOSED
    assert need.awarded_at == NOW and need.status_at(NOW) == NeedStatus.AWARDED


def test_closed_need_can_be_not_awarded():
    need = need_in(NeedStatus.CLOSED)
    need.transition_to(NeedStatus.NOT_AWARDED, at=NOW)
    assert need.not_awarded_at == NOW and need.status_at(NOW) == NeedStatus.NOT_AWARDED


def test_closed_need_can_be_cancelled():
    need = need_in(NeedStatus.CLOSED)
    need.transition_to(NeedStatus.CANCELLED, at=NOW)
    assert need.status_at(NOW) == NeedStatus.CANCELLED


def test_every_allowed_transition_has_a_test_above():
    allowed = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert len(allowed) == 7


FORBIDDEN = [
    (current, new)
    for current in NeedStatus
    for new in NeedStatus
    if new not in ALLOWED[current] and new not in (NeedStatus.DRAFT, NeedStatus.CLOSED)
]


@pytest.mark.parametrize("current,new", FORBIDDEN, ids=[f"{c.value}->{n.value}" for c, n in FORBIDDEN])
def test_forbidden_transition_is_refused_with_its_message(current, new):
    need = need_in(current)
    stamps = (need.published_at, need.withdrawn_at, need.cancelled_at, need.awarded_at, need.not_awarded_at)
    with pytest.raises(InvalidTransition, match=rf"^Cannot change need from '{current.value}' to '{new.value}'$"):
        need.transition_to(new, at=NOW)
    assert (need.published_at, need.withdrawn_at, need.cancelled_at, need.awarded_at, need.not_awarded_at) == stamps
    assert need.status_at(NOW) == current


def test_draft_to_awarded_message_is_exact():
    with pytest.raises(InvalidTransition) as error:
        need_in(NeedStatus.DRAFT).transition_to(NeedStatus.AWARDED, at=NOW)
    assert str(error.value) == "Cannot change need from 'draft' to 'awarded'"


@pytest.mark.parametrize("new", [NeedStatus.DRAFT, NeedStatus.CLOSED])
def test_draft_and_closed_are_never_targets_of_an_action(new):
    with pytest.raises((InvalidTransition, KeyError)):
        need_in(NeedStatus.OPEN).transition_to(new, at=NOW)


def test_open_need_closes_by_the_clock_with_no_job():
    need = need_in(NeedStatus.OPEN)
    assert need.status_at(need.closes_at - timedelta(seconds=1)) == NeedStatus.OPEN
    assert need.status_at(need.closes_at) == NeedStatus.CLOSED
    assert need.status_at(need.closes_at + timedelta(days=1)) == NeedStatus.CLOSED


def test_open_clause_in_sql_agrees_with_the_clock(db_session):
    need = factories.make_need(closes_in_days=3)
    open_ids = lambda at: set(db.session.scalars(sa.select(Need.id).where(Need.open_clause(at))))
    assert need.id in open_ids(need.closes_at - timedelta(seconds=1))
    assert need.id not in open_ids(need.closes_at)


# Publishing --------------------------------------------------------------------------


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")


@pytest.fixture
def draft(commissioner):
    return factories.make_need(published=False, commissioner=commissioner)


def test_a_complete_draft_has_no_problems(draft):
    assert publishing.problems(draft) == []


def test_an_empty_draft_lists_every_problem_at_once(commissioner):
    need = drafting.create_need(area=factories.area("N57"), title="Empty", actor=commissioner)
    messages = [p.message for p in publishing.problems(need)]
    assert messages == [
        "Enter a summary of the need",
        "Choose the probation delivery units the need covers",
        "Choose a service category",
        "Choose at least one desired outcome",
        "Say who the service is for (the cohort)",
        "Enter the expected number of people",
        "Enter how long the service runs",
        "Choose grant or contract",
        "Add at least one lot",
        "Add 1 to 5 quality questions",
        "Enter the weight for social value",
        "Enter the weight for price",
        "Set the payment profile",
        "Set the question deadline and closing time",
    ]
    assert {p.section for p in publishing.problems(need)} == {"about", "lots", "criteria", "payment", "dates"}


def _break_weights(need):
    need.price_weight = 30  # 60 + 20 + 30


def _break_payment(need):
    need.milestones[0].percent = 30  # 25 + 30 + 35


def _reserve_over_threshold(need):
    need.lots[0].value_pence = reservation_threshold_pence()
    need.lots[0].reservation = Reservation.VCSE


def _six_criteria(need):
    need.criteria[0].weight = 55  # the weights still add up to 100
    need.criteria[0].word_limit = 400  # and the words asked stay within the budget
    for number in range(2, 7):
        need.criteria.append(Criterion(number=number, question="More", weight=1, word_limit=50))


def _lower_the_largest_lot(need):
    need.lots[0].value_pence = 2_000_000  # £20,000: 600 words, and the need asks for 500 + 500


BREAKS = {
    "summary": (lambda n: setattr(n, "summary", ""), "Enter a summary of the need"),
    "pdus": (lambda n: setattr(n, "pdus", []), "Choose the probation delivery units the need covers"),
    "category": (lambda n: setattr(n, "category_id", None), "Choose a service category"),
    "cohort": (lambda n: setattr(n, "cohort", ""), "Say who the service is for (the cohort)"),
    "people": (lambda n: setattr(n, "expected_people", None), "Enter the expected number of people"),
    "duration": (lambda n: setattr(n, "duration_months", None), "Enter how long the service runs"),
    "procedure": (lambda n: setattr(n, "procedure", None), "Choose grant or contract"),
    "weights": (_break_weights, "The weights must add up to 100%, not 110%"),
    "payment": (_break_payment, "The advance and milestones must add up to 100%, not 90%"),
    "reservation": (_reserve_over_threshold, "Lot 1 is reserved but its value is not below the threshold"),
    "six criteria": (_six_criteria, "Add 1 to 5 quality questions"),
    "over the word budget": (
        _lower_the_largest_lot,
        "This need may ask for 600 words in all, because its largest lot is under £25,000. "
        "These limits ask for 1,000 words: take off 400.",
    ),
    "no social value weight": (lambda n: setattr(n, "social_value_weight", None), "Enter the weight for social value"),
    "question deadline passed": (
        lambda n: setattr(n, "question_deadline", utcnow() - timedelta(hours=1)),
        "The question deadline must be in the future",
    ),
}


@pytest.mark.parametrize("broken", BREAKS, ids=list(BREAKS))
def test_each_missing_thing_is_a_problem(draft, broken):
    break_it, message = BREAKS[broken]
    break_it(draft)
    assert [p.message for p in publishing.problems(draft)] == [message]


def test_several_problems_are_listed_together(draft):
    draft.summary = ""
    _break_weights(draft)
    _break_payment(draft)
    messages = [p.message for p in publishing.problems(draft)]
    assert messages == [
        "Enter a summary of the need",
        "The weights must add up to 100%, not 110%",
        "The advance and milestones must add up to 100%, not 90%",
    ]


def test_closing_must_be_10_working_days_after_publication(draft):
    now = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)  # Monday 1 February 2027
    draft.question_deadline = datetime(2027, 2, 10, 12, 0, tzinfo=LONDON)
    draft.closes_at = datetime(2027, 2, 12, 12, 0, tzinfo=LONDON)  # 9 working days on
    assert [p.message for p in publishing.problems(draft, now)] == [
        "The closing time must be at least 10 working days after publication: 15 February 2027 or later"
    ]
    draft.closes_at = datetime(2027, 2, 15, 9, 0, tzinfo=LONDON)
    assert publishing.problems(draft, now) == []


def test_christmas_bank_holidays_do_not_count_as_working_days(draft):
    now = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # Monday before Christmas
    # 25 and 28 December (Boxing Day substitute) and 1 January are bank holidays.
    draft.question_deadline = datetime(2027, 1, 5, 12, 0, tzinfo=LONDON)
    draft.closes_at = datetime(2027, 1, 6, 12, 0, tzinfo=LONDON)
    assert [p.message for p in publishing.problems(draft, now)] == [
        "The closing time must be at least 10 working days after publication: 7 January 2027 or later"
    ]
    draft.closes_at = datetime(2027, 1, 7, 12, 0, tzinfo=LONDON)
    assert publishing.problems(draft, now) == []


def test_easter_bank_holidays_do_not_count_as_working_days(draft):
    now = datetime(2027, 3, 22, 10, 0, tzinfo=UTC)  # Good Friday 26 March, Easter Monday 29 March 2027
    assert dates.earliest_closing_date(now) == date(2027, 4, 7)
    draft.question_deadline = datetime(2027, 4, 1, 12, 0, tzinfo=LONDON)
    draft.closes_at = datetime(2027, 4, 6, 12, 0, tzinfo=LONDON)
    assert len(publishing.problems(draft, now)) == 1


def test_publish_opens_the_need_and_records_it(draft, commissioner):
    publishing.publish_need(draft, actor=commissioner)
    db.session.flush()
    assert draft.status == NeedStatus.OPEN and draft.published_at is not None
    [event] = audit_events("need.published", draft)
    assert event.actor_id == commissioner.id
    assert event.before == {"status": "draft"} and event.after["status"] == "open"


def test_publish_with_problems_is_refused_and_nothing_changes(draft, commissioner):
    draft.summary = ""
    with pytest.raises(NeedError, match="Enter a summary of the need"):
        publishing.publish_need(draft, actor=commissioner)
    assert draft.published_at is None and draft.status == NeedStatus.DRAFT
    assert audit_events("need.published", draft) == []


def test_publishing_an_open_need_again_is_refused(commissioner):
    need = factories.make_need(commissioner=commissioner)
    with pytest.raises((NeedError, InvalidTransition)):
        publishing.publish_need(need, actor=commissioner)


# Amendments --------------------------------------------------------------------------


@pytest.fixture
def open_need(commissioner):
    return factories.make_need(commissioner=commissioner, closes_in_days=40)


def test_amendment_with_no_change_records_nothing(open_need, commissioner):
    before = amendments.snapshot(open_need)
    assert amendments.amend_need(open_need, before=before, actor=commissioner, reason="Nothing") is None
    assert count(Amendment, Amendment.need_id == open_need.id) == 0
    assert audit_events("need.amended", open_need) == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_amendment_needs_a_reason(open_need, commissioner, reason):
    before = amendments.snapshot(open_need)
    open_need.summary = "A new summary"
    with pytest.raises(NeedError, match="Enter the reason for the change"):
        amendments.amend_need(open_need, before=before, actor=commissioner, reason=reason)
    assert count(Amendment, Amendment.need_id == open_need.id) == 0


def test_amendment_is_recorded_with_what_changed(open_need, commissioner):
    before = amendments.snapshot(open_need)
    open_need.summary = "A new summary"
    amendment = amendments.amend_need(open_need, before=before, actor=commissioner, reason="  Clearer wording  ")
    assert amendment.reason == "Clearer wording"
    assert amendment.changes == {"summary": {"before": before["summary"], "after": "A new summary"}}
    assert amendment.closes_at_before == amendment.closes_at_after == open_need.closes_at
    [event] = audit_events("need.amended", open_need)
    assert event.reason == "Clearer wording" and event.after == {"summary": "A new summary"}


def test_amendment_near_closing_moves_closing_to_5_working_days_keeping_the_london_time(commissioner):
    # Wednesday 24 March 2027; closing on Thursday at midday (GMT). Easter (26 and 29
    # March) is in the way, and the clocks go forward on 28 March.
    now = datetime(2027, 3, 24, 9, 0, tzinfo=UTC)
    need = factories.make_need(commissioner=commissioner)
    need.published_at = now - timedelta(days=20)
    need.question_deadline = datetime(2027, 3, 24, 12, 0, tzinfo=LONDON)
    need.closes_at = datetime(2027, 3, 25, 12, 0, tzinfo=LONDON)
    db.session.flush()
    before = amendments.snapshot(need)
    need.cohort = "Women on probation and on licence"
    amendment = amendments.amend_need(need, before=before, actor=commissioner, reason="Cohort widened", now=now)
    expected = datetime(2027, 4, 2, 12, 0, tzinfo=LONDON)  # midday BST
    assert need.closes_at == expected
    assert need.closes_at.astimezone(LONDON).hour == 12
    assert amendment.closes_at_before == datetime(2027, 3, 25, 12, 0, tzinfo=LONDON)
    assert amendment.closes_at_after == expected
    db.session.flush()
    db.session.expire(amendment)
    assert amendment.closes_at_after == expected  # stored and read back in UTC


def test_amendment_with_5_working_days_left_keeps_the_closing_time(commissioner):
    now = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)  # Monday
    need = factories.make_need(commissioner=commissioner)
    need.published_at = now - timedelta(days=20)
    need.question_deadline = datetime(2027, 2, 5, 12, 0, tzinfo=LONDON)
    need.closes_at = datetime(2027, 2, 8, 12, 0, tzinfo=LONDON)  # 5 working days on
    before = amendments.snapshot(need)
    need.cohort = "Another cohort"
    amendment = amendments.amend_need(need, before=before, actor=commissioner, reason="Clarified", now=now)
    assert need.closes_at == datetime(2027, 2, 8, 12, 0, tzinfo=LONDON)
    assert amendment.closes_at_before == amendment.closes_at_after


def _change_lot(need):
    need.lots[0].value_pence += 100_000


def _change_criteria(need):
    need.criteria[0].weight = 50
    need.social_value_weight = 30


def _change_payment(need):
    drafting.set_payment_profile(need, advance_percent=10, milestones=[("Start", 40, 3), ("End", 50, 12)])


@pytest.mark.parametrize(
    "change,material",
    [
        (_change_lot, True),
        (_change_criteria, True),
        (_change_payment, True),
        (lambda n: setattr(n, "summary", "New"), False),
    ],
    ids=["lots", "criteria", "payment", "summary"],
)
def test_material_changes_are_flagged(open_need, commissioner, change, material):
    before = amendments.snapshot(open_need)
    change(open_need)
    amendment = amendments.amend_need(open_need, before=before, actor=commissioner, reason="Because")
    assert amendment.material is material


def test_amending_a_closed_need_is_refused(commissioner):
    need = factories.make_need(commissioner=commissioner, closes_in_days=-1)
    before = amendments.snapshot(need)
    need.summary = "Too late"
    with pytest.raises(NeedError):
        amendments.amend_need(need, before=before, actor=commissioner, reason="Late")


def test_amendment_emails_current_followers_only(open_need, commissioner):
    follower = factories.make_provider(email="follower@example.org")
    former = factories.make_provider(email="former@example.org")
    bystander = factories.make_provider(email="bystander@example.org")
    following.follow_need(open_need, actor=follower)
    following.follow_need(open_need, actor=former)
    following.unfollow_need(open_need, actor=former)
    db.session.add(Follow(user_id=bystander.id, need_id=factories.make_need(commissioner=commissioner).id))
    db.session.flush()
    before = amendments.snapshot(open_need)
    open_need.summary = "Changed"
    amendments.amend_need(open_need, before=before, actor=commissioner, reason="Clearer")
    [email] = emails_to("follower@example.org")
    assert email.subject == f"Change to {open_need.title}"
    assert emails_to("former@example.org") == [] and emails_to("bystander@example.org") == []
    assert emails_to(commissioner.email) == []


# Withdraw and cancel -----------------------------------------------------------------


@pytest.mark.parametrize("end", [publishing.withdraw_need, publishing.cancel_need], ids=["withdraw", "cancel"])
@pytest.mark.parametrize("reason", ["", "  ", None])
def test_withdraw_and_cancel_need_a_reason(open_need, commissioner, end, reason):
    with pytest.raises(NeedError, match="Enter the reason"):
        end(open_need, actor=commissioner, reason=reason)
    assert open_need.status == NeedStatus.OPEN
    assert open_need.withdrawn_at is None and open_need.cancelled_at is None and open_need.end_reason is None


@pytest.mark.parametrize(
    "end,action,status",
    [
        (publishing.withdraw_need, "need.withdrawn", NeedStatus.WITHDRAWN),
        (publishing.cancel_need, "need.cancelled", NeedStatus.CANCELLED),
    ],
    ids=["withdraw", "cancel"],
)
def test_withdraw_and_cancel_record_the_reason_and_tell_followers(open_need, commissioner, end, action, status):
    follower = factories.make_provider(email="follower@example.org")
    following.follow_need(open_need, actor=follower)
    end(open_need, actor=commissioner, reason="  Funding moved  ")
    assert open_need.status == status and open_need.end_reason == "Funding moved"
    [event] = audit_events(action, open_need)
    assert (
        event.reason == "Funding moved"
        and event.before == {"status": "open"}
        and event.after == {"status": status.value}
    )
    [email] = emails_to("follower@example.org")
    assert "Funding moved" in email.body


def test_withdrawing_a_draft_is_refused_with_the_transition_message(draft, commissioner):
    with pytest.raises(NeedError, match=r"^Cannot change need from 'draft' to 'withdrawn'$"):
        publishing.withdraw_need(draft, actor=commissioner, reason="No")
    assert audit_events("need.withdrawn", draft) == []


def test_cancelling_an_awarded_need_is_refused(commissioner):
    need = factories.make_need(commissioner=commissioner, closes_in_days=-1)
    need.awarded_at = utcnow()
    with pytest.raises(NeedError, match=r"^Cannot change need from 'awarded' to 'cancelled'$"):
        publishing.cancel_need(need, actor=commissioner, reason="No")
    assert need.cancelled_at is None


# Lots, conditions, payment -------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 3, 99, 101, 1_000_001, 7_777_777, 99_999_999_999])
def test_payment_schedule_sums_exactly_to_the_lot_value(value):
    need = need_in(NeedStatus.DRAFT)
    services_milestones = [("Six months", 40, 6), ("End", 35, 12)]
    need.advance_percent = 25
    from marketplace.needs.models import Milestone

    need.milestones = [
        Milestone(number=i, title=t, percent=p, due_month=m) for i, (t, p, m) in enumerate(services_milestones, 1)
    ]
    lot = Lot(number=1, title="Lot", value_pence=value)
    schedule = drafting.payment_schedule(need, lot)
    assert [title for title, _ in schedule] == ["Advance at contract start", "Six months", "End"]
    assert sum(amount for _, amount in schedule) == value
    assert all(amount >= 0 for _, amount in schedule)


def test_payment_schedule_of_an_awkward_value():
    need = need_in(NeedStatus.DRAFT)
    need.advance_percent = 25
    from marketplace.needs.models import Milestone

    need.milestones = [
        Milestone(number=1, title="A", percent=40, due_month=6),
        Milestone(number=2, title="B", percent=35, due_month=12),
    ]
    amounts = [a for _, a in drafting.payment_schedule(need, Lot(number=1, title="Lot", value_pence=1_000_001))]
    assert amounts == [250_000, 400_000, 350_001]


@pytest.mark.parametrize(
    "advance,milestones,message",
    [
        (30, [("End", 70, 12)], "The advance must be between 0% and 25%"),
        (10, [("End", 80, 12)], "The advance and milestones must add up to 100%, not 90%"),
        (0, [], "Add at least one milestone"),
    ],
)
def test_payment_profile_must_add_up_to_100(draft, advance, milestones, message):
    before = [(m.title, m.percent) for m in draft.milestones]
    with pytest.raises(NeedError, match=message):
        drafting.set_payment_profile(draft, advance_percent=advance, milestones=milestones)
    assert [(m.title, m.percent) for m in draft.milestones] == before


def test_reservation_over_the_threshold_is_refused(draft):
    threshold = reservation_threshold_pence()
    with pytest.raises(NeedError, match="A lot can be reserved only when its value is below £214,904"):
        drafting.save_lot(draft, title="Big", description="", value_pence=threshold, reservation=Reservation.VCSE)
    assert len(draft.lots) == 1


def test_reservation_under_the_threshold_and_open_lots_over_it_are_accepted(draft):
    threshold = reservation_threshold_pence()
    drafting.save_lot(draft, title="Small", description="", value_pence=threshold - 1, reservation=Reservation.LOCAL)
    drafting.save_lot(draft, title="Big", description="", value_pence=threshold * 2, reservation=Reservation.NONE)
    assert [lot.number for lot in draft.lots] == [1, 2, 3]
    assert draft.value_pence == 5_000_000 + threshold - 1 + threshold * 2


@pytest.mark.parametrize("value", [0, -1, 100_000_000_001])
def test_lot_budget_must_be_positive_and_at_most_a_billion(draft, value):
    with pytest.raises(NeedError, match="Enter a budget between"):
        drafting.save_lot(draft, title="Lot", description="", value_pence=value, reservation=Reservation.NONE)


@pytest.mark.parametrize("unknown", ["bid_bond", "parent_company_guarantee", "minimum_turnover", "deposit", ""])
def test_set_conditions_refuses_anything_off_the_list(draft, unknown):
    with pytest.raises(NeedError, match="Choose conditions from the list"):
        drafting.set_conditions(draft, conditions=["safeguarding", unknown], cost_floor_per_person_pence=None)
    assert draft.conditions == ["safeguarding"]


def test_set_conditions_keeps_known_conditions_once(draft):
    drafting.set_conditions(draft, conditions=["dbs", "safeguarding", "dbs"], cost_floor_per_person_pence=10_000)
    assert draft.conditions == ["dbs", "safeguarding"] and draft.cost_floor_per_person_pence == 10_000


# Money and working days --------------------------------------------------------------


@pytest.mark.parametrize(
    "text,pence",
    [
        ("£12,500.50", 1_250_050),
        ("12500", 1_250_000),
        ("12,500", 1_250_000),
        (" £12500.5 ", 1_250_050),
        ("0.01", 1),
        ("£1,000,000,000", 100_000_000_000),
    ],
)
def test_parse_pounds_accepts_amounts(text, pence):
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    "text", ["12.345", "-5", "1e6", "£", "", "12,50", "1,2345", "twelve", "£-5", "12.", ".5", None]
)
def test_parse_pounds_refuses_what_is_not_an_amount(text):
    with pytest.raises(MoneyError):
        parse_pounds(text)


@pytest.mark.parametrize(
    "start,days,expected",
    [
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas Day, Boxing Day (substitute Monday 28th)
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day, then the weekend
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # Good Friday and Easter Monday 2027
        (date(2027, 2, 5), 1, date(2027, 2, 8)),  # a weekend
        (date(2027, 2, 1), 10, date(2027, 2, 15)),
    ],
)
def test_add_working_days_skips_weekends_and_bank_holidays(start, days, expected):
    assert add_working_days(start, days) == expected
    assert working_days_between(start, expected) == days


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3)],
)
def test_bank_holidays_are_not_working_days(day):
    assert not is_working_day(day)


def test_working_days_between_is_zero_when_the_end_is_not_after_the_start():
    assert working_days_between(date(2027, 2, 1), date(2027, 2, 1)) == 0
    assert working_days_between(date(2027, 2, 2), date(2027, 2, 1)) == 0
