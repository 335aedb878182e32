"""The same form posted twice at the same instant (a double click, a retry, two tabs)
makes its change once, and neither answer is a server error: on SQLite, where writers
wait for each other (WAL, a busy timeout and BEGIN IMMEDIATE), and on PostgreSQL, where
each service locks the row it changes.

Like tests/bids/test_concurrency.py these cannot run inside the rolled-back transaction
of `db_session`: each request needs its own connection and must see what the other
commits. So the module builds a database of its own (a fresh SQLite file, or a throwaway
PostgreSQL database), commits its data there, and fires each POST from two threads
through the test client, released together by a barrier, with the same session cookie
and CSRF token, as a browser's double click sends them.
"""

import threading
from collections import Counter, defaultdict
from html.parser import HTMLParser
from types import SimpleNamespace

import flask_migrate
import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.bids.models import BidRevision
from marketplace.contracts.models import Contract
from marketplace.delivery import drafts
from marketplace.delivery.models import ReportDecision, ReportSubmission
from marketplace.evaluation.models import AssessmentSummary, AwardDecision
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.payments import services as payments
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.reference.services import load_reference
from marketplace.timeutil import london_date, utcnow

from . import factories
from .bids.test_concurrency import pg_app  # noqa: F401 (fixture: a throwaway PostgreSQL database)
from .conftest import make_test_app
from .delivery.helpers import complete
from .helpers import CSRF, sign_in

# Seconds a request may wait for the other before the test gives up (a hang is a failure).
PATIENCE = 60


@pytest.fixture(scope="module")
def committed_app(database_url, request, tmp_path_factory):
    """An app on a database of its own whose data is committed: a fresh SQLite file, or a
    throwaway database on the test PostgreSQL server."""
    if database_url.startswith("postgresql"):
        yield request.getfixturevalue("pg_app")
        return
    folder = tmp_path_factory.mktemp("double-submit")
    app = make_test_app(f"sqlite:///{folder / 'double-submit.db'}", UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        flask_migrate.upgrade()
        load_reference()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _signed_in(app, user_email: str, page: str):
    """A browser signed in as the user, and the CSRF token of the form on `page`."""
    client = app.test_client()
    response = sign_in(client, user_email)
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = client.get(page)
    assert shown.status_code == 200, shown.status_code
    match = CSRF.search(shown.get_data(as_text=True))
    assert match, f"no form on {page}"
    return client, match.group(1) or match.group(2)


class _FormFields(HTMLParser):
    """What a browser sends for the form posted to `action`, as the page at `page` draws it."""

    def __init__(self, page: str, action: str):
        super().__init__(convert_charrefs=True)
        self.page, self.action, self.inside, self.textarea = page, action, False, None
        self.fields: dict[str, list[str]] = defaultdict(list)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = (attrs.get("action") or self.page) == self.action
        elif self.inside and tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            if attrs.get("type") not in ("submit", "button", "file"):
                self.fields[attrs["name"]].append(attrs.get("value", ""))
        elif self.inside and tag == "textarea":
            self.textarea = attrs.get("name")
            self.fields[self.textarea].append("")

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


def _form_as_drawn(browser, page: str, action: str) -> dict:
    parser = _FormFields(page, action)
    parser.feed(browser.get(page).get_data(as_text=True))
    assert parser.fields, f"no form posting to {action} on {page}"
    return dict(parser.fields)


def _twice_at_once(app, browser, url: str, data: dict) -> list:
    """POST the same form from two threads at the same instant, with the browser's cookies.
    Returns both responses (an exception raised by a request is a result too)."""
    session = browser.get_cookie("session")
    barrier = threading.Barrier(2, timeout=PATIENCE)
    results = [None, None]

    def post(index):
        client = app.test_client()
        client.set_cookie("session", session.value, domain=session.domain)
        try:
            barrier.wait()
            results[index] = client.post(url, data=data)
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
        assert not thread.is_alive(), "a request hung"
    return results


def _no_server_error(responses) -> list[int]:
    errors = [r for r in responses if isinstance(r, BaseException)]
    assert not errors, errors
    statuses = [r.status_code for r in responses]
    assert all(s < 500 for s in statuses), statuses
    return statuses


def _marks() -> tuple[int, int]:
    """Where the audit trail and the outbox stand now."""
    return (
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))),
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxEmail.id), 0))),
    )


def _changes_since(app, marks) -> SimpleNamespace:
    """The audit events and emails written since `marks`, each counted: a change made
    twice shows as a count of 2."""
    with app.app_context():
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id).where(AuditEvent.id > marks[0])
        ).all()
        emails = db.session.execute(
            sa.select(OutboxEmail.to, OutboxEmail.subject).where(OutboxEmail.id > marks[1])
        ).all()
        db.session.remove()
    return SimpleNamespace(
        actions=Counter(action for action, _, _ in events),
        events=Counter(tuple(e) for e in events),
        emails=Counter(tuple(e) for e in emails),
    )


def _each_once(changes) -> None:
    assert all(n == 1 for n in changes.events.values()), changes.events
    assert all(n == 1 for n in changes.emails.values()), changes.emails


def test_recording_a_payment_twice_at_once_records_it_once(committed_app):
    app = committed_app
    with app.app_context():
        made = factories.make_contract()
        finance = factories.make_area_staff(Role.FINANCE)
        [payment] = payments.payments_of(made.contract)
        payment_id, email = payment.id, finance.email
        marks = _marks()
        db.session.commit()
        db.session.remove()

    browser, token = _signed_in(app, email, f"/payments/{payment_id}")
    today = london_date(utcnow())
    responses = _twice_at_once(
        app,
        browser,
        f"/payments/{payment_id}/record",
        {
            "csrf_token": token,
            "paid_on": [str(today.day), str(today.month), str(today.year)],
            "reference": "BACS-DOUBLE-CLICK",
        },
    )

    statuses = _no_server_error(responses)
    assert 302 in statuses, statuses
    changes = _changes_since(app, marks)
    assert changes.actions["payment.paid"] == 1, changes.actions
    _each_once(changes)
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment.status == PaymentStatus.PAID and payment.reference == "BACS-DOUBLE-CLICK"
        db.session.remove()


def test_submitting_a_bid_twice_at_once_submits_it_once(committed_app):
    app = committed_app
    with app.app_context():
        need = factories.make_need(closes_in_days=30)
        provider = factories.make_provider()
        bid = factories.make_bid(need, provider=provider, submit=False)
        bid_id, email = bid.id, provider.email
        marks = _marks()
        db.session.commit()
        db.session.remove()

    browser, token = _signed_in(app, email, f"/bids/{bid_id}/check")
    responses = _twice_at_once(app, browser, f"/bids/{bid_id}/check", {"csrf_token": token})

    statuses = _no_server_error(responses)
    assert 302 in statuses, statuses
    changes = _changes_since(app, marks)
    assert changes.actions["bid.submitted"] == 1, changes.actions
    assert sum(1 for _, subject in changes.emails if subject.startswith("Receipt: ")) == 1, changes.emails
    _each_once(changes)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(BidRevision.bid_id == bid_id)) == 1
        db.session.remove()


def _scored(*, lot_pence: int = 5_000_000):
    """Three bids on one lot, scored and moderated, ready to award (without a board's
    sign-off unless the lot is worth more than SIGN_OFF_THRESHOLD_POUNDS, £100,000)."""
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000, 4_800_000), lots=(lot_pence,))
    factories.score_all(ev, {0: 4, 1: 3, 2: 2})
    return ev


def test_awarding_a_lot_twice_at_once_awards_it_once(committed_app):
    app = committed_app
    with app.app_context():
        ev = _scored()
        need_id, lot_id, bid_id, email = ev.need.id, ev.lot.id, ev.bids[0].id, ev.commissioner.email
        marks = _marks()
        db.session.commit()
        db.session.remove()

    url = f"/needs/{need_id}/lots/{lot_id}/award"
    browser, token = _signed_in(app, email, url)
    responses = _twice_at_once(
        app,
        browser,
        url,
        {
            "csrf_token": token,
            "bid_id": str(bid_id),
            "reasons": "The highest score, with a credible plan.",
        },
    )

    statuses = _no_server_error(responses)
    assert 302 in statuses, statuses
    changes = _changes_since(app, marks)
    assert changes.actions["award.decided"] == 1 and changes.actions["award.took_effect"] == 1, changes.actions
    assert len(changes.emails) == 3, changes.emails  # one assessment summary to each bidder
    _each_once(changes)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AwardDecision.lot_id == lot_id)) == 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AssessmentSummary)
                .join(AwardDecision)
                .where(AwardDecision.lot_id == lot_id)
            )
            == 3
        )
        db.session.remove()


def test_signing_off_an_award_twice_at_once_signs_it_off_once(committed_app):
    app = committed_app
    with app.app_context():
        ev = _scored(lot_pence=12_000_000)
        from marketplace.evaluation import award

        decision = award.decide(ev.lot, bid=ev.bids[0], reasons="The highest score.", actor=ev.commissioner)
        assert decision.is_waiting_for_sign_off
        board = factories.make_area_staff(Role.BOARD_MEMBER)
        decision_id, email = decision.id, board.email
        marks = _marks()
        db.session.commit()
        db.session.remove()

    url = f"/sign-offs/{decision_id}"
    browser, token = _signed_in(app, email, url)
    responses = _twice_at_once(app, browser, url, {"csrf_token": token, "decision": "approve", "comment": ""})

    statuses = _no_server_error(responses)
    assert 302 in statuses, statuses
    changes = _changes_since(app, marks)
    assert changes.actions["award.signed_off"] == 1 and changes.actions["award.took_effect"] == 1, changes.actions
    _each_once(changes)
    with app.app_context():
        decision = db.session.get(AwardDecision, decision_id)
        assert decision.signed_off_at is not None
        assert db.session.scalar(sa.select(sa.func.count()).where(AssessmentSummary.decision_id == decision_id)) == 3
        db.session.remove()


def test_making_a_contract_twice_at_once_makes_it_once(committed_app):
    app = committed_app
    with app.app_context():
        ev = _scored()
        from marketplace.evaluation import award

        award.decide(ev.lot, bid=ev.bids[0], reasons="The highest score.", actor=ev.commissioner)
        lot_id, email = ev.lot.id, ev.commissioner.email
        url = f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract"
        marks = _marks()
        db.session.commit()
        db.session.remove()

    browser, _ = _signed_in(app, email, url)
    responses = _twice_at_once(app, browser, url, _form_as_drawn(browser, url, url))

    statuses = _no_server_error(responses)
    assert 302 in statuses, statuses
    changes = _changes_since(app, marks)
    assert changes.actions["contract.created"] == 1, changes.actions
    _each_once(changes)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Contract.lot_id == lot_id)) == 1
        db.session.remove()


def test_approving_an_outcome_report_twice_at_once_approves_it_once(committed_app):
    app = committed_app
    with app.app_context():
        made = factories.make_contract()
        contract = made.contract
        milestone = next(m for m in contract.milestones if m.number == 1)
        report = drafts.start_report(milestone, made.provider)
        s = SimpleNamespace(outcomes=list(contract.outcomes))
        drafts.save_report(report, **complete(s), actor=made.provider)
        drafts.submit_report(report, made.provider)
        base = f"/contracts/{contract.id}/milestones/{milestone.id}/report"
        report_id, milestone_id, email = report.id, milestone.id, made.commissioner.email
        marks = _marks()
        db.session.commit()
        db.session.remove()

    browser, token = _signed_in(app, email, base)
    responses = _twice_at_once(app, browser, f"{base}/review", {"csrf_token": token, "decision": "approve"})

    statuses = _no_server_error(responses)
    assert 302 in statuses, statuses
    changes = _changes_since(app, marks)
    assert changes.actions["report.approved"] == 1 and changes.actions["payment.payable"] == 1, changes.actions
    _each_once(changes)
    with app.app_context():
        [submission] = db.session.scalars(
            sa.select(ReportSubmission).where(ReportSubmission.report_id == report_id)
        ).all()
        assert submission.decision == ReportDecision.APPROVED
        payment = db.session.scalar(sa.select(Payment).where(Payment.milestone_id == milestone_id))
        assert payment.status == PaymentStatus.PAYABLE
        db.session.remove()
