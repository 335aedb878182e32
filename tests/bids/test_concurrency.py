"""Submissions racing the closing time, each other and an amendment, on real concurrent
PostgreSQL connections.

These cannot run inside the rolled-back transaction of `db_session`: every thread needs
its own connection and must see what the others commit. So the module makes its own
throwaway database on the test PostgreSQL server, builds it with the real migrations,
commits its data there, and drops the database at the end. On SQLite (one writer at a
time, no row locks) there is nothing to race, so the tests are skipped there.
"""

import secrets
import threading
import time
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import arrival
from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEvent
from marketplace.bids import closing as bid_closing
from marketplace.bids import errors, lifecycle, submission
from marketplace.bids.models import Bid, BidRevision, BidState
from marketplace.extensions import db
from marketplace.needs import amendments
from marketplace.needs.models import Need, lock_need
from marketplace.notifications.models import OutboxEmail
from marketplace.reference.services import load_reference
from marketplace.timeutil import london_date, utcnow
from marketplace.workdays import working_days_between

from .. import factories
from ..conftest import REQUIRE_POSTGRES, make_test_app

pytestmark = pytest.mark.clock

BIDDERS = 50
DOUBLE_CLICKS = 10
# Seconds a thread may wait for the others before the test gives up (a hang is a failure).
PATIENCE = 30


@pytest.fixture(scope="module")
def pg_app(database_url):
    """An app on a fresh database of the test PostgreSQL server, with a pool big enough
    for one connection per thread."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent submissions need row locks and parallel connections: PostgreSQL only")
    url = make_url(database_url)
    name = f"lp_concurrency_{secrets.token_hex(4)}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.SQLAlchemyError as error:
        admin.dispose()
        message = f"cannot create a throwaway database on the test PostgreSQL server: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    app = make_test_app(
        url.set(database=name).render_as_string(hide_password=False),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": BIDDERS + 5, "max_overflow": 5, "pool_timeout": PATIENCE},
    )
    try:
        with app.app_context():
            flask_migrate.upgrade()
            load_reference()
            db.session.commit()
            db.session.remove()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _complete_bids(need, count: int) -> list[tuple[int, int]]:
    """`count` complete, unsubmitted bids from different organisations on the need's
    first lot: [(bid id, id of the user who leads it)]."""
    verifier = factories.make_user(admin=True)
    made = []
    for _ in range(count):
        provider = factories.make_provider(organisation=factories.make_organisation(verifier=verifier))
        bid = factories.make_bid(need, provider=provider, submit=False)
        assert submission.problems(bid) == []
        made.append((bid.id, provider.id))
    return made


def _run_threads(app, jobs, *, parties_extra: int = 0):
    """Run each job(ready) in its own thread with its own app context (so its own
    session and connection). Returns the results in order; an exception is a result."""
    results = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs) + parties_extra, timeout=PATIENCE)

    def run(index, job):
        with app.app_context():
            try:
                results[index] = job(barrier)
            except BaseException as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    return threads, results, barrier


def _join(threads):
    for thread in threads:
        thread.join(PATIENCE)
        assert not thread.is_alive(), "a submission hung"


def _submitter(bid_id: int, user_id: int, when: dict, offset: float):
    """A provider pressing submit `offset` seconds after the closing time (negative:
    before it). The view's pattern: commit on success, roll back on BidError."""

    def job(barrier):
        bid = db.session.get(Bid, bid_id)
        user = db.session.get(User, user_id)
        db.session.rollback()  # hold no transaction (and no snapshot) while waiting
        barrier.wait()
        delay = (when["closes_at"] + timedelta(seconds=offset) - utcnow()).total_seconds()
        if delay > 0:
            time.sleep(delay)
        try:
            revision = submission.submit_bid(bid, actor=user)
        except errors.BidClosed as error:
            db.session.rollback()
            return error
        result = (revision.id, revision.digest, revision.submitted_at)
        db.session.commit()
        return result

    return job


def _stamped_submitter(bid_id: int, user_id: int, when: dict, offset: float):
    """As _submitter, stamping the time the press reached us (as the app does first thing)
    and passing it as the time of submission: returns (that time, receipt or refusal)."""

    def job(barrier):
        bid = db.session.get(Bid, bid_id)
        user = db.session.get(User, user_id)
        db.session.rollback()
        barrier.wait()
        delay = (when["closes_at"] + timedelta(seconds=offset) - utcnow()).total_seconds()
        if delay > 0:
            time.sleep(delay)
        received = utcnow()
        try:
            revision = submission.submit_bid(bid, actor=user, now=received)
        except errors.BidClosed as error:
            db.session.rollback()
            return received, error
        result = (revision.id, revision.digest, revision.submitted_at, revision.recorded_at)
        db.session.commit()
        return received, result

    return job


def _closer(need_id: int, when: dict, offset: float):
    """The first reader of the bids after the close: runs the check at closing (which
    does nothing until IN_FLIGHT_LIMIT after the closing time)."""

    def job(barrier):
        barrier.wait()
        delay = (when["closes_at"] + timedelta(seconds=offset) - utcnow()).total_seconds()
        if delay > 0:
            time.sleep(delay)
        ran = bid_closing.check_at_closing(db.session.get(Need, need_id))
        db.session.commit()
        return ran

    return job


def test_fifty_submits_racing_the_close_land_before_it_or_are_refused(pg_app):
    with pg_app.app_context():
        need = factories.make_need(closes_in_days=30)
        drafts = _complete_bids(need, BIDDERS)
        need_id = need.id
        db.session.commit()
        db.session.remove()

    # Five bursts of ten simultaneous presses (each waits for the need's row lock): well
    # before the close, just before, a hair before (queued across the closing instant),
    # at it, and after. Each is stamped when it reaches us, before it waits: every press
    # that reached us before the close counts, however long it waited for the lock. In
    # the burst at the closing instant, the commissioner opens the bids: they are not
    # checked (closed for good) yet, as submissions are still on their way.
    when = {}
    bursts = (-0.3, -0.1, -0.01, 0.0, 0.1)
    jobs = [
        _stamped_submitter(bid_id, user_id, when, bursts[i * len(bursts) // BIDDERS])
        for i, (bid_id, user_id) in enumerate(drafts)
    ]
    jobs.append(_closer(need_id, when, 0.0))
    threads, results, barrier = _run_threads(pg_app, jobs, parties_extra=1)
    with pg_app.app_context():
        # Every thread has loaded its bid; now close the need a second from now.
        need = db.session.get(Need, need_id)
        need.question_deadline = utcnow() - timedelta(days=1)
        need.closes_at = when["closes_at"] = utcnow() + timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    barrier.wait()
    _join(threads)

    closes_at = when["closes_at"]
    *stamped, checked = results
    assert checked is False, checked
    unexpected = [r for r in stamped if not (isinstance(r, tuple) and isinstance(r[1], (tuple, errors.BidClosed)))]
    assert unexpected == [], f"neither a receipt nor a refusal: {unexpected!r}"
    received = {bid_id: at for (bid_id, _), (at, _) in zip(drafts, stamped, strict=True)}
    results = [r for _, r in stamped]
    accepted = {bid_id: r[:3] for (bid_id, _), r in zip(drafts, results, strict=True) if isinstance(r, tuple)}
    refused = {bid_id for (bid_id, _), r in zip(drafts, results, strict=True) if isinstance(r, errors.BidClosed)}
    # The race really straddled the close; what reached us before it counts, what
    # reached us at or after it is refused, whenever each got the need's lock.
    assert accepted and refused, f"{len(accepted)} accepted, {len(refused)} refused"
    assert set(accepted) == {bid_id for bid_id, at in received.items() if at < closes_at}
    assert all(submitted_at == received[bid_id] for bid_id, (_, _, submitted_at) in accepted.items())
    assert all(
        recorded_at >= submitted_at for _, _, submitted_at, recorded_at in (r for r in results if isinstance(r, tuple))
    )
    assert all("your draft is kept" in str(r) for r in results if isinstance(r, errors.BidClosed))

    with pg_app.app_context():
        # Once submissions in flight at the close have landed, the bids are checked.
        assert (
            bid_closing.check_at_closing(db.session.get(Need, need_id), now=closes_at + arrival.IN_FLIGHT_LIMIT) is True
        )
        db.session.commit()
        bid_ids = [bid_id for bid_id, _ in drafts]
        revisions = db.session.scalars(sa.select(BidRevision).where(BidRevision.bid_id.in_(bid_ids))).all()
        # Nothing received at or after the close; exactly one revision per accepted bid,
        # none for a refused one; each revision whole, its digest that of its content.
        assert all(r.submitted_at < closes_at for r in revisions)
        assert sorted(r.bid_id for r in revisions) == sorted(accepted)
        assert not refused & {r.bid_id for r in revisions}
        for revision in revisions:
            assert (revision.id, revision.digest, revision.submitted_at) == accepted[revision.bid_id]
            assert revision.recorded_at >= revision.submitted_at
            assert revision.number == 1
            assert revision.digest == submission.digest_of(revision.content)
            assert revision.price_pence == revision.content["price_pence"] > 0
        audited = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "bid.submitted", AuditEvent.object_id.in_(bid_ids))
        ).all()
        assert sorted(e.object_id for e in audited) == sorted(accepted)
        receipts = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.subject.like("Receipt: your bid for%"))
        )
        assert receipts == len(accepted)
        # The refused drafts are kept as they were; the state of every bid is now closed.
        need = db.session.get(Need, need_id)
        for bid_id in refused:
            bid = db.session.get(Bid, bid_id)
            assert bid.price_pence and submission.problems(bid) == []
            assert lifecycle.counting_revision(bid) is None
        assert len(bid_closing.counting_bids(need)) == len(accepted)
        # The check at closing saw every accepted bid: none landed after it.
        [closing] = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "need.bids_checked", AuditEvent.object_id == need_id)
        ).all()
        assert closing.after == {"bids": len(accepted)}
        assert need.bids_checked_at == closes_at + arrival.IN_FLIGHT_LIMIT
        db.session.remove()


def test_a_submission_sent_before_the_close_that_gets_the_lock_after_it_counts(pg_app):
    """Another transaction holds the need's row lock past the closing time. A submission
    that reached us before the close waits for it, gets it after the close, and counts
    (its receipt gives the time it reached us). One that reached us after the close,
    waiting the same way, is refused, and its draft is kept."""
    with pg_app.app_context():
        need = factories.make_need(closes_in_days=30)
        [(early_id, early_user), (late_id, late_user)] = _complete_bids(need, 2)
        need_id = need.id
        db.session.commit()
        db.session.remove()

    when, locked = {}, threading.Event()

    def hold_the_lock(barrier):
        barrier.wait()
        lock_need(need_id)
        locked.set()
        # Until the closing time has passed and both submissions are waiting for the lock.
        time.sleep(max(0.0, (when["closes_at"] - utcnow()).total_seconds()) + 0.05)
        _wait_for_a_lock_wait(waiters=2)
        released = utcnow()
        db.session.commit()
        return released

    def submit(bid_id, user_id, after_close):
        def job(barrier):
            bid, user = db.session.get(Bid, bid_id), db.session.get(User, user_id)
            db.session.rollback()
            barrier.wait()
            locked.wait(PATIENCE)
            if after_close:
                time.sleep(max(0.0, (when["closes_at"] - utcnow()).total_seconds()) + 0.01)
            received = utcnow()  # what the app stamps when the request reaches it
            try:
                revision = submission.submit_bid(bid, actor=user, now=received)
            except errors.BidClosed as error:
                db.session.rollback()
                return received, error
            db.session.commit()
            return received, (revision.submitted_at, revision.recorded_at)

        return job

    jobs = [hold_the_lock, submit(early_id, early_user, False), submit(late_id, late_user, True)]
    threads, results, barrier = _run_threads(pg_app, jobs, parties_extra=1)
    with pg_app.app_context():
        need = db.session.get(Need, need_id)
        need.question_deadline = utcnow() - timedelta(days=1)
        need.closes_at = when["closes_at"] = utcnow() + timedelta(seconds=2)
        db.session.commit()
        db.session.remove()
    barrier.wait()
    _join(threads)

    closes_at = when["closes_at"]
    released, (early_received, early), (late_received, late) = results
    assert not isinstance(released, BaseException), released
    assert released > closes_at
    assert early_received < closes_at, "the machine was too slow to send the early submission in time"
    assert isinstance(early, tuple), early
    submitted_at, recorded_at = early
    assert submitted_at == early_received and recorded_at > released > closes_at
    assert late_received >= closes_at
    assert isinstance(late, errors.BidClosed) and "your draft is kept" in str(late), late
    with pg_app.app_context():
        early_bid, late_bid = db.session.get(Bid, early_id), db.session.get(Bid, late_id)
        assert [r.submitted_at for r in early_bid.revisions] == [early_received]
        assert late_bid.revisions == [] and submission.problems(late_bid) == []
        need = db.session.get(Need, need_id)
        assert [(b.id, r.submitted_at) for b, r in bid_closing.counting_bids(need)] == [(early_id, early_received)]
        db.session.remove()


def test_ten_simultaneous_submits_of_one_bid_give_one_revision(pg_app):
    with pg_app.app_context():
        need = factories.make_need(closes_in_days=30)
        [(bid_id, user_id)] = _complete_bids(need, 1)
        db.session.commit()
        db.session.remove()

    when = {"closes_at": utcnow()}  # every click at once, straight after the barrier
    threads, results, _ = _run_threads(pg_app, [_submitter(bid_id, user_id, when, -60) for _ in range(DOUBLE_CLICKS)])
    _join(threads)

    assert all(isinstance(r, tuple) for r in results), results
    assert len(set(results)) == 1, "every click gets the same receipt"
    with pg_app.app_context():
        revisions = db.session.scalars(sa.select(BidRevision).where(BidRevision.bid_id == bid_id)).all()
        assert [(r.id, r.digest, r.submitted_at) for r in revisions] == [results[0]]
        submitted = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "bid.submitted", AuditEvent.object_id == bid_id)
        )
        assert submitted == 1
        db.session.remove()


AMEND_AHEAD = timedelta(seconds=0.4)


def test_a_closing_time_moved_by_an_amendment_while_bids_are_submitted(pg_app):
    """A material amendment made a moment before the close moves the closing time (fewer
    than 5 working days were left). Submissions racing it are either refused under the
    old closing time, or land: then they count only if they answer the amended need."""
    with pg_app.app_context():
        commissioner = factories.make_area_staff(Role.COMMISSIONER)
        need = factories.make_need(closes_in_days=30, commissioner=commissioner)
        drafts = _complete_bids(need, 20)
        need_id, commissioner_id = need.id, commissioner.id
        db.session.commit()
        db.session.remove()

    when = {}

    def amend(barrier):
        need = db.session.get(Need, need_id)
        actor = db.session.get(User, commissioner_id)
        db.session.rollback()
        barrier.wait()
        # Far enough ahead of the close that a busy machine still amends an open need (at
        # 0.1 s it sometimes arrived after the close, and the scenario never happened).
        time.sleep(max(0.0, (when["closes_at"] - AMEND_AHEAD - utcnow()).total_seconds()))
        need = db.session.get(Need, need_id)
        before = amendments.snapshot(need)
        need.lots[0].value_pence += 100_000
        amendment = amendments.amend_need(need, before=before, actor=actor, reason="More money for lot 1")
        result = (amendment.made_at, amendment.closes_at_before, amendment.closes_at_after)
        db.session.commit()
        return result

    # Submissions pressed from just before the amendment to after the old close.
    offsets = [-AMEND_AHEAD.total_seconds() - 0.1 + 0.04 * i for i in range(len(drafts))]
    jobs = [amend] + [
        _submitter(bid_id, user_id, when, offset) for (bid_id, user_id), offset in zip(drafts, offsets, strict=True)
    ]
    threads, results, barrier = _run_threads(pg_app, jobs, parties_extra=1)
    with pg_app.app_context():
        need = db.session.get(Need, need_id)
        need.question_deadline = utcnow() - timedelta(days=1)
        need.closes_at = when["closes_at"] = utcnow() + timedelta(seconds=2)
        db.session.commit()
        db.session.remove()
    barrier.wait()
    _join(threads)

    amended, *submits = results
    assert isinstance(amended, tuple), amended
    amended_at, old_close, new_close = amended
    # At least 5 working days remain after the amendment: from a Thursday to the next
    # Thursday, but from a Sunday only to Friday, 5 calendar days on.
    assert new_close > old_close
    assert (
        working_days_between(london_date(amended_at), london_date(new_close)) >= amendments.AMENDMENT_MIN_WORKING_DAYS
    )
    unexpected = [r for r in submits if not isinstance(r, (tuple, errors.BidClosed))]
    assert unexpected == [], unexpected
    with pg_app.app_context():
        need = db.session.get(Need, need_id)
        changes = lifecycle.material_change_count(need.lots[0])
        assert changes == 1
        for (bid_id, _), result in zip(drafts, submits, strict=True):
            bid = db.session.get(Bid, bid_id)
            revisions = bid.revisions
            if isinstance(result, errors.BidClosed):
                # Refused under the old closing time: before the amendment was committed.
                assert revisions == []
                continue
            [revision] = revisions
            answered = revision.content["need_material_changes"]
            # A submission after the old close must have seen the amendment.
            if revision.submitted_at >= old_close:
                assert answered == 1
            # It counts only if it answers the need as it now is.
            state = lifecycle.bid_state(bid)
            if answered == changes:
                assert lifecycle.counting_revision(bid) is revision and state == BidState.SUBMITTED
            else:
                assert lifecycle.counting_revision(bid) is None and state == BidState.NEEDS_RECONFIRMATION
        db.session.remove()


def test_a_submission_racing_an_amendment_counts_only_if_it_saw_it(pg_app):
    """The interleaving the test above can hit by chance, made certain: the submission
    has locked the need; the amendment starts (and is stamped) but must wait for that
    lock to write; the submission then writes its revision, later than the amendment's
    stamp yet without seeing it, and commits. Once the amendment is committed, that
    revision answers the need as it was, so it must need reconfirmation."""
    with pg_app.app_context():
        commissioner = factories.make_area_staff(Role.COMMISSIONER)
        need = factories.make_need(closes_in_days=30, commissioner=commissioner)
        [(bid_id, user_id)] = _complete_bids(need, 1)
        need_id, commissioner_id = need.id, commissioner.id
        db.session.commit()
        db.session.remove()

    locked, amending = threading.Event(), threading.Event()

    def submit(barrier):
        barrier.wait()
        lock_need(need_id)  # what submit_bid does first
        locked.set()
        amending.wait(PATIENCE)
        _wait_for_a_lock_wait()
        revision = submission.submit_bid(db.session.get(Bid, bid_id), actor=db.session.get(User, user_id))
        db.session.commit()
        return revision.id

    def amend(barrier):
        barrier.wait()
        locked.wait(PATIENCE)
        need = db.session.get(Need, need_id)
        before = amendments.snapshot(need)
        need.lots[0].value_pence += 100_000
        amending.set()
        amendments.amend_need(need, before=before, actor=db.session.get(User, commissioner_id), reason="More money")
        db.session.commit()

    threads, results, _ = _run_threads(pg_app, [submit, amend])
    _join(threads)
    assert isinstance(results[0], int), results[0]
    assert not isinstance(results[1], BaseException), results[1]
    with pg_app.app_context():
        bid = db.session.get(Bid, bid_id)
        need = db.session.get(Need, need_id)
        [revision] = bid.revisions
        [amendment] = need.amendments
        assert amendment.made_at < revision.submitted_at
        assert revision.content["need_material_changes"] == 0
        assert lifecycle.material_change_count(need.lots[0]) == 1
        assert lifecycle.counting_revision(bid) is None
        assert lifecycle.bid_state(bid) == BidState.NEEDS_RECONFIRMATION
        assert bid_closing.counting_bids(need) == []
        db.session.remove()


def _wait_for_a_lock_wait(waiters: int = 1):
    """Until another connection (or `waiters` others) to the test database is waiting for a lock."""
    with db.engine.connect() as connection:
        for _ in range(PATIENCE * 20):
            waiting = connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting >= waiters:
                return
            connection.rollback()
            time.sleep(0.05)
    raise AssertionError(
        "the amendment never waited for the need's lock"
        if waiters == 1
        else f"{waiters} connections never waited for a lock at once"
    )
