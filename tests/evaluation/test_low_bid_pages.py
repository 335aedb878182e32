"""Abnormally low bids through HTTP: the commissioner asks the bidder to explain (by a
date at least 2 working days away), the bidder's lead explains, the commissioner accepts
the explanation or rejects the bid. Who sees what, bad input, and nothing written on
a refusal."""

import html
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import parties
from marketplace.evaluation import low_bids, timing
from marketplace.evaluation.models import LowBidOutcome, LowBidReview
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import london, london_date, utcnow

from .. import factories
from ..helpers import count, error_summary, post_form, sign_in
from ..helpers import page_text as raw_page_text

pytestmark = pytest.mark.clock


def page_text(response) -> str:
    """The page's HTML with entities decoded (names with apostrophes, like 'bid's')."""
    return html.unescape(raw_page_text(response))


FLAG = "£20,000 is 52% below the median of the other bids on this lot (£42,000)"


def _as(client, user):
    if client.get("/sign-in").status_code == 302:
        post_form(client, "/sign-out", from_url="/")
    if user is not None:
        response = sign_in(client, user.email)
        assert response.status_code == 302, page_text(response)
    return user


@pytest.fixture
def ev(db_session):
    ev = factories.make_evaluation(prices=(2_000_000, 4_000_000, 4_500_000))
    flagged = ev.bids[0]
    flagged.low_flagged_at = utcnow()
    flagged.low_flag_reason = FLAG
    ev.flagged = flagged
    # A consortium partner of the flagged bid.
    ev.partner = factories.make_provider()
    partner_org = ev.partner.organisations[0]
    from marketplace.bids.models import BidPartner

    db.session.add(
        BidPartner(
            bid=flagged,
            lot_id=flagged.lot_id,
            organisation_id=partner_org.id,
            work_percent=20,
            price_percent=20,
            confirmed_at=utcnow(),
            invited_by_id=ev.providers[0].id,
        )
    )
    ev.board = factories.make_area_staff(Role.BOARD_MEMBER)
    db.session.commit()
    return ev


def _urls(ev):
    base = f"/needs/{ev.need.id}/evaluation/bids/{ev.flagged.id}/abnormally-low"
    return base, base + "/request", base + "/decision"


def _date(day):
    return {"respond_by": [str(day.day), str(day.month), str(day.year)]}


def _request(client, ev, day=None, text="Show how you pay staff at this price.", **kwargs):
    page, request_url, _ = _urls(ev)
    day = day or timing.earliest_respond_by(utcnow())
    return post_form(client, request_url, {"request": text, **_date(day)}, from_url=page, **kwargs)


def _people(ev):
    return {
        "anonymous": None,
        "provider": factories.make_provider(),
        "lead": ev.providers[0],
        "partner": ev.partner,
        "other_bidder": ev.providers[1],
        "commissioner": ev.commissioner,
        "other_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "evaluator": ev.evaluators[0],
        "board": ev.board,
        "other_board": factories.make_area_staff(Role.BOARD_MEMBER, "N07"),
        "admin": factories.make_user(admin=True),
    }


# Who may -------------------------------------------------------------------------------------


def test_who_sees_the_commissioners_page_and_who_may_ask(client, ev):
    people = _people(ev)
    db.session.commit()
    page, request_url, decide_url = _urls(ev)
    expected = {"commissioner": 200, "board": 200}
    for name, user in people.items():
        _as(client, user)
        response = client.get(page)
        if user is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], name
            continue
        assert response.status_code == expected.get(name, 403), name
        if name == "commissioner":
            assert FLAG in page_text(response) and "Ask the bidder to explain" in page_text(response)
        if name == "board":
            assert FLAG in page_text(response)
            assert "Ask the bidder to explain" not in page_text(response)
            assert "Only the commissioner can" in page_text(response)
    # Only the commissioner may ask or decide: everyone else's POST is refused.
    for name, user in people.items():
        token_page = "/" if user is not None else "/sign-in"
        if name == "commissioner":
            continue
        _as(client, user)
        for url in (request_url, decide_url):
            day = timing.earliest_respond_by(utcnow())
            response = post_form(
                client,
                url,
                {"request": "Explain", **_date(day), "outcome": "reject", "reason": "x"},
                from_url=token_page,
            )
            if user is None:
                assert response.status_code == 302 and "/sign-in" in response.headers["Location"], name
            else:
                assert response.status_code == 403, (name, url)
    assert count(LowBidReview) == 0


def test_ids_that_do_not_belong_together_are_404(client, ev):
    other = factories.make_evaluation()
    unflagged = ev.bids[1]
    db.session.commit()
    _as(client, ev.commissioner)
    assert client.get(f"/needs/{other.need.id}/evaluation/bids/{ev.flagged.id}/abnormally-low").status_code in (
        403,
        404,
    )
    assert client.get(f"/needs/{ev.need.id}/evaluation/bids/{unflagged.id}/abnormally-low").status_code == 404
    assert client.get(f"/needs/{ev.need.id}/evaluation/bids/999999/abnormally-low").status_code == 404
    assert client.get(f"/needs/999999/evaluation/bids/{ev.flagged.id}/abnormally-low").status_code == 404
    # The other need's own commissioner cannot reach this bid through its need either.
    _as(client, other.commissioner)
    assert client.get(f"/needs/{other.need.id}/evaluation/bids/{ev.flagged.id}/abnormally-low").status_code == 404


# Asking ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "boxes, message",
    [
        (["31", "2", "2030"], "The date to respond by must be a real date"),
        (["aa", "bb", "cccc"], "The date to respond by must be a real date"),
        (["", "", ""], "Enter the date to respond by"),
        (["1", "", "2030"], "The date to respond by must include a month"),
        (["1", "1", "2020"], "The date to respond by must be in the future"),
        (["1", "1", "30"], "Year must include 4 numbers"),
    ],
)
def test_bad_dates_are_refused_by_the_field(client, ev, boxes, message):
    _as(client, ev.commissioner)
    page, request_url, _ = _urls(ev)
    events = count(AuditEvent)
    response = post_form(
        client, request_url, {"request": "Explain your staffing costs.", "respond_by": boxes}, from_url=page
    )
    assert response.status_code == 400
    assert error_summary(response) == [message]
    html = page_text(response)
    assert "Explain your staffing costs." in html  # input kept
    assert count(LowBidReview) == 0 and count(AuditEvent) == events


def test_a_date_too_soon_names_the_earliest_and_missing_text_is_an_error(client, ev):
    _as(client, ev.commissioner)
    now = utcnow()
    earliest = timing.earliest_respond_by(now)
    tomorrow = london_date(now) + timedelta(days=1)
    page_html = page_text(client.get(_urls(ev)[0]))
    assert f"{earliest.day} {earliest:%B %Y} or later" in page_html
    if tomorrow < earliest:
        response = _request(client, ev, day=tomorrow)
        assert response.status_code == 400
        assert error_summary(response) == [
            f"Give the bidder at least 2 working days: the date must be {earliest.day} {earliest:%B %Y} or later"
        ]
    response = _request(client, ev, text="   ")
    assert response.status_code == 400
    assert error_summary(response) == ["Enter what the bidder should explain"]
    response = _request(client, ev, text="word " * 501)
    assert response.status_code == 400
    assert error_summary(response) == ["The request must be 500 words or fewer"]
    response = _request(client, ev, day=london_date(now) + timedelta(days=90))
    assert error_summary(response) == ["The date must be within 60 days"]
    assert count(LowBidReview) == 0
    assert count(AuditEvent, AuditEvent.action == "low_bid.explanation_requested") == 0


# The whole journey ----------------------------------------------------------------------------


def test_request_then_explain_then_accept(client, ev):
    page, request_url, decide_url = _urls(ev)
    _as(client, ev.commissioner)
    response = _request(client, ev)
    assert response.status_code == 302
    review = low_bids.review_of(ev.flagged)
    assert review.request == "Show how you pay staff at this price."
    # The lead and the partner are emailed, with a link to the explanation page.
    for user in (ev.providers[0], ev.partner):
        email = (
            db.session.query(OutboxEmail)
            .filter(OutboxEmail.to == user.email, OutboxEmail.subject.like("Explain your price%"))
            .one()
        )
        assert f"/bids/{ev.flagged.id}/explanation" in email.body
    assert count(OutboxEmail, OutboxEmail.to == ev.providers[1].email, OutboxEmail.subject.like("Explain%")) == 0
    html = page_text(client.get(page))
    assert london(review.respond_by) in html and "Not sent yet" in html

    # Deciding before the bidder answered or its time passed is refused, nothing written.
    response = post_form(client, decide_url, {"outcome": "accept", "reason": "Fine."}, from_url=page)
    assert response.status_code == 400
    assert error_summary(response) == [f"Wait for the bidder's explanation: it has until {london(review.respond_by)}"]
    assert "Fine." in page_text(response)
    db.session.refresh(review)
    assert review.decided_at is None

    # The explanation page: the partner reads it but cannot send; another bidder never sees it.
    url = f"/bids/{ev.flagged.id}/explanation"
    _as(client, ev.providers[1])
    assert client.get(url).status_code == 404
    assert post_form(client, url, {"response": "x"}, from_url="/").status_code == 404
    for outsider in (ev.commissioner, factories.make_provider()):
        db.session.commit()
        _as(client, outsider)
        assert client.get(url).status_code == 404
    _as(client, ev.partner)
    response = client.get(url)
    assert response.status_code == 200
    assert "Show how you pay staff at this price." in page_text(response)
    assert "which leads the bid, can send the explanation" in page_text(response)
    assert post_form(client, url, {"response": "We have volunteers."}, from_url=url).status_code == 403

    _as(client, ev.providers[0])
    response = client.get(url)
    assert 'data-maxwords="500"' in page_text(response)
    response = post_form(client, url, {"response": ""}, from_url=url)
    assert response.status_code == 400 and error_summary(response) == ["Enter your explanation"]
    response = post_form(client, url, {"response": "word " * 501}, from_url=url)
    assert response.status_code == 400 and error_summary(response) == ["Your explanation must be 500 words or fewer"]
    db.session.refresh(review)
    assert review.responded_at is None
    response = post_form(
        client, url, {"response": "Our premises are donated and we use trained volunteers."}, from_url=url
    )
    assert response.status_code == 302
    db.session.refresh(review)
    assert review.response == "Our premises are donated and we use trained volunteers."
    assert (
        count(OutboxEmail, OutboxEmail.to == ev.commissioner.email, OutboxEmail.subject.like("Explanation received%"))
        == 1
    )
    # Only once.
    response = post_form(client, url, {"response": "Again."}, from_url=url)
    assert response.status_code == 400 and error_summary(response) == ["You have already sent your explanation"]

    _as(client, ev.commissioner)
    assert "Our premises are donated" in page_text(client.get(page))
    response = post_form(client, decide_url, {"outcome": "accept", "reason": ""}, from_url=page)
    assert response.status_code == 400 and error_summary(response) == ["Enter the reasons for your decision"]
    response = post_form(client, decide_url, {"reason": "Credible."}, from_url=page)
    assert response.status_code == 400
    assert error_summary(response) == ["Select whether you accept the explanation or reject the bid"]
    assert "Credible." in page_text(response)
    response = post_form(
        client, decide_url, {"outcome": "accept", "reason": "Credible: donated premises."}, from_url=page
    )
    assert response.status_code == 302
    db.session.refresh(review)
    assert review.outcome == LowBidOutcome.ACCEPTED
    html = page_text(client.get(page))
    assert "Explanation accepted" in html and "Credible: donated premises." in html
    assert count(AuditEvent, AuditEvent.action == "low_bid.decided") == 1
    # The board reads the outcome.
    _as(client, ev.board)
    assert "Explanation accepted" in page_text(client.get(page))


def test_after_the_window_the_bidder_cannot_explain_and_the_commissioner_may_reject(client, ev):
    page, _, decide_url = _urls(ev)
    review = low_bids.request_explanation(
        ev.flagged, request="Explain.", respond_by=timing.earliest_respond_by(utcnow()), actor=ev.commissioner
    )
    review.requested_at = utcnow() - timedelta(days=10)
    review.respond_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    url = f"/bids/{ev.flagged.id}/explanation"
    _as(client, ev.providers[0])
    html = page_text(client.get(url))
    assert "The time to explain has passed" in html and "Send your explanation" not in html
    response = post_form(client, url, {"response": "Late words."}, from_url=url)
    assert response.status_code == 400
    assert error_summary(response) == ["The time to explain this bid's price has passed"]
    db.session.refresh(review)
    assert review.response is None

    _as(client, ev.commissioner)
    assert "None: the time to explain has passed" in page_text(client.get(page))
    response = post_form(
        client, decide_url, {"outcome": "reject", "reason": "No explanation was given."}, from_url=page
    )
    assert response.status_code == 302
    db.session.refresh(review)
    assert review.outcome == LowBidOutcome.REJECTED
    assert low_bids.is_rejected(ev.flagged)
    # Nothing more to decide.
    response = post_form(client, decide_url, {"outcome": "accept", "reason": "Changed my mind."}, from_url=page)
    assert response.status_code == 302
    db.session.refresh(review)
    assert review.outcome == LowBidOutcome.REJECTED


def test_no_explanation_page_before_one_is_asked(client, ev):
    _as(client, ev.providers[0])
    assert client.get(f"/bids/{ev.flagged.id}/explanation").status_code == 404
    assert parties.leads(ev.providers[0], ev.flagged)
