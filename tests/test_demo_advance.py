"""Time in the demo: `flask --app wsgi demo-advance DAYS` moves every date of the demo back,
so a standstill that was running ends and the contract can be made, with nothing in an
impossible order; refused in production and for DAYS that are not 1 to 365."""

import math
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.audit.models import AuditEvent
from marketplace.bids.models import BidRevision
from marketplace.bids.submission import digest_of
from marketplace.contracts import services as contracts
from marketplace.contracts.models import Contract
from marketplace.delivery.models import ReportSubmission
from marketplace.demo.advance import shifted_text
from marketplace.demo.bids import MODERATION_NEED
from marketplace.evaluation import award, moderation, scoring
from marketplace.evaluation.models import AwardDecision
from marketplace.evaluation.timing import standstill_end
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.notifications.models import OutboxEmail
from marketplace.payments.models import Payment
from marketplace.timeutil import london_date, utcnow
from marketplace.workdays import is_working_day

from . import factories
from .helpers import DEMO_PASSWORD, count, page_text, sign_in

pytestmark = pytest.mark.clock


def _award_in_standstill(now):
    """The demo's need in moderation, moderated and awarded at a past moment whose standstill
    is still running now and ends as soon as can be (8 working days: over Christmas, two
    weeks), and the whole days until it has ended."""
    need = db.session.scalar(sa.select(Need).where(Need.title == MODERATION_NEED))
    commissioner = accounts.find_user("commissioner@demo.test")
    lot = need.lots[0]
    earliest = need.closes_at + timedelta(days=3)
    running = [
        at
        for at in (earliest + timedelta(hours=hours) for hours in range(0, 24 * 30, 6))
        if at < now < standstill_end(at)
    ]
    decided = min(running, key=standstill_end)
    days = math.ceil((standstill_end(decided) - now) / timedelta(days=1))
    assert 1 <= days <= 16
    for bid, _ in scoring.lot_bids(lot):
        scores = {p.key: (3, "Agreed by the panel.") for p in scoring.parts(need)}
        moderation.agree_scores(bid, scores, actor=commissioner, now=decided - timedelta(hours=2))
    moderation.close_moderation(lot, actor=commissioner, now=decided - timedelta(hours=1))
    winner = scoring.lot_bids(lot)[0][0]
    decision = award.decide(lot, bid=winner, reasons="The best plan.", actor=commissioner, now=decided)
    if decision.standstill_ends_at is None:  # above the sign-off threshold: the board signs it off
        board = accounts.find_user("board@demo.test")
        award.sign_off(decision, approve=True, comment="Agreed.", actor=board, now=decided)
    db.session.commit()
    assert decision.standstill_ends_at is not None and decision.standstill_ends_at > now
    return need, lot, decision, days


def _rows() -> list[int]:
    """What the demo holds (the audit trail grows: the bids of a need that has now closed are checked)."""
    return [count(m) for m in (Need, BidRevision, AwardDecision, Contract, Payment, ReportSubmission)]


def test_demo_advance_ends_a_running_standstill_and_keeps_everything_in_order(demo_app, demo_client, demo_session):
    app, client = demo_app, demo_client
    now = utcnow()
    need, lot, decision, days = _award_in_standstill(now)
    assert contracts.contract_problems(decision, now)[0].startswith("Standstill ends at")  # no contract yet
    rows = _rows()
    receipts = {r.id: (r.digest, r.submitted_at) for r in db.session.scalars(sa.select(BidRevision))}

    result = app.test_cli_runner().invoke(args=["demo-advance", str(days)])
    assert result.exit_code == 0, result.output
    assert f"The demo is now {days} day(s) on" in result.output

    now = utcnow()
    decision = db.session.get(AwardDecision, decision.id)
    assert award.standstill_over(decision, now) and contracts.contract_problems(decision, now) == []
    assert _rows() == rows  # nothing made or lost
    # The contract-making page is open to the commissioner.
    sign_in(client, "commissioner@demo.test", DEMO_PASSWORD)
    page = client.get(f"/needs/{need.id}/lots/{lot.id}/contract")
    assert page.status_code == 200 and "Make the contract" in page_text(page)
    assert "Standstill ends" not in page_text(page)
    _check_in_order(now, receipts, days)


def _check_in_order(now, receipts, days: int) -> None:
    for revision in db.session.scalars(sa.select(BidRevision)):
        digest, submitted_at = receipts[revision.id]
        assert revision.digest == digest == digest_of(revision.content)  # the receipt still holds
        assert revision.submitted_at == submitted_at - timedelta(days=days)
        assert revision.submitted_at < revision.bid.need.closes_at
    for need in db.session.scalars(sa.select(Need).where(Need.published_at.is_not(None))):
        assert need.published_at <= need.question_deadline <= need.closes_at, need.title
        if need.closes_at > now:
            assert is_working_day(london_date(need.closes_at)) and is_working_day(london_date(need.question_deadline))
    for decision in db.session.scalars(sa.select(AwardDecision)):
        assert decision.decided_at >= decision.lot.need.closes_at
        if decision.standstill_ends_at:
            assert decision.standstill_ends_at > decision.decided_at
    for contract in db.session.scalars(sa.select(Contract)):
        assert contract.starts_on < contract.ends_on and contract.created_at <= now
        assert all(m.due_on <= contract.ends_on for m in contract.milestones)
    for payment in db.session.scalars(sa.select(Payment).where(Payment.paid_at.is_not(None))):
        assert payment.paid_at >= payment.payable_at - timedelta(days=1)
        assert payment.paid_on is None or payment.paid_on >= london_date(payment.payable_at)
    for submission in db.session.scalars(sa.select(ReportSubmission)):
        assert submission.submitted_at >= submission.report.contract.created_at
    assert db.session.scalar(sa.select(sa.func.max(AuditEvent.occurred_at))) <= now
    assert db.session.scalar(sa.select(sa.func.max(OutboxEmail.created_at))) <= now
    # The audit trail moved with what it records.
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "award.decided").order_by(AuditEvent.id.desc()).limit(1)
    )
    assert event is not None and event.occurred_at <= now


@pytest.mark.parametrize("days", ["0", "366", "-3", "ten", "1.5", ""])
def test_demo_advance_refuses_days_that_are_not_1_to_365(app, db_session, days):
    need = factories.make_need()
    closes_at = need.closes_at
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo-advance", days])
    assert result.exit_code != 0 and "DAYS must" in result.output and "Traceback" not in result.output
    db.session.refresh(need)
    assert need.closes_at == closes_at


def test_demo_advance_is_refused_in_production(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", False)
    need = factories.make_need()
    closes_at = need.closes_at
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo-advance", "10"])
    assert result.exit_code != 0 and "refused in production" in result.output
    db.session.refresh(need)
    assert need.closes_at == closes_at


def test_dates_written_as_text_move_and_other_text_stays():
    days = timedelta(days=10)
    assert shifted_text("2026-12-18", days) == "2026-12-08"
    assert shifted_text("2026-12-18T23:59:59+00:00", days) == "2026-12-08T23:59:59+00:00"
    assert shifted_text("2026-12-18T12:00:00Z", days) == "2026-12-08T12:00:00Z"
    for text in ("BACS-2026-12-18", "ocds-lp0000-12", "2026-13-45", "Weekly sessions"):
        assert shifted_text(text, days) == text
