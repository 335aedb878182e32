"""The closing time counts against when a submission reached us, not when it was handled:
a bid sent before the closing time counts however long it then waited for a thread and
the need's lock; one sent at or after it is refused, with the draft kept. The same for
withdrawing. Fixed clocks: each need here closed at midday on 4 March 2026 (its bids
were drafted while it was open), and the times of arrival are given explicitly, to the
services as `now=` and to the views as the app's arrival stamp or a load balancer's
X-Request-Start. (Real concurrent requests racing the lock: tests/bids/test_concurrency.py.)"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace import arrival
from marketplace.audit.models import AuditEvent
from marketplace.bids import closing, drafting, errors, lifecycle, submission
from marketplace.bids.models import Bid, BidRevision, BidState
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.timeutil import LONDON

from .. import factories
from ..helpers import count, csrf_token, error_summary, page_text

CLOSES = datetime(2026, 3, 4, 12, 0, tzinfo=LONDON).astimezone(UTC)
BEFORE = CLOSES - timedelta(seconds=0.4)  # 11:59:59.6am
RECEIVED = "11:59:59.6am on 4 March 2026 (the time your submission reached our servers, which is the time that counts against the closing time)"


@pytest.fixture
def need(db_session):
    return factories.make_need(lots=(5_000_000,), title="Women's centre support")


@pytest.fixture
def provider(db_session):
    return factories.make_provider(
        organisation=factories.make_organisation("Thanet Women's Project"), name="Priya Provider"
    )


def _closed_at_midday(need) -> None:
    """The need was published in February and closed at midday on 4 March 2026."""
    need.published_at = datetime(2026, 2, 2, 9, 0, tzinfo=LONDON)
    need.question_deadline = datetime(2026, 2, 25, 12, 0, tzinfo=LONDON)
    need.closes_at = CLOSES
    db.session.commit()  # a savepoint in the tests: a refused change rolled back leaves it


def _draft(need, provider) -> Bid:
    """A complete bid, drafted while the need was open, never submitted."""
    bid = factories.make_bid(need, provider=provider, submit=False)
    _closed_at_midday(need)
    return bid


def _submitted(need, provider) -> Bid:
    """A complete bid submitted the day before the need closed."""
    bid = _draft(need, provider)
    submission.submit_bid(bid, actor=provider, now=CLOSES - timedelta(days=1))
    return bid


def _fresh(bid) -> Bid:
    db.session.expire_all()
    return db.session.get(Bid, bid.id)


# Submitting ----------------------------------------------------------------------------


def test_a_bid_received_before_the_closing_time_counts_though_it_is_written_after_it(need, provider):
    bid = _draft(need, provider)
    revision = submission.submit_bid(bid, actor=provider, now=BEFORE)
    assert revision.submitted_at == BEFORE
    assert revision.recorded_at > CLOSES  # written now, long after (the test's clock is real)
    assert lifecycle.counting_revision(bid) is revision
    assert [(b.id, r.id) for b, r in closing.counting_bids(need)] == [(bid.id, revision.id)]
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.submitted")).all()
    assert event.after["submitted_at"] == BEFORE.isoformat()
    [email] = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.like("Receipt:%"))).all()
    assert "Received: 11:59:59.6am on 4 March 2026 (the time your submission reached our servers" in email.body


@pytest.mark.parametrize(
    "late, shown",
    [(timedelta(0), "12:00:00.0pm"), (timedelta(seconds=0.1), "12:00:00.1pm"), (timedelta(minutes=5), "12:05:00.0pm")],
    ids=["at the closing time", "a tenth of a second after", "five minutes after"],
)
def test_a_bid_received_at_or_after_the_closing_time_is_refused_and_the_draft_kept(need, provider, late, shown):
    bid = _draft(need, provider)
    before = (count(BidRevision), count(AuditEvent), count(OutboxEmail))
    with pytest.raises(errors.BidClosed) as refused:
        submission.submit_bid(bid, actor=provider, now=CLOSES + late)
    assert str(refused.value) == (
        f"This need closed at midday on 4 March 2026 and your bid reached us after that, at {shown} on 4 March 2026. "
        "Your bid was not submitted; your draft is kept."
    )
    db.session.rollback()
    assert (count(BidRevision), count(AuditEvent), count(OutboxEmail)) == before
    bid = _fresh(bid)
    assert bid.price_pence == 5_000_000 and submission.problems(bid) == []
    assert lifecycle.counting_revision(bid) is None


def test_the_closing_time_is_read_under_the_lock_as_it_then_is(need, provider):
    """A later closing time committed while the submission waited for the lock counts."""
    bid = _draft(need, provider)
    # An amendment moved the closing time a week later (a plain UPDATE, as another
    # transaction would): the need this session loaded still says midday on 4 March.
    needs = type(need).__table__
    db.session.execute(sa.update(needs).where(needs.c.id == need.id).values(closes_at=CLOSES + timedelta(days=7)))
    assert need.closes_at == CLOSES
    revision = submission.submit_bid(bid, actor=provider, now=CLOSES + timedelta(seconds=1))
    assert revision.submitted_at == CLOSES + timedelta(seconds=1)
    assert need.closes_at == CLOSES + timedelta(days=7)


def test_nothing_received_before_the_close_is_written_once_the_bids_have_been_checked(need, provider):
    """The bids are checked at closing IN_FLIGHT_LIMIT after it, so that submissions still
    on their way have landed; what comes to the lock after that is refused, so that the
    check has seen every bid that counts."""
    other = factories.make_provider()
    submitted = factories.make_bid(need, provider=other, submit=False)
    bid = _draft(need, provider)
    submission.submit_bid(submitted, actor=other, now=CLOSES - timedelta(days=1))
    assert closing.needs_to_check(now=CLOSES + arrival.IN_FLIGHT_LIMIT - timedelta(microseconds=1)) == []
    assert closing.check_at_closing(need, now=CLOSES + timedelta(seconds=59)) is False
    assert closing.needs_to_check(now=CLOSES + arrival.IN_FLIGHT_LIMIT) == [need]
    assert closing.check_at_closing(need, now=CLOSES + arrival.IN_FLIGHT_LIMIT) is True
    with pytest.raises(
        errors.BidClosed,
        match=(
            r"^This need closed at midday on 4 March 2026\. Your request reached us before that, at 11:59:59\.6am on "
            r"4 March 2026, but it could not be written before the bids were opened: your bid was not submitted; "
            r"your draft is kept\.$"
        ),
    ):
        submission.submit_bid(bid, actor=provider, now=BEFORE)
    with pytest.raises(
        errors.BidClosed, match="could not be written before the bids were opened: the bid can no longer be withdrawn"
    ):
        submission.withdraw_bid(submitted, actor=submitted.created_by, reason="Too late", now=BEFORE)
    assert bid.revisions == [] and submitted.withdrawn_at is None


# Withdrawing ---------------------------------------------------------------------------


def test_a_withdrawal_received_before_the_closing_time_counts_though_it_is_written_after_it(need, provider):
    bid = _submitted(need, provider)
    submission.withdraw_bid(bid, actor=provider, reason="Our key worker has left", now=BEFORE)
    assert bid.withdrawn_at == BEFORE
    assert lifecycle.bid_state(bid) == BidState.WITHDRAWN and lifecycle.counting_revision(bid) is None


def test_a_withdrawal_received_at_the_closing_time_is_refused(need, provider):
    bid = _submitted(need, provider)
    with pytest.raises(errors.BidClosed, match="^This need has closed: the bid can no longer be withdrawn$"):
        submission.withdraw_bid(bid, actor=provider, reason="Our key worker has left", now=CLOSES)
    assert bid.withdrawn_at is None and lifecycle.counting_revision(bid) is not None


def test_requests_written_in_another_order_than_they_arrived_in_do_not_undo_a_later_one(need, provider):
    """Two tabs: a withdrawal and a submission of the same bid, moments apart, the first
    to arrive the last to get the need's lock. What arrived last stands; the other is
    refused, saying why."""
    bid = _submitted(need, provider)
    first, second = CLOSES - timedelta(seconds=2), CLOSES - timedelta(seconds=1)
    drafting.save_social_value(bid, text="Three paid posts.", actor=provider, now=first)
    resubmitted = submission.submit_bid(bid, actor=provider, now=second)
    with pytest.raises(
        errors.BidError, match=r"^This bid was submitted again at 11:59:59\.0am on 4 March 2026, after your request"
    ):
        submission.withdraw_bid(bid, actor=provider, reason="Changed our minds", now=first)
    assert bid.withdrawn_at is None and lifecycle.counting_revision(bid) is resubmitted

    submission.withdraw_bid(bid, actor=provider, reason="Changed our minds", now=second + timedelta(seconds=0.5))
    drafting.save_social_value(bid, text="Four paid posts.", actor=provider, now=first)
    with pytest.raises(
        errors.BidError,
        match=r"^This bid was withdrawn at 11:59:59\.5am on 4 March 2026, after your request to submit it",
    ):
        submission.submit_bid(bid, actor=provider, now=second)
    assert lifecycle.bid_state(bid) == BidState.WITHDRAWN
    assert [r.number for r in bid.revisions] == [1, 2]


# Through the pages ---------------------------------------------------------------------


def _signed_in(client, user):
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session.permanent = True
    return user


def _submit(client, bid, token, *, received_at, headers=None):
    return client.post(
        f"/bids/{bid.id}/check",
        data={"csrf_token": token},
        headers=headers or {},
        environ_overrides={arrival.ENVIRON_KEY: received_at},
    )


def _ready(client, need, provider) -> tuple[Bid, str]:
    """A draft, the provider signed in with the check page's form open, then the need closed."""
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    token = csrf_token(client, f"/bids/{bid.id}/check")
    _closed_at_midday(need)
    return bid, token


def test_a_submission_that_reached_us_before_the_close_gets_a_receipt_saying_which_time_counted(client, need, provider):
    bid, token = _ready(client, need, provider)
    response = _submit(client, bid, token, received_at=BEFORE)
    assert response.status_code == 302 and response.headers["Location"] == f"/bids/{bid.id}/revisions/1"
    revision = db.session.scalar(sa.select(BidRevision))
    assert revision.submitted_at == BEFORE and revision.recorded_at > CLOSES
    receipt = page_text(client.get(f"/bids/{bid.id}/revisions/1"))
    assert RECEIVED in receipt
    assert (
        "after the closing time, as our servers were busy: that does not matter, as it reached us before the closing time"
        in receipt
    )
    assert revision.digest in receipt and "this is the revision that counts" in receipt


def test_a_submission_that_reached_us_in_good_time_is_not_said_to_be_late(client, need, provider):
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    response = client.post(f"/bids/{bid.id}/check", data={"csrf_token": csrf_token(client, f"/bids/{bid.id}/check")})
    assert response.status_code == 302
    receipt = page_text(client.get(f"/bids/{bid.id}/revisions/1"))
    assert (
        "the time your submission reached our servers, which is the time that counts against the closing time"
        in receipt
    )
    assert "after the closing time" not in receipt


def test_a_submission_that_reached_us_after_the_close_is_refused_with_the_draft_kept(client, need, provider):
    bid, token = _ready(client, need, provider)
    response = _submit(client, bid, token, received_at=CLOSES + timedelta(seconds=0.1))
    assert response.status_code == 200
    assert error_summary(response) == [
        "This need closed at midday on 4 March 2026 and your bid reached us after that, at 12:00:00.1pm on "
        "4 March 2026. Your bid was not submitted; your draft is kept."
    ]
    assert count(BidRevision) == 0
    assert _fresh(bid).price_pence == 5_000_000


SERVER = CLOSES + timedelta(seconds=0.3)  # the app server saw the request after the close


@pytest.mark.parametrize(
    "hops, trust, header, counts",
    [
        (1, True, "t=1772625599.5", True),  # the load balancer had it at 11:59:59.5
        (1, True, "1772625599500", True),  # the same in milliseconds
        (0, True, "t=1772625599.5", False),  # no proxy in front: the client's own header
        (1, False, "t=1772625599.5", False),  # a proxy not said to set it: perhaps the client's
        (1, True, "t=1772625539.0", False),  # more than a minute before the server saw it
        (1, True, "t=1772625601.0", False),  # after the server saw it
        (1, True, "t=yesterday", False),
        (1, True, "t=1772625599.5, t=1772625599.5", False),
    ],
    ids=["trusted", "trusted-ms", "no-proxy", "proxy-not-trusted", "too-old", "future", "unreadable", "twice"],
)
def test_a_load_balancer_stamp_counts_only_behind_a_trusted_proxy_and_when_plausible(
    client, app, monkeypatch, need, provider, hops, trust, header, counts
):
    monkeypatch.setitem(app.config, "PROXY_FIX_HOPS", hops)
    monkeypatch.setitem(app.config, "TRUST_X_REQUEST_START", trust)
    bid, token = _ready(client, need, provider)
    response = _submit(client, bid, token, received_at=SERVER, headers={"X-Request-Start": header})
    if counts:
        assert response.status_code == 302
        [revision] = db.session.scalars(sa.select(BidRevision)).all()
        assert revision.submitted_at == CLOSES - timedelta(seconds=0.5)
    else:
        assert response.status_code == 200  # refused, never a 500
        [message] = error_summary(response)
        assert "your bid reached us after that, at 12:00:00.3pm on 4 March 2026" in message
        assert count(BidRevision) == 0


def test_a_withdrawal_that_reached_us_before_the_close_is_made(client, need, provider):
    bid = factories.make_bid(need, provider=provider, submit=False)
    submission.submit_bid(bid, actor=provider, now=CLOSES - timedelta(days=1))
    _signed_in(client, provider)
    token = csrf_token(client, f"/bids/{bid.id}/withdraw")
    _closed_at_midday(need)
    late = client.post(
        f"/bids/{bid.id}/withdraw",
        data={"csrf_token": token, "reason": "Our key worker has left"},
        environ_overrides={arrival.ENVIRON_KEY: CLOSES},
    )
    assert error_summary(late) == ["This need has closed: the bid can no longer be withdrawn"]
    assert _fresh(bid).withdrawn_at is None
    response = client.post(
        f"/bids/{bid.id}/withdraw",
        data={"csrf_token": token, "reason": "Our key worker has left"},
        environ_overrides={arrival.ENVIRON_KEY: BEFORE},
    )
    assert response.status_code == 302
    assert _fresh(bid).withdrawn_at == BEFORE
