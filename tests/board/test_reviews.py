"""Partnership reviews: what may be rated and when, rating and answering through the
pages, the history, bad input, and who may do what."""

from datetime import date, timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.board import reviews
from marketplace.board.models import (
    PartnershipReview,
    Rating,
    ResponseSide,
    ReviewKind,
    ReviewResponse,
)
from marketplace.board.reporting.glance import glance
from marketplace.board.reporting.ratings import rating_counts
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

pytestmark = pytest.mark.clock


@pytest.fixture
def made(db_session):
    return factories.make_contract()


def _as(client, user):
    browser = client.application.test_client()
    sign_in(browser, user.email)
    return browser


def _this_year() -> int:
    today = london_date(utcnow())
    return today.year if today.month >= 4 else today.year - 1


def _writes():
    return count(PartnershipReview), count(ReviewResponse), count(AuditEvent), count(OutboxEmail)


# What may be rated ----------------------------------------------------------------------------


def test_each_financial_year_the_contract_ran_in_and_its_end(made):
    contract = made.contract
    contract.starts_on, contract.ends_on = date(2025, 6, 1), date(2027, 5, 31)
    db.session.flush()
    keys = lambda today: [d.key for d in reviews.due(contract, today)]
    assert keys(date(2025, 5, 1)) == []  # before it starts
    assert keys(date(2025, 6, 1)) == ["2025"]
    assert keys(date(2026, 11, 23)) == ["2026", "2025"]
    assert keys(date(2027, 5, 30)) == ["2027", "2026", "2025"]
    assert keys(date(2027, 5, 31)) == ["end", "2027", "2026", "2025"]  # its last day
    assert keys(date(2030, 1, 1)) == ["end", "2027", "2026", "2025"]  # nothing after it ended

    reviews.rate(contract, period="2026", rating="good", comment="On track.", actor=made.commissioner, now=utcnow())
    reviews.rate(
        contract,
        period="end",
        rating="inadequate",
        comment="Fell away.",
        actor=made.commissioner,
        now=utcnow().replace(year=2027, month=6, day=1),
    )
    assert keys(date(2027, 6, 1)) == ["2027", "2025"]
    end = db.session.query(PartnershipReview).filter_by(kind=ReviewKind.END).one()
    assert (end.financial_year, end.period_label) == (2027, "End of the contract")


def test_a_period_already_rated_is_refused_even_when_two_board_members_race(made, monkeypatch):
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    year = str(_this_year())
    reviews.rate(made.contract, period=year, rating="good", comment="Fine.", actor=board)
    with pytest.raises(reviews.ReviewError) as refused:
        reviews.rate(made.contract, period=year, rating="inadequate", comment="Changed my mind.", actor=board)
    assert refused.value.field == "period"
    # The second of two simultaneous ratings: the page it saw offered the year; the database refuses.
    monkeypatch.setattr(reviews, "due", lambda contract, today: [reviews.Due(ReviewKind.YEARLY, int(year))])
    with pytest.raises(reviews.ReviewError, match="just been rated by someone else"):
        reviews.rate(made.contract, period=year, rating="inadequate", comment="Changed my mind.", actor=board)
    assert count(PartnershipReview) == 1


# Rating and answering through the pages ---------------------------------------------------------


def test_the_board_rates_and_both_sides_answer(client, made):
    contract = made.contract
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    url = f"/contracts/{contract.id}/reviews"
    browser = _as(client, board)
    page = page_text(browser.get(url))
    assert "Rate the partnership" in page and "has not been rated yet" in page
    response = post_form(
        browser,
        url,
        {
            "period": str(_this_year()),
            "rating": "approaching_target",
            "comment": "Referrals are below plan;\nthe new job club should help.",
        },
    )
    assert response.status_code == 302
    review = db.session.query(PartnershipReview).one()
    assert (review.kind, review.financial_year, review.rating, review.rated_by_id) == (
        ReviewKind.YEARLY,
        _this_year(),
        Rating.APPROACHING_TARGET,
        board.id,
    )
    event = db.session.query(AuditEvent).filter_by(action="review.rated").one()
    assert event.after["rating"] == "approaching_target" and event.reason.startswith("Referrals")
    rated = OutboxEmail.subject.startswith("Partnership review:")
    assert count(OutboxEmail, rated, OutboxEmail.to == made.provider.email) == 1
    assert count(OutboxEmail, rated, OutboxEmail.to == made.commissioner.email) == 1
    page = page_text(browser.get(url))
    assert "Approaching target" in page and "the new job club" in page and "Rate the partnership" not in page
    assert "Approaching target" in page_text(browser.get(f"/contracts/{contract.id}"))

    provider = _as(client, made.provider)
    assert "Your response to this rating" in page_text(provider.get(url))
    response = post_form(
        provider,
        f"/reviews/{review.id}/responses",
        {f"review-{review.id}-text": "We agree and have a plan."},
        from_url=url,
    )
    assert response.status_code == 302
    assert "Your response to this rating" not in page_text(provider.get(url))
    commissioner = _as(client, made.commissioner)
    post_form(
        commissioner,
        f"/reviews/{review.id}/responses",
        {f"review-{review.id}-text": "We will review in March."},
        from_url=url,
    )
    db.session.expire_all()
    assert [(r.side, r.text) for r in review.responses] == [
        (ResponseSide.PROVIDER, "We agree and have a plan."),
        (ResponseSide.COMMISSIONER, "We will review in March."),
    ]
    page = page_text(browser.get(url))
    assert "The provider answered" in page and "The commissioner answered" in page
    # The board hears of both answers; the commissioner of the provider's.
    answered = OutboxEmail.subject.startswith("Response to a partnership review:")
    assert count(OutboxEmail, answered, OutboxEmail.to == board.email) == 2
    assert count(OutboxEmail, answered, OutboxEmail.to == made.commissioner.email) == 1
    assert count(AuditEvent, AuditEvent.action == "review.responded") == 2


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"rating": "good", "comment": "Fine."}, "period", "Select what you are rating"),
        ({"period": "THIS", "comment": "Fine."}, "rating", "Select a rating"),
        ({"period": "THIS", "rating": "excellent", "comment": "Fine."}, "rating", "Select a rating"),
        ({"period": "THIS", "rating": "good", "comment": "   "}, "comment", "Enter a comment that explains the rating"),
        (
            {"period": "THIS", "rating": "good", "comment": "word " * 501},
            "comment",
            "The comment must be 500 words or fewer",
        ),
        (
            {"period": "THIS", "rating": "good", "comment": "x" * 10_000},
            "comment",
            "The comment must be 5,000 characters or fewer",
        ),
        ({"period": "1999", "rating": "good", "comment": "Fine."}, "period", "Select what you are rating"),
        ({"period": "end", "rating": "good", "comment": "Fine."}, "period", "Select what you are rating"),
    ],
)
def test_bad_ratings_are_explained_and_nothing_is_written(client, made, data, field, message):
    data = {k: (str(_this_year()) if v == "THIS" else v) for k, v in data.items()}
    browser = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    before = _writes()
    response = post_form(browser, f"/contracts/{made.contract.id}/reviews", data)
    assert response.status_code == 400
    assert message in error_summary(response)
    assert f'href="#{field}"' in page_text(response)
    if data.get("comment", "").strip() and len(data["comment"]) < 100:
        assert data["comment"] in page_text(response)  # what they typed is kept
    assert _writes() == before


def test_bad_responses_are_explained_and_nothing_is_written(client, made):
    review = reviews.rate(
        made.contract,
        period=str(_this_year()),
        rating="good",
        comment="Fine.",
        actor=factories.make_area_staff(Role.BOARD_MEMBER),
    )
    db.session.flush()
    provider = _as(client, made.provider)
    url = f"/reviews/{review.id}/responses"
    before = _writes()
    response = post_form(
        provider, url, {f"review-{review.id}-text": ""}, from_url=f"/contracts/{made.contract.id}/reviews"
    )
    assert response.status_code == 400 and "Enter your response" in error_summary(response)
    long = post_form(
        provider, url, {f"review-{review.id}-text": "word " * 501}, from_url=f"/contracts/{made.contract.id}/reviews"
    )
    assert long.status_code == 400 and "Your response must be 500 words or fewer" in error_summary(long)
    assert _writes() == before
    assert (
        post_form(
            provider, url, {f"review-{review.id}-text": "Thanks."}, from_url=f"/contracts/{made.contract.id}/reviews"
        ).status_code
        == 302
    )
    again = post_form(
        provider, url, {f"review-{review.id}-text": "And again."}, from_url=f"/contracts/{made.contract.id}/reviews"
    )
    assert again.status_code == 400 and "The provider has already answered this rating" in error_summary(again)
    assert count(ReviewResponse) == 1
    assert post_form(provider, url, {}, from_url=f"/contracts/{made.contract.id}/reviews").status_code == 400
    assert provider.post("/reviews/abc/responses").status_code == 404
    assert post_form(provider, "/reviews/999999/responses", {}, from_url="/").status_code == 404


# Who may ---------------------------------------------------------------------------------------------


def _user(who, made):
    return {
        "board": lambda: factories.make_area_staff(Role.BOARD_MEMBER),
        "region_board": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N57"),
        "board_elsewhere": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N56ESXN"),
        "commissioner": lambda: made.commissioner,
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR),
        "finance": lambda: factories.make_area_staff(Role.FINANCE),
        "lead": lambda: made.provider,
        "other_provider": lambda: factories.make_provider(),
        "admin": lambda: factories.make_user(admin=True),
    }[who]()


@pytest.mark.parametrize(
    "who, read, rate",
    [
        ("board", 200, 302),
        ("region_board", 200, 302),
        ("board_elsewhere", 404, 404),
        ("commissioner", 200, 403),
        ("evaluator", 404, 404),
        ("finance", 200, 403),
        ("lead", 200, 403),
        ("other_provider", 404, 404),
        ("admin", 404, 404),
    ],
)
def test_who_may_read_and_rate(client, made, who, read, rate):
    url = f"/contracts/{made.contract.id}/reviews"
    browser = _as(client, _user(who, made))
    assert browser.get(url).status_code == read
    response = post_form(
        browser, url, {"period": str(_this_year()), "rating": "good", "comment": "Fine."}, from_url="/"
    )
    assert response.status_code == rate
    assert count(PartnershipReview) == (1 if rate == 302 else 0)
    assert client.application.test_client().get(url).status_code == 302  # signed out: to sign in


@pytest.mark.parametrize(
    "who, status",
    [
        ("board", 403),
        ("commissioner", 302),
        ("lead", 302),
        ("finance", 403),
        ("evaluator", 404),
        ("other_provider", 404),
    ],
)
def test_who_may_answer_a_rating(client, made, who, status):
    review = reviews.rate(
        made.contract,
        period=str(_this_year()),
        rating="good",
        comment="Fine.",
        actor=factories.make_area_staff(Role.BOARD_MEMBER),
    )
    db.session.flush()
    browser = _as(client, _user(who, made))
    response = post_form(
        browser, f"/reviews/{review.id}/responses", {f"review-{review.id}-text": "Noted."}, from_url="/"
    )
    assert response.status_code == status
    assert count(ReviewResponse) == (1 if status == 302 else 0)


def test_the_areas_partnerships_with_this_years_ratings(client, made):
    area = made.contract.need.area
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    page = page_text(board.get(f"/areas/{area.id}/partnerships"))
    assert made.contract.title in page and "Rate<span" in page
    reviews.rate(
        made.contract,
        period=str(_this_year()),
        rating="requires_improvement",
        comment="Late reports.",
        actor=factories.make_area_staff(Role.BOARD_MEMBER),
    )
    db.session.flush()
    counts = rating_counts((area.id,), _this_year())
    assert counts == {
        Rating.GOOD: 0,
        Rating.APPROACHING_TARGET: 0,
        Rating.REQUIRES_IMPROVEMENT: 1,
        Rating.INADEQUATE: 0,
    }
    page = page_text(board.get(f"/areas/{area.id}/partnerships"))
    assert "Requires improvement" in page and "Rate<span" not in page
    # A year before it ran: nothing listed.
    assert "No partnerships ran in this year" in page_text(
        board.get(f"/areas/{area.id}/partnerships?year={_this_year() - 3}")
    )
    for bad in ("abc", "1900", str(_this_year() + 1), "2026-27"):
        response = board.get(f"/areas/{area.id}/partnerships?year={bad}")
        assert response.status_code == 400 and "Choose a financial year" in page_text(response)
    # The region's board sees its delivery units' partnerships too.
    region = _as(client, factories.make_area_staff(Role.BOARD_MEMBER, "N57"))
    assert made.contract.title in page_text(region.get(f"/areas/{area.parent_id}/partnerships"))


@pytest.mark.parametrize(
    "who, status",
    [
        ("board", 200),
        ("commissioner", 200),
        ("board_elsewhere", 403),
        ("finance", 403),
        ("lead", 403),
        ("evaluator", 403),
    ],
)
def test_who_may_list_the_areas_partnerships(client, made, who, status):
    browser = _as(client, _user(who, made))
    assert browser.get(f"/areas/{made.contract.need.area_id}/partnerships").status_code == status


def test_nothing_is_told_about_a_contract_that_does_not_exist(client, made):
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    assert board.get("/contracts/999999/reviews").status_code == 404
    assert post_form(board, "/contracts/999999/reviews", {}, from_url="/").status_code == 404
    assert board.get("/areas/999999/partnerships").status_code == 404


def test_the_year_runs_april_to_march_in_london(made):
    contract = made.contract
    contract.starts_on, contract.ends_on = date(2026, 3, 1), date(2026, 9, 1)
    db.session.flush()
    assert [d.key for d in reviews.due(contract, date(2026, 3, 31))] == ["2025"]
    assert [d.key for d in reviews.due(contract, date(2026, 4, 1))] == ["2026", "2025"]
    assert [d.label for d in reviews.due(contract, date(2026, 4, 1))] == [
        "The year April 2026 to March 2027",
        "The year April 2025 to March 2026",
    ]


def test_two_simultaneous_answers_from_one_side_keep_the_first(made, monkeypatch):
    review = reviews.rate(
        made.contract,
        period=str(_this_year()),
        rating="good",
        comment="Fine.",
        actor=factories.make_area_staff(Role.BOARD_MEMBER),
    )
    reviews.respond(review, text="First.", actor=made.provider)
    # The second request read the review before the first answer was saved.
    monkeypatch.setattr(PartnershipReview, "response_of", lambda self, side: None)
    with pytest.raises(reviews.ReviewError, match="has just answered"):
        reviews.respond(review, text="Second.", actor=made.provider)
    assert [r.text for r in db.session.query(ReviewResponse)] == ["First."]


def test_a_long_list_of_partnerships_is_paged(client, made, monkeypatch):
    from marketplace.board import routes_reviews

    other = factories.make_contract()
    monkeypatch.setattr(routes_reviews, "PER_PAGE", 1)
    board = _as(client, factories.make_area_staff(Role.BOARD_MEMBER))
    area_id = made.contract.need.area_id
    first = page_text(board.get(f"/areas/{area_id}/partnerships"))
    assert (
        ">2 partnerships<" in first and f'href="/areas/{area_id}/partnerships?page=2&amp;year={_this_year()}"' in first
    )
    second = page_text(board.get(f"/areas/{area_id}/partnerships?page=2"))
    titles = {made.contract.title, other.contract.title}
    assert sum(t in first for t in titles) == 1 and sum(t in second for t in titles) == 1


def test_the_board_members_home_shows_the_year_so_far_and_what_is_left_to_rate(client, made):
    board_user = factories.make_area_staff(Role.BOARD_MEMBER)
    area = made.contract.need.area
    year_so_far = glance(area, utcnow())
    assert (year_so_far.unrated, year_so_far.shares.spend_pence, year_so_far.timeliness.overdue_now) == (1, 0, 0)
    assert glance(area.parent, utcnow()).unrated == 1  # the region counts its delivery units'
    board = _as(client, board_user)
    home = page_text(board.get("/"))
    assert "this year so far" in home and "Partnerships to rate for the year" in home
    assert f'href="/areas/{area.id}/partnerships"' in home
    reviews.rate(made.contract, period=str(_this_year()), rating="good", comment="Fine.", actor=board_user)
    db.session.flush()
    assert glance(area, utcnow()).unrated == 0
    assert glance(area.parent, utcnow()).unrated == 0
    made.contract.starts_on = london_date(utcnow()) + timedelta(days=1)
    db.session.flush()
    assert glance(area, utcnow()).unrated == 0  # not started yet: nothing to rate
