"""The commissioner's side of needs through HTTP: create, fill in each section, check,
publish, amend, withdraw and cancel; bad input in every section; who may do what."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.needs import amendments, dates, drafting, publishing
from marketplace.needs.models import Amendment, Follow, Lot, Need, NeedStatus, Question
from marketplace.notifications import OutboxEmail
from marketplace.reference.models import ServiceCategory
from marketplace.timeutil import LONDON, utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

EAST_KENT = "N57EKNT"
WEST_KENT = "N57KECL"
REGION = "N57"
ELSEWHERE = "N56ESXN"  # Essex North, another region


def _signed_in(client, user):
    response = sign_in(client, user.email)
    assert response.status_code == 302, page_text(response)
    return user


def _category(code="womens-services"):
    return db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == code))


def _other_category_outcome():
    other = db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code != "womens-services"))
    return other.outcomes[0]


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, EAST_KENT, name="Cora Commissioner")


@pytest.fixture
def draft(commissioner):
    return factories.make_need(commissioner=commissioner, published=False, title="Women's centre support")


def about_data(**overrides):
    category = _category()
    data = {
        "title": "Women's centre support",
        "summary": "A safe space and key work for women on probation.",
        "pdus": [str(factories.area(EAST_KENT).id)],
        "category": str(category.id),
        "outcomes": [str(o.id) for o in category.outcomes[:2]],
        "cohort": "Women on probation in Thanet",
        "expected_people": "40",
        "duration_months": "12",
        "procedure": "grant",
    }
    data.update(overrides)
    return data


def lot_data(**overrides):
    data = {
        "title": "Thanet",
        "description": "Key work in Margate and Ramsgate.",
        "budget": "£12,500.50",
        "reservation": "none",
    }
    data.update(overrides)
    return data


def criterion_data(**overrides):
    data = {"question": "How will you reach women who do not engage?", "weight": "60", "word_limit": "300"}
    data.update(overrides)
    return data


def weights_data(**overrides):
    data = {"social_value_weight": "20", "price_weight": "20", "social_value_word_limit": "250"}
    data.update(overrides)
    return data


def conditions_data(**overrides):
    data = {"conditions": ["safeguarding", "dbs"], "cost_floor": ""}
    data.update(overrides)
    return data


def payment_data(**overrides):
    data = {
        "advance_percent": "10",
        "milestone_1_title": "Six months",
        "milestone_1_percent": "50",
        "milestone_1_month": "6",
        "milestone_2_title": "End of service",
        "milestone_2_percent": "40",
        "milestone_2_month": "12",
    }
    data.update(overrides)
    return data


def _date_parts(moment):
    local = moment.astimezone(LONDON)
    return [str(local.day), str(local.month), str(local.year)], f"{local:%H:%M}"


def dates_data(question_deadline=None, closes_at=None, **overrides):
    default_deadline, default_closes = dates.default_closing()
    deadline_parts, deadline_time = _date_parts(question_deadline or default_deadline)
    closes_parts, closes_time = _date_parts(closes_at or default_closes)
    data = {
        "question_deadline_date": deadline_parts,
        "question_deadline_time": deadline_time,
        "closes_date": closes_parts,
        "closes_time": closes_time,
    }
    data.update(overrides)
    return data


def _fresh(need) -> Need:
    db.session.expire_all()
    return db.session.get(Need, need.id)


# The happy path ------------------------------------------------------------------------


@pytest.mark.clock
def test_commissioner_creates_and_publishes_a_need_with_two_lots(client, commissioner):
    _signed_in(client, commissioner)
    area = factories.area(EAST_KENT)
    response = post_form(client, "/needs/new", {"area": str(area.id), "title": "Women's centre support"})
    assert response.status_code == 302
    need = db.session.scalar(sa.select(Need).where(Need.title == "Women's centre support"))
    assert need is not None and need.status == NeedStatus.DRAFT
    base = f"/needs/{need.id}"
    assert response.headers["Location"].endswith(f"{base}/manage")

    task_list = client.get(f"{base}/manage")
    assert task_list.status_code == 200
    text = page_text(task_list)
    for section in (
        "About the need",
        "Lots",
        "Evaluation criteria",
        "Conditions of participation",
        "Payment profile",
        "Dates",
        "Documents",
    ):
        assert section in text
    assert "Incomplete" in text

    steps = [
        (f"{base}/about", about_data()),
        (f"{base}/lots/add", lot_data()),
        (f"{base}/lots/add", lot_data(title="Canterbury", budget="250000", reservation="none")),
        (f"{base}/criteria/add", criterion_data()),
        (f"{base}/criteria", weights_data()),
        (f"{base}/conditions", conditions_data(cost_floor="£350")),
        (f"{base}/payment", payment_data()),
        (f"{base}/dates", dates_data()),
    ]
    for url, data in steps:
        response = post_form(client, url, data)
        assert response.status_code == 302, (url, error_summary(response))

    need = _fresh(need)
    assert [lot.value_pence for lot in need.lots] == [1_250_050, 25_000_000]
    assert need.value_pence == 26_250_050
    assert need.total_weight == 100
    assert need.conditions == ["dbs", "safeguarding"]
    assert need.cost_floor_per_person_pence == 35_000
    assert [m.percent for m in need.milestones] == [50, 40]
    assert publishing.problems(need) == []
    # Each draft save is audited with what it changed.
    edits = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "need.edited", AuditEvent.object_id == need.id)
    ).all()
    assert len(edits) == len(steps)
    assert edits[0].after["summary"] == "A safe space and key work for women on probation."

    text = page_text(client.get(f"{base}/manage"))
    assert "Incomplete" not in text
    check = client.get(f"{base}/check")
    assert check.status_code == 200
    assert error_summary(check) == []
    text = page_text(check)
    assert "£12,500.50" in text and "£250,000" in text
    assert "Publish the need" in text

    response = post_form(client, f"{base}/publish", from_url=f"{base}/check")
    assert response.status_code == 302
    need = _fresh(need)
    assert need.status == NeedStatus.OPEN
    assert count(AuditEvent, AuditEvent.action == "need.published", AuditEvent.object_id == need.id) == 1
    # Once open, the check page has no publish button and publishing again is refused.
    assert "Publish the need" not in page_text(client.get(f"{base}/check"))
    assert post_form(client, f"{base}/publish", from_url=f"{base}/check").status_code == 403


def test_publish_lists_every_problem_at_once(client, commissioner):
    _signed_in(client, commissioner)
    need = drafting.create_need(area=factories.area(EAST_KENT), title="Half done", actor=commissioner)
    base = f"/needs/{need.id}"
    post_form(client, f"{base}/criteria/add", criterion_data(weight="50"))
    post_form(client, f"{base}/criteria", weights_data())
    response = post_form(client, f"{base}/publish", from_url=f"{base}/check")
    assert response.status_code == 200
    problems = error_summary(response)
    assert "Enter a summary of the need" in problems
    assert "Add at least one lot" in problems
    assert "The weights must add up to 100%, not 90%" in problems
    assert "Set the payment profile" in problems
    assert "Set the question deadline and closing time" in problems
    assert len(problems) >= 8
    assert "<title>Error:" in page_text(response)
    assert _fresh(need).status == NeedStatus.DRAFT


def test_new_need_refused_for_an_area_the_commissioner_does_not_cover(client, commissioner):
    _signed_in(client, commissioner)
    elsewhere = factories.area(ELSEWHERE)
    before = count(Need)
    response = post_form(client, "/needs/new", {"area": str(elsewhere.id), "title": "Sneaky"})
    assert response.status_code == 200
    assert error_summary(response) == ["Select the area the need is for"]
    assert count(Need) == before


@pytest.mark.parametrize(
    "title, message",
    [
        ("", "Enter a title for the need"),
        ("x" * 10_000, "Title must be 150 characters or fewer"),
        ("<b>x</b>", "Title must not contain < or >"),
    ],
)
def test_new_need_title_is_checked(client, commissioner, title, message):
    _signed_in(client, commissioner)
    before = count(Need)
    response = post_form(client, "/needs/new", {"area": str(factories.area(EAST_KENT).id), "title": title})
    assert error_summary(response) == [message]
    assert count(Need) == before


def test_regional_commissioner_may_post_for_a_delivery_unit_of_the_region(client):
    regional = factories.make_area_staff(Role.COMMISSIONER, REGION)
    _signed_in(client, regional)
    page = page_text(client.get("/needs/new"))
    assert "East Kent" in page and "West Kent" in page
    response = post_form(client, "/needs/new", {"area": str(factories.area(WEST_KENT).id), "title": "West Kent need"})
    assert response.status_code == 302


# Bad input, section by section ---------------------------------------------------------

BAD_INPUT = [
    # (section url, valid data, overrides, expected message)
    ("about", about_data, {"title": ""}, "Enter a title for the need"),
    ("about", about_data, {"title": "x" * 10_000}, "Title must be 150 characters or fewer"),
    ("about", about_data, {"summary": ""}, "Enter a summary of the need"),
    ("about", about_data, {"summary": "x" * 10_000}, "Summary must be 5,000 characters or fewer"),
    ("about", about_data, {"summary": "<script>alert(1)</script>"}, "Summary must not contain < or >"),
    (
        "about",
        about_data,
        {"cohort": "x" * 10_000},
        "Who the service is for (cohort) must be 2,000 characters or fewer",
    ),
    ("about", about_data, {"expected_people": ""}, "Enter the expected number of people"),
    ("about", about_data, {"expected_people": "forty"}, "Expected number of people must be a whole number, like 40"),
    ("about", about_data, {"expected_people": "4.5"}, "Expected number of people must be a whole number, like 40"),
    ("about", about_data, {"expected_people": "-3"}, "Expected number of people must be 1 or more"),
    ("about", about_data, {"expected_people": "0"}, "Expected number of people must be 1 or more"),
    ("about", about_data, {"expected_people": "100001"}, "Expected number of people must be 100,000 or less"),
    (
        "about",
        about_data,
        {"expected_people": "9" * 10_000},
        "Expected number of people must be a whole number, like 40",
    ),
    ("about", about_data, {"duration_months": "121"}, "Duration in months must be 120 or less"),
    ("about", about_data, {"duration_months": "0"}, "Duration in months must be 1 or more"),
    ("about", about_data, {"procedure": "bond"}, "Select grant or contract"),
    ("about", about_data, {"procedure": ""}, "Select grant or contract"),
    ("about", about_data, {"category": "999999"}, "Select a service category"),
    ("about", about_data, {"pdus": "@elsewhere"}, "Select delivery units in this area from the list"),
    ("about", about_data, {"pdus": "@westkent"}, "Select delivery units in this area from the list"),
    ("about", about_data, {"outcomes": "@othercategory"}, "Select outcomes from the service category you chose"),
    ("about", about_data, {"outcomes": ["999999"]}, "Select outcomes from the list"),
    ("lots/add", lot_data, {"title": ""}, "Enter a title for the lot"),
    ("lots/add", lot_data, {"title": "x" * 10_000}, "Lot title must be 150 characters or fewer"),
    ("lots/add", lot_data, {"description": "x" * 10_000}, "Description must be 5,000 characters or fewer"),
    ("lots/add", lot_data, {"budget": ""}, "Enter the budget for the lot"),
    (
        "lots/add",
        lot_data,
        {"budget": "twelve thousand"},
        "Budget must be an amount of money, like £12,500 or £12,500.50",
    ),
    ("lots/add", lot_data, {"budget": "12.345"}, "Budget must be an amount of money, like £12,500 or £12,500.50"),
    ("lots/add", lot_data, {"budget": "1" * 10_000}, "Budget must be an amount of money, like £12,500 or £12,500.50"),
    ("lots/add", lot_data, {"budget": "-500"}, "Budget must be more than £0"),
    ("lots/add", lot_data, {"budget": "£-500"}, "Budget must be more than £0"),
    ("lots/add", lot_data, {"budget": "0"}, "Budget must be more than £0"),
    ("lots/add", lot_data, {"budget": "£1,000,000,000.01"}, "Budget must be £1,000,000,000 or less"),
    ("lots/add", lot_data, {"budget": "99999999999999"}, "Budget must be £1,000,000,000 or less"),
    (
        "lots/add",
        lot_data,
        {"budget": "£300,000", "reservation": "vcse"},
        "A lot can be reserved only when its budget is below £214,904: choose 'Open to all' or lower the budget",
    ),
    (
        "lots/add",
        lot_data,
        {"budget": "£214,904", "reservation": "local"},
        "A lot can be reserved only when its budget is below £214,904: choose 'Open to all' or lower the budget",
    ),
    ("lots/add", lot_data, {"reservation": "bond"}, "Select who can bid for the lot"),
    ("criteria/add", criterion_data, {"question": ""}, "Enter the question"),
    ("criteria/add", criterion_data, {"question": "x" * 10_000}, "Quality question must be 1,000 characters or fewer"),
    ("criteria/add", criterion_data, {"weight": ""}, "Enter the weight of the question"),
    ("criteria/add", criterion_data, {"weight": "lots"}, "Weight must be a whole number, like 20"),
    ("criteria/add", criterion_data, {"weight": "0"}, "Weight must be 1 or more"),
    ("criteria/add", criterion_data, {"weight": "95"}, "Weight must be 90 or less"),
    ("criteria/add", criterion_data, {"word_limit": "501"}, "Word limit must be 500 or less"),
    ("criteria/add", criterion_data, {"word_limit": "10"}, "Word limit must be 50 or more"),
    ("criteria", weights_data, {"social_value_weight": "5"}, "Social value weight must be 10 or more"),
    ("criteria", weights_data, {"social_value_weight": ""}, "Enter the weight for social value"),
    ("criteria", weights_data, {"price_weight": "41"}, "Price weight must be 40 or less"),
    ("criteria", weights_data, {"price_weight": "-1"}, "Price weight must be 0 or more"),
    ("conditions", conditions_data, {"conditions": ["bond"]}, "Select conditions from the list"),
    (
        "conditions",
        conditions_data,
        {"conditions": ["safeguarding", "parent_company_guarantee"]},
        "Select conditions from the list",
    ),
    ("conditions", conditions_data, {"conditions": ["minimum_turnover"]}, "Select conditions from the list"),
    ("conditions", conditions_data, {"cost_floor": "-5"}, "Lowest cost per person must be more than £0"),
    (
        "conditions",
        conditions_data,
        {"cost_floor": "£2,000,000,000"},
        "Lowest cost per person must be £1,000,000,000 or less",
    ),
    (
        "conditions",
        conditions_data,
        {"cost_floor": "cheap"},
        "Lowest cost per person must be an amount of money, like £12,500 or £12,500.50",
    ),
    ("payment", payment_data, {"advance_percent": "30"}, "Advance at contract start must be 25 or less"),
    ("payment", payment_data, {"advance_percent": "-5"}, "Advance at contract start must be 0 or more"),
    ("payment", payment_data, {"advance_percent": ""}, "Enter the advance, or 0 for none"),
    ("payment", payment_data, {"milestone_2_percent": "30"}, "The advance and milestones must add up to 100%, not 90%"),
    (
        "payment",
        payment_data,
        {"milestone_2_percent": "60"},
        "The advance and milestones must add up to 100%, not 120%",
    ),
    (
        "payment",
        payment_data,
        {"milestone_1_percent": "half"},
        "Milestone 1 percentage must be a whole number, like 25",
    ),
    ("payment", payment_data, {"milestone_1_title": ""}, "Enter a title for milestone 1"),
    ("payment", payment_data, {"milestone_1_title": "x" * 10_000}, "Milestone 1 title must be 150 characters or fewer"),
    ("payment", payment_data, {"milestone_2_month": "500"}, "Milestone 2 due month must be 120 or less"),
    (
        "payment",
        payment_data,
        {
            "milestone_1_title": "",
            "milestone_1_percent": "",
            "milestone_1_month": "",
            "milestone_2_title": "",
            "milestone_2_percent": "",
            "milestone_2_month": "",
        },
        "Add at least one milestone",
    ),
    ("dates", dates_data, {"closes_date": ["31", "2", "2031"]}, "The closing date must be a real date"),
    ("dates", dates_data, {"closes_date": ["", "", ""]}, "Enter the closing date"),
    ("dates", dates_data, {"closes_date": ["12", "3", ""]}, "The closing date must include a year"),
    ("dates", dates_data, {"closes_date": ["12", "3", "31"]}, "Year must include 4 numbers"),
    ("dates", dates_data, {"closes_date": ["x" * 10_000, "3", "2031"]}, "The closing date must be a real date"),
    ("dates", dates_data, {"closes_date": ["1", "1", "2020"]}, "The closing date must be in the future"),
    (
        "dates",
        dates_data,
        {"question_deadline_date": ["1", "1", "2020"]},
        "The question deadline must be in the future",
    ),
    ("dates", dates_data, {"closes_time": "25:00"}, "The closing time must be a real time, like 12:00 or 17:30"),
    ("dates", dates_data, {"closes_time": ""}, "Enter the closing time"),
    ("dates", "@wrong_order", {}, "The question deadline must be before the closing time"),
]


def _resolve(value):
    if value == "@elsewhere":
        return [str(factories.area(ELSEWHERE).id)]
    if value == "@westkent":
        return [str(factories.area(WEST_KENT).id)]
    if value == "@othercategory":
        return [str(_other_category_outcome().id)]
    return value


@pytest.mark.parametrize(
    "section, make_data, overrides, message",
    BAD_INPUT,
    ids=[f"{b[0]}-{b[3][:40]}-{i}" for i, b in enumerate(BAD_INPUT)],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    client, commissioner, draft, section, make_data, overrides, message
):
    _signed_in(client, commissioner)
    if make_data == "@wrong_order":
        _, closes = dates.default_closing()
        data = dates_data(question_deadline=closes + timedelta(days=1), closes_at=closes)
    else:
        data = make_data(**{k: _resolve(v) for k, v in overrides.items()})
    before = amendments.snapshot(draft)
    events = count(AuditEvent)
    response = post_form(client, f"/needs/{draft.id}/{section}", data)
    assert response.status_code == 200
    assert message in error_summary(response)
    html = page_text(response)
    assert "<title>Error:" in html
    # What the user typed is kept (short text values: long ones are checked by length).
    for key, value in data.items():
        if key in ("procedure", "reservation", "category"):
            continue  # a radio value that is not a choice cannot be shown checked
        if isinstance(value, str) and value and len(value) < 60 and not value.isdigit():
            assert str(escape(value)) in html, value
    assert amendments.snapshot(_fresh(draft)) == before
    assert count(AuditEvent) == events


def test_crafted_post_with_cash_security_fields_is_ignored(client, commissioner, draft):
    _signed_in(client, commissioner)
    crafted = {
        "bond_amount": "31337",
        "deposit": "10000",
        "parent_company_guarantee": "yes",
        "minimum_turnover": "1000000",
        "performance_bond": "1",
    }
    for section, data in (
        ("about", about_data()),
        ("conditions", conditions_data()),
        ("lots/add", lot_data()),
        ("payment", payment_data()),
    ):
        response = post_form(client, f"/needs/{draft.id}/{section}", {**data, **crafted})
        assert response.status_code == 302, error_summary(response)
    snapshot = repr(amendments.snapshot(_fresh(draft)))
    for word in ("bond", "deposit", "guarantee", "turnover", "31337"):
        assert word not in snapshot
    columns = [c.name for table in (Need.__table__, Lot.__table__) for c in table.columns]
    assert not [c for c in columns if any(w in c for w in ("bond", "deposit", "guarantee", "turnover"))]


def test_reservation_allowed_below_the_threshold(client, commissioner, draft):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{draft.id}/lots/add", lot_data(budget="£214,903.99", reservation="vcse"))
    assert response.status_code == 302
    assert _fresh(draft).lots[-1].reservation.value == "vcse"


def test_weights_not_adding_to_100_shown_and_publish_refused(client, commissioner, draft):
    _signed_in(client, commissioner)
    post_form(client, f"/needs/{draft.id}/criteria", weights_data(social_value_weight="10", price_weight="10"))
    page = page_text(client.get(f"/needs/{draft.id}/criteria"))
    assert "80%" in page and "must add up to 100%" in page
    response = post_form(client, f"/needs/{draft.id}/publish", from_url=f"/needs/{draft.id}/check")
    assert "The weights must add up to 100%, not 80%" in error_summary(response)
    assert _fresh(draft).status == NeedStatus.DRAFT


def test_payment_page_shows_each_lot_in_pounds(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(1_000_000, 333_333))
    _signed_in(client, commissioner)
    page = page_text(client.get(f"/needs/{need.id}/payment"))
    # Advance 25 %, milestones 40 % and 35 %.
    assert "£2,500" in page and "£4,000" in page and "£3,500" in page
    assert "£833.33" in page and "£1,333.33" in page and "£1,166.67" in page


def test_remove_lot_renumbers_the_rest(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(100_000, 200_000, 300_000))
    _signed_in(client, commissioner)
    first = need.lots[0]
    response = post_form(client, f"/needs/{need.id}/lots/{first.id}/remove")
    assert response.status_code == 302
    need = _fresh(need)
    assert [(lot.number, lot.value_pence) for lot in need.lots] == [(1, 200_000), (2, 300_000)]
    assert need.value_pence == 500_000


def test_lot_of_another_need_is_not_found(client, commissioner, draft):
    other = factories.make_need(commissioner=commissioner, published=False)
    _signed_in(client, commissioner)
    assert client.get(f"/needs/{draft.id}/lots/{other.lots[0].id}").status_code == 404


# Who may do what -----------------------------------------------------------------------

SECTION_PAGES = [
    "manage",
    "about",
    "lots",
    "lots/add",
    "criteria",
    "criteria/add",
    "conditions",
    "payment",
    "dates",
    "documents",
    "check",
    "cancel",
]


def _actor(name):
    return {
        "anonymous": lambda: None,
        "provider": lambda: factories.make_provider(),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR, EAST_KENT),
        "board_member": lambda: factories.make_area_staff(Role.BOARD_MEMBER, EAST_KENT),
        "commissioner_elsewhere": lambda: factories.make_area_staff(Role.COMMISSIONER, ELSEWHERE),
        "commissioner_west_kent": lambda: factories.make_area_staff(Role.COMMISSIONER, WEST_KENT),
        "admin": lambda: factories.make_user(admin=True),
        "commissioner_of_pdu": lambda: factories.make_area_staff(Role.COMMISSIONER, EAST_KENT),
        "commissioner_of_region": lambda: factories.make_area_staff(Role.COMMISSIONER, REGION),
    }[name]()


REFUSED = ["provider", "evaluator", "board_member", "commissioner_elsewhere", "commissioner_west_kent", "admin"]
ALLOWED = ["commissioner_of_pdu", "commissioner_of_region"]


@pytest.mark.parametrize("page", SECTION_PAGES)
@pytest.mark.parametrize("actor", ["anonymous", *REFUSED, *ALLOWED])
def test_who_may_manage_a_draft(client, draft, actor, page):
    user = _actor(actor)
    if user is not None:
        _signed_in(client, user)
    response = client.get(f"/needs/{draft.id}/{page}")
    if actor == "anonymous":
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    elif actor in REFUSED:
        assert response.status_code == 403
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("actor", REFUSED)
def test_refused_users_cannot_change_or_publish_a_draft(client, draft, actor):
    _signed_in(client, _actor(actor))
    before = amendments.snapshot(draft)
    token_page = "/accessibility"  # any page with a CSRF token would do; use the sign-out form in the header
    for url, data in (
        (f"/needs/{draft.id}/about", about_data(title="Hijacked")),
        (f"/needs/{draft.id}/publish", {}),
        (f"/needs/{draft.id}/cancel", {"reason": "x"}),
    ):
        response = post_form(client, url, data, from_url=token_page)
        assert response.status_code == 403, url
    assert amendments.snapshot(_fresh(draft)) == before
    assert _fresh(draft).status == NeedStatus.DRAFT


@pytest.mark.parametrize("actor", ["anonymous", "provider", "evaluator", "board_member", "admin"])
def test_new_need_page_is_for_commissioners_only(client, actor):
    user = _actor(actor)
    if user is None:
        assert client.get("/needs/new").status_code == 302
        return
    _signed_in(client, user)
    assert client.get("/needs/new").status_code == 403


def _ended(commissioner, how):
    need = factories.make_need(commissioner=commissioner)
    now = utcnow()
    if how == "closed":
        need.closes_at = now - timedelta(hours=1)
        need.question_deadline = now - timedelta(days=2)
    elif how == "withdrawn":
        need.withdrawn_at = now
    elif how == "cancelled":
        need.cancelled_at = now
    db.session.flush()
    return need


@pytest.mark.parametrize("how", ["closed", "withdrawn", "cancelled"])
@pytest.mark.parametrize("actor", ["commissioner_of_pdu", "commissioner_of_region"])
def test_nobody_edits_an_ended_need(client, commissioner, how, actor):
    need = _ended(commissioner, how)
    _signed_in(client, _actor(actor))
    assert client.get(f"/needs/{need.id}/manage").status_code == 200
    for page in ("about", "lots", "lots/add", "criteria", "conditions", "payment", "dates", "documents", "withdraw"):
        assert client.get(f"/needs/{need.id}/{page}").status_code == 403, page
    before = amendments.snapshot(need)
    response = post_form(
        client, f"/needs/{need.id}/about", about_data(title="Changed", reason="x"), from_url=f"/needs/{need.id}/manage"
    )
    assert response.status_code == 403
    assert amendments.snapshot(_fresh(need)) == before


# Amendments ----------------------------------------------------------------------------


@pytest.mark.clock
def test_amendment_near_the_deadline_moves_closing_and_tells_followers(client, commissioner):
    need = factories.make_need(commissioner=commissioner, closes_in_days=2)
    follower = factories.make_provider(email="follower@example.org")
    db.session.add(Follow(user_id=follower.id, need_id=need.id))
    db.session.flush()
    closes_before = need.closes_at
    _signed_in(client, commissioner)
    lot = need.lots[0]
    emails = count(OutboxEmail, OutboxEmail.to == "follower@example.org")
    response = post_form(
        client,
        f"/needs/{need.id}/lots/{lot.id}",
        lot_data(title=lot.title, budget="£60,000", reason="The budget went up after the council added funding."),
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "The closing time has moved to" in text
    need = _fresh(need)
    assert need.closes_at > closes_before
    assert dates.working_days_left(need) >= amendments.AMENDMENT_MIN_WORKING_DAYS
    amendment = db.session.scalar(sa.select(Amendment).where(Amendment.need_id == need.id))
    assert amendment.reason == "The budget went up after the council added funding."
    assert amendment.material and "lots" in amendment.changes
    assert count(OutboxEmail, OutboxEmail.to == "follower@example.org") == emails + 1
    assert count(AuditEvent, AuditEvent.action == "need.amended", AuditEvent.object_id == need.id) == 1


@pytest.mark.clock
def test_amendment_far_from_closing_keeps_the_closing_time(client, commissioner):
    need = factories.make_need(commissioner=commissioner, closes_in_days=40)
    closes_before = need.closes_at
    _signed_in(client, commissioner)
    response = post_form(
        client,
        f"/needs/{need.id}/about",
        about_data(title="Renamed need", reason="Clearer title"),
        follow_redirects=True,
    )
    assert "The closing time has not changed" in page_text(response)
    need = _fresh(need)
    assert need.title == "Renamed need" and need.closes_at == closes_before
    assert count(Amendment, Amendment.need_id == need.id) == 1


def test_amendment_requires_a_reason(client, commissioner):
    need = factories.make_need(commissioner=commissioner)
    _signed_in(client, commissioner)
    page = page_text(client.get(f"/needs/{need.id}/about"))
    assert "Reason for the change" in page
    before = amendments.snapshot(need)
    response = post_form(client, f"/needs/{need.id}/about", about_data(title="Renamed", reason=""))
    assert error_summary(response) == ["Enter the reason for the change"]
    assert "Renamed" in page_text(response)
    assert amendments.snapshot(_fresh(need)) == before
    assert count(Amendment, Amendment.need_id == need.id) == 0


def test_draft_sections_have_no_reason_field(client, commissioner, draft):
    _signed_in(client, commissioner)
    assert "Reason for the change" not in page_text(client.get(f"/needs/{draft.id}/about"))


# Withdraw and cancel -------------------------------------------------------------------


def test_commissioner_withdraws_an_open_need_with_a_reason(client, commissioner):
    need = factories.make_need(commissioner=commissioner)
    follower = factories.make_provider(email="watcher@example.org")
    db.session.add(Follow(user_id=follower.id, need_id=need.id))
    db.session.flush()
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{need.id}/withdraw", {"reason": ""})
    assert error_summary(response) == ["Enter the reason"]
    assert _fresh(need).status == NeedStatus.OPEN
    response = post_form(client, f"/needs/{need.id}/withdraw", {"reason": "Funding was withdrawn."})
    assert response.status_code == 302
    need = _fresh(need)
    assert need.status == NeedStatus.WITHDRAWN and need.end_reason == "Funding was withdrawn."
    assert count(OutboxEmail, OutboxEmail.to == "watcher@example.org") == 1
    assert count(AuditEvent, AuditEvent.action == "need.withdrawn", AuditEvent.object_id == need.id) == 1


def test_withdraw_is_only_for_open_needs(client, commissioner, draft):
    _signed_in(client, commissioner)
    assert client.get(f"/needs/{draft.id}/withdraw").status_code == 403


@pytest.mark.parametrize("state", ["draft", "open", "closed"])
def test_commissioner_cancels_a_need_before_award(client, commissioner, state):
    if state == "draft":
        need = factories.make_need(commissioner=commissioner, published=False)
    elif state == "open":
        need = factories.make_need(commissioner=commissioner)
    else:
        need = _ended(commissioner, "closed")
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{need.id}/cancel", {"reason": "The service is now provided nationally."})
    assert response.status_code == 302
    assert _fresh(need).status == NeedStatus.CANCELLED
    assert client.get(f"/needs/{need.id}/cancel").status_code == 403


# The commissioner's home page ----------------------------------------------------------


@pytest.mark.clock
def test_home_shows_needs_by_status_and_what_needs_action(client, commissioner):
    factories.make_need(commissioner=commissioner, published=False, title="A draft need")
    closing = factories.make_need(commissioner=commissioner, title="Closing soon need", closes_in_days=3)
    asked = factories.make_need(commissioner=commissioner, title="Asked about need", closes_in_days=30)
    factories.make_need(commissioner=commissioner, title="Other region need", area_code=ELSEWHERE)
    provider = factories.make_provider()
    db.session.add(
        Question(
            need_id=asked.id,
            organisation_id=provider.organisations[0].id,
            asked_by_id=provider.id,
            text="When does it start?",
        )
    )
    db.session.flush()
    _signed_in(client, commissioner)
    text = page_text(client.get("/"))
    assert "Post a need" in text
    assert "A draft need" in text and "Closing soon need" in text
    assert "Other region need" not in text
    assert re.search(r"Asked about need</a>: 1 question waiting for an answer", text)
    assert re.search(r"Closing soon need</a>: closes at", text)
    assert f"/needs/{closing.id}/manage" in text
    assert re.search(r"Draft</td><td[^>]*>1</td>", text)
    assert re.search(r"Open</td><td[^>]*>2</td>", text)
