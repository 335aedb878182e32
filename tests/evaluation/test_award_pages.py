"""The award through HTTP: the commissioner decides a lot from its ranking, a board member
signs off a decision over the threshold (or refuses it, and the commissioner decides
again), and every bidder reads its own assessment summary, never another's."""

import html
import re
from datetime import datetime

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.evaluation import award, ranking, summaries
from marketplace.evaluation.models import AssessmentSummary, AwardDecision
from marketplace.extensions import db
from marketplace.needs.models import NeedStatus, Procedure
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import london, utcnow

from .. import factories
from ..helpers import count, error_summary, post_form, sign_in
from ..helpers import page_text as raw_page_text


def page_text(response) -> str:
    """The page's HTML with entities decoded (names with apostrophes, like 'bid's')."""
    return html.unescape(raw_page_text(response))


NAMES = ("Alder Womens Trust", "Birch Mentoring CIC", "Cedar Outreach")


def signed_in_as(client, user):
    """Sign out whoever is signed in, then sign `user` in (None: stay signed out)."""
    if client.get("/sign-in").status_code == 302:
        post_form(client, "/sign-out", from_url="/")
    if user is not None:
        response = sign_in(client, user.email)
        assert response.status_code == 302, page_text(response)
    return user


def token_page(user) -> str:
    return "/" if user is not None else "/sign-in"


def make_scored(*, threshold_pence: int | None = None, close: bool = True):
    """Three bids on one lot, scored 4, 3 and 2 (ranked in that order), moderation closed;
    the area's sign-off threshold set when given."""
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000, 4_800_000))
    for bid, name in zip(ev.bids, NAMES, strict=True):
        bid.organisation.name = name
    factories.score_all(ev, {0: 4, 1: 3, 2: 2}, close=close)
    if threshold_pence is not None:
        ev.need.area.sign_off_threshold_pence = threshold_pence
    ev.board = factories.make_area_staff(Role.BOARD_MEMBER)
    db.session.commit()
    return ev


def people(ev) -> dict:
    return {
        "anonymous": None,
        "provider": factories.make_provider(),
        "lead": ev.providers[0],
        "other_bidder": ev.providers[1],
        "commissioner": ev.commissioner,
        "other_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "evaluator": ev.evaluators[0],
        "board": ev.board,
        "other_board": factories.make_area_staff(Role.BOARD_MEMBER, "N07"),
        "admin": factories.make_user(admin=True),
    }


def award_url(ev) -> str:
    return f"/needs/{ev.need.id}/lots/{ev.lot.id}/award"


def decide(client, ev, choice, reasons="The highest score, with a credible plan."):
    return post_form(client, award_url(ev), {"bid_id": choice, "reasons": reasons}, from_url=award_url(ev))


@pytest.fixture
def ev(db_session):
    return make_scored()


# Who may -------------------------------------------------------------------------------------


def test_award_page_role_table(client, ev):
    everyone = people(ev)
    db.session.commit()
    url = award_url(ev)
    for name, user in everyone.items():
        signed_in_as(client, user)
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        else:
            assert response.status_code == (200 if name in ("commissioner", "board") else 403), name
        if name == "board":
            assert "Decide the award" not in page_text(response) and NAMES[0] in page_text(response)
        if name == "commissioner":
            assert f"Award to {NAMES[0]}" in page_text(response)
        if name == "commissioner":
            continue
        response = post_form(client, url, {"bid_id": str(ev.bids[0].id), "reasons": "Mine."}, from_url=token_page(user))
        assert response.status_code == (302 if user is None else 403), name
    assert count(AwardDecision) == 0
    # A lot of another need: 404.
    other = factories.make_evaluation()
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    assert client.get(f"/needs/{ev.need.id}/lots/{other.lot.id}/award").status_code == 404
    assert client.get(f"/needs/{ev.need.id}/lots/999999/award").status_code == 404


def test_the_award_page_shows_ranking_choices_and_whether_sign_off_is_needed(client, ev):
    signed_in_as(client, ev.commissioner)
    rows = ranking.ranking(ev.lot)
    html = page_text(client.get(award_url(ev)))
    for row in rows:
        assert f"Award to {row.bid.organisation.name}: {row.total_2dp} points, ranked {row.rank}" in html
    assert "Do not award this lot" in html
    assert "No board sign-off is needed" in html
    ev.need.area.sign_off_threshold_pence = 1_000_000
    db.session.commit()
    html = page_text(client.get(award_url(ev)))
    assert "an award takes effect only when a board member approves it" in html


# Bad input -----------------------------------------------------------------------------------


def test_missing_choice_or_reasons_is_an_error_with_input_kept(client, ev):
    signed_in_as(client, ev.commissioner)
    client.get(award_url(ev))  # the first visit checks the bids for abnormally low prices (audited once)
    assert count(AuditEvent, AuditEvent.action == "need.bids_checked") == 1
    events = count(AuditEvent)
    response = decide(client, ev, str(ev.bids[0].id), reasons="  ")
    assert response.status_code == 400
    assert error_summary(response) == ["Enter the reasons for the decision"]
    response = post_form(client, award_url(ev), {"reasons": "Kept reasons."}, from_url=award_url(ev))
    assert response.status_code == 400
    assert error_summary(response) == ["Select the bid to award the lot to, or that the lot is not awarded"]
    assert "Kept reasons." in page_text(response)
    response = decide(client, ev, "12345")  # not a choice (a crafted POST)
    assert response.status_code == 400
    response = decide(client, ev, str(ev.bids[0].id), reasons="word " * 501)
    assert response.status_code == 400 and error_summary(response) == ["The reasons must be 500 words or fewer"]
    assert count(AwardDecision) == 0 and count(AuditEvent) == events


def test_awarding_before_moderation_closed_is_refused(client, db_session):
    ev = make_scored(close=False)
    signed_in_as(client, ev.commissioner)
    html = page_text(client.get(award_url(ev)))
    assert "Close moderation of this lot first" in html
    response = decide(client, ev, str(ev.bids[0].id), reasons="Best plan.")
    assert response.status_code == 400
    assert error_summary(response) == ["Close moderation of this lot first"]
    assert "Best plan." in page_text(response)
    assert count(AwardDecision) == 0


@pytest.mark.parametrize("agreed", [True, False], ids=["scores agreed", "scores not agreed"])
def test_awarding_while_moderation_is_open_says_close_moderation_first(client, db_session, agreed):
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000))
    factories.score_all(ev, agree=agreed, close=False)
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    moderation = f"/needs/{ev.need.id}/evaluation#lot-{ev.lot.number}"
    html = page_text(client.get(award_url(ev)))
    assert f'<a class="govuk-link" href="{moderation}">Close moderation of this lot first</a>' in html
    # No bid chosen (without agreed scores there is none to choose): not "Select the bid to award".
    response = post_form(client, award_url(ev), {"reasons": "Best plan."}, from_url=award_url(ev))
    assert response.status_code == 400
    assert error_summary(response) == ["Close moderation of this lot first"]
    html = page_text(response)
    assert f'href="{moderation}">Close moderation of this lot first</a>' in html.split("govuk-error-summary__list")[1]
    assert re.search(
        r'id="bid_id-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span> Close moderation of this lot first',
        html,
    )
    assert "<title>Error: Award lot 1" in html
    assert "Best plan." in html
    # No bid is offered until moderation closes; one sent anyway is told the same.
    assert "Award to " not in html and "Do not award this lot" in html
    response = decide(client, ev, str(ev.bids[0].id), reasons="")
    assert response.status_code == 400
    assert error_summary(response) == ["Close moderation of this lot first", "Enter the reasons for the decision"]
    assert count(AwardDecision) == 0
    assert count(AuditEvent, AuditEvent.action == "award.decided") == 0


def test_awarding_with_an_unresolved_low_flag_is_refused(client, ev):
    flagged = ev.bids[2]
    flagged.low_flagged_at = utcnow()
    flagged.low_flag_reason = "Much lower than the others"
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    html = page_text(client.get(award_url(ev)))
    assert f"Resolve the abnormally low bid from {NAMES[2]} first" in html
    assert f"/needs/{ev.need.id}/evaluation/bids/{flagged.id}/abnormally-low" in html
    response = decide(client, ev, str(ev.bids[0].id), reasons="Best value.")
    assert response.status_code == 400
    assert error_summary(response) == [f"Resolve the abnormally low bid from {NAMES[2]} first"]
    assert "Best value." in page_text(response)
    assert count(AwardDecision) == 0
    assert count(AuditEvent, AuditEvent.action == "award.decided") == 0


# Sign-off ---------------------------------------------------------------------------------


def test_over_the_threshold_the_board_approves_and_every_bidder_gets_its_summary(client, db_session):
    ev = make_scored(threshold_pence=1_000_000)
    rows = ranking.ranking(ev.lot)
    totals = [str(r.total_2dp) for r in rows]
    signed_in_as(client, ev.commissioner)
    response = decide(client, ev, str(ev.bids[0].id))
    assert response.status_code == 302
    decision = award.current_decision(ev.lot)
    assert decision.is_waiting_for_sign_off
    assert count(AssessmentSummary) == 0
    board_mail = db.session.query(OutboxEmail).filter(OutboxEmail.to == ev.board.email).one()
    assert f"/sign-offs/{decision.id}" in board_mail.body
    html = page_text(client.get(award_url(ev)))
    assert "Waiting for a board member's sign-off" in html

    # Deciding again while it waits is refused, nothing written.
    response = post_form(client, award_url(ev), {"bid_id": "none", "reasons": "Changed my mind."}, from_url="/")
    assert response.status_code == 400
    assert error_summary(response) == ["A decision on this lot is waiting for a board member's sign-off"]
    assert "Changed my mind." in page_text(response)
    assert count(AwardDecision) == 1

    # The commissioner cannot sign off its own decision; a board member of another area cannot see it.
    url = f"/sign-offs/{decision.id}"
    assert client.get(url).status_code == 200
    assert "Do you approve this decision?" not in page_text(client.get(url))
    assert post_form(client, url, {"decision": "approve"}, from_url="/").status_code == 403
    other_board = factories.make_area_staff(Role.BOARD_MEMBER, "N07")
    provider = factories.make_provider()
    db.session.commit()
    for outsider in (other_board, provider, ev.providers[0], ev.evaluators[0], factories.make_user(admin=True)):
        db.session.commit()
        signed_in_as(client, outsider)
        assert client.get(url).status_code == 403
        assert post_form(client, url, {"decision": "approve"}, from_url="/").status_code == 403
    signed_in_as(client, other_board)
    assert "No decisions are waiting" in page_text(client.get("/sign-offs"))
    signed_in_as(client, provider)
    assert client.get("/sign-offs").status_code == 403
    signed_in_as(client, ev.commissioner)
    assert client.get("/sign-offs").status_code == 403

    signed_in_as(client, ev.board)
    listing = page_text(client.get("/sign-offs"))
    assert f"{ev.need.title}, lot 1" in listing and url in listing
    page = client.get(url)
    html = page_text(page)
    assert "£50,000" in html and "£10,000" in html  # lot value and threshold
    for total in totals:
        assert total in html
    assert f"/needs/{ev.need.id}/evaluation/lots/{ev.lot.id}/ranking" in html
    response = post_form(client, url, {"comment": "Fine."}, from_url=url)
    assert response.status_code == 400
    assert error_summary(response) == ["Select whether you approve the decision"]
    response = post_form(client, url, {"decision": "approve", "comment": "Well evidenced."}, from_url=url)
    assert response.status_code == 302
    db.session.refresh(decision)
    assert decision.signed_off_at is not None and decision.sign_off_comment == "Well evidenced."
    # Read-only now, and a second POST changes nothing.
    html = page_text(client.get(url))
    assert "This decision is not waiting for sign-off" in html and "Do you approve" not in html
    assert post_form(client, url, {"decision": "refuse", "comment": "No."}, from_url=url).status_code == 302
    db.session.refresh(decision)
    assert decision.refused_at is None

    # Every bidder has its summary, and every member of every bidder was emailed.
    for bid, provider_user in zip(ev.bids, ev.providers, strict=True):
        assert count(AssessmentSummary, AssessmentSummary.bid_id == bid.id) == 1
        mail = (
            db.session.query(OutboxEmail)
            .filter(OutboxEmail.to == provider_user.email, OutboxEmail.subject.like("The outcome of your bid%"))
            .one()
        )
        assert f"/bids/{bid.id}/summary" in mail.body
    assert count(OutboxEmail, OutboxEmail.to == ev.commissioner.email, OutboxEmail.subject.like("Approved:%")) == 1
    db.session.refresh(ev.need)
    assert ev.need.status == NeedStatus.AWARDED

    # The loser reads its own summary and the winner's totals, never the other loser's.
    signed_in_as(client, ev.providers[1])
    response = client.get(f"/bids/{ev.bids[1].id}/summary")
    assert response.status_code == 200
    html = page_text(response)
    assert "Your bid did not win" in html
    assert totals[1] in html and totals[0] in html and NAMES[0] in html
    assert NAMES[2] not in html and totals[2] not in html
    assert "The panel agreed." in html  # its own rationale
    standstill = decision.standstill_ends_at
    assert standstill is None or london(standstill) in html
    summary = summaries.summaries_for(ev.bids[1])[0]
    assert london(summary.sent_at) in html
    assert client.get(f"/bids/{ev.bids[2].id}/summary").status_code == 404
    assert client.get(f"/bids/{ev.bids[0].id}/summary").status_code == 404
    # The winner reads that it won; the commissioner and the board read every summary.
    signed_in_as(client, ev.providers[0])
    assert "Your bid won" in page_text(client.get(f"/bids/{ev.bids[0].id}/summary"))
    for reader in (ev.commissioner, ev.board):
        signed_in_as(client, reader)
        assert client.get(f"/bids/{ev.bids[2].id}/summary").status_code == 200
    for outsider in (ev.evaluators[0], other_board, factories.make_user(admin=True)):
        db.session.commit()
        signed_in_as(client, outsider)
        assert client.get(f"/bids/{ev.bids[1].id}/summary").status_code == 404
    signed_in_as(client, None)
    assert client.get(f"/bids/{ev.bids[1].id}/summary").status_code == 302


@pytest.mark.clock
def test_summary_shows_the_standstill_end_in_london_time(client, db_session):
    ev = make_scored()
    ev.need.procedure = Procedure.CONTRACT
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    assert decide(client, ev, str(ev.bids[0].id)).status_code == 302
    decision = award.current_decision(ev.lot)
    assert decision.standstill_ends_at is not None
    stored = summaries.summaries_for(ev.bids[1])[0].content["standstill_ends_at"]
    assert datetime.fromisoformat(stored) == decision.standstill_ends_at
    signed_in_as(client, ev.providers[1])
    html = page_text(client.get(f"/bids/{ev.bids[1].id}/summary"))
    assert f"No contract will be made before standstill ends at {london(decision.standstill_ends_at)}" in html
    assert "11:59pm" in html


def test_a_refused_decision_stays_in_the_history_and_the_commissioner_decides_again(client, db_session):
    ev = make_scored(threshold_pence=1_000_000)
    signed_in_as(client, ev.commissioner)
    assert decide(client, ev, str(ev.bids[0].id)).status_code == 302
    decision = award.current_decision(ev.lot)
    signed_in_as(client, ev.board)
    url = f"/sign-offs/{decision.id}"
    response = post_form(client, url, {"decision": "refuse", "comment": ""}, from_url=url)
    assert response.status_code == 400
    assert error_summary(response) == ["Enter why you do not approve the decision"]
    db.session.refresh(decision)
    assert decision.is_waiting_for_sign_off
    response = post_form(
        client, url, {"decision": "refuse", "comment": "The reasons do not explain the price."}, from_url=url
    )
    assert response.status_code == 302
    db.session.refresh(decision)
    assert decision.refusal_reason == "The reasons do not explain the price."
    assert count(AssessmentSummary) == 0
    mail = (
        db.session.query(OutboxEmail)
        .filter(OutboxEmail.to == ev.commissioner.email, OutboxEmail.subject.like("Not approved:%"))
        .one()
    )
    assert "The reasons do not explain the price." in mail.body

    signed_in_as(client, ev.commissioner)
    html = page_text(client.get(award_url(ev)))
    assert "Decisions not approved" in html and "The reasons do not explain the price." in html
    assert "Decide the award" in html
    assert decide(client, ev, "none", reasons="Not value for money.").status_code == 302
    current = award.current_decision(ev.lot)
    assert current.id != decision.id and current.is_effective
    assert count(AssessmentSummary) == 3
    signed_in_as(client, ev.providers[0])
    assert "The lot was not awarded" in page_text(client.get(f"/bids/{ev.bids[0].id}/summary"))


def test_awarding_a_bid_not_ranked_first_never_tells_the_first_it_scored_lower(client, ev):
    rows = ranking.ranking(ev.lot)
    signed_in_as(client, ev.commissioner)
    assert decide(client, ev, str(ev.bids[1].id), reasons="Only bidder with premises in the area.").status_code == 302
    signed_in_as(client, ev.providers[0])
    html_ = page_text(client.get(f"/bids/{ev.bids[0].id}/summary"))
    assert f"Your total of {rows[0].total_2dp} points was higher than the winning bid's {rows[1].total_2dp}." in html_
    assert "Only bidder with premises in the area." in html_
    signed_in_as(client, ev.providers[1])
    html_ = page_text(client.get(f"/bids/{ev.bids[1].id}/summary"))
    assert "Your bid won" in html_ and "Your bid was chosen." in html_ and "highest total" not in html_
