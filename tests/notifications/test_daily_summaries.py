"""Daily summaries: the emails of a person who chose one email a day are held in the outbox
and sent as one email by send-daily-summaries; never held: a deadline within two working
days (bank holidays not counted), a sign-in link, a password reset, an invitation."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import questions
from marketplace.notifications import EmailFrequency, OutboxEmail, due_soon, queue_daily_summaries
from marketplace.timeutil import LONDON

from .. import factories

DAILY = {"email_frequency": EmailFrequency.DAILY}


def outbox(to: str) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == to).order_by(OutboxEmail.id)))


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def _answered(asker, *, closes_at: datetime, now: datetime, text: str = "Can we bid for one lot only?"):
    """A question asked by `asker` on a need closing at `closes_at`, answered at `now`."""
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner)
    question = questions.ask_question(need, organisation=asker.organisations[0], actor=asker, text=text)
    need.published_at, need.question_deadline, need.closes_at = now - timedelta(days=20), now, closes_at
    questions.answer_question(question, actor=commissioner, answer="Yes.", publish=False, now=now)
    db.session.flush()
    return need


def test_a_daily_persons_emails_wait_for_the_summary_and_go_as_one(app, db_session):
    daily = factories.make_provider(**DAILY)
    other = factories.make_provider()
    _answered(daily, closes_at=london(2030, 6, 28, 12), now=london(2030, 6, 3, 10), text="First?")
    _answered(daily, closes_at=london(2030, 6, 28, 12), now=london(2030, 6, 3, 11), text="Second?")
    _answered(other, closes_at=london(2030, 6, 28, 12), now=london(2030, 6, 3, 10))
    held = outbox(daily.email)
    assert len(held) == 2 and all(e.held_for_summary for e in held)
    assert not any(e.held_for_summary for e in outbox(other.email))
    db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-emails"])
    assert "Sent 1 email(s)" in result.output  # the other person's, at once
    assert all(e.sent_at is None for e in held)

    result = runner.invoke(args=["send-daily-summaries"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 daily summary email(s). Sent 1 email(s)" in result.output
    [summary] = [e for e in outbox(daily.email) if e.summary_id is None and not e.held_for_summary]
    assert summary.sent_at is not None and summary.subject == "Your Local Partners summary: 2 updates"
    assert "First?" in summary.body and "Second?" in summary.body and "/account/emails" in summary.body
    assert summary.body.count("Hello") == 1  # each entry without its own greeting
    for email in held:
        db.session.refresh(email)
        assert email.summary_id == summary.id and email.sent_at is not None
    # Nothing more to summarise: a second run sends nothing.
    assert "Queued 0 daily summary email(s)" in runner.invoke(args=["send-daily-summaries"]).output


def test_nobody_gets_anothers_summary(db_session):
    one, two = factories.make_provider(**DAILY), factories.make_provider(**DAILY)
    _answered(one, closes_at=london(2030, 6, 28, 12), now=london(2030, 6, 3, 10), text="Only for one?")
    _answered(two, closes_at=london(2030, 6, 28, 12), now=london(2030, 6, 3, 10), text="Only for two?")
    assert queue_daily_summaries() == 2
    summaries = {
        e.to: e for e in db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.contains("summary")))
    }
    assert "Only for one?" in summaries[one.email].body and "Only for two?" not in summaries[one.email].body
    assert "Only for two?" in summaries[two.email].body and "Only for one?" not in summaries[two.email].body


def test_sign_in_links_resets_and_invitations_are_never_held(app, db_session):
    daily = factories.make_provider(**DAILY)
    inviter = factories.make_provider()
    with app.test_request_context():
        accounts.request_password_reset(daily.email)
        accounts.invite(email=daily.email, role=Role.MEMBER, actor=inviter, organisation=inviter.organisations[0])
    emails = outbox(daily.email)
    assert len(emails) == 2 and not any(e.held_for_summary for e in emails)


@pytest.mark.clock
def test_a_deadline_within_two_working_days_is_never_held(db_session):
    daily = factories.make_provider(**DAILY)
    # Monday 3 June 2030: Wednesday is two working days on, Thursday three.
    _answered(daily, closes_at=london(2030, 6, 5, 12), now=london(2030, 6, 3, 10))
    _answered(daily, closes_at=london(2030, 6, 6, 12), now=london(2030, 6, 3, 10))
    assert [e.held_for_summary for e in outbox(daily.email)] == [False, True]


@pytest.mark.clock
def test_a_deadline_after_a_bank_holiday_monday_counts_working_days_only():
    """Friday 22 May 2026, before the spring bank holiday (Monday 25 May): Wednesday 27 is
    two working days on, so urgent; a week earlier, Wednesday 20 is three."""
    friday_before_holiday = london(2026, 5, 22, 16)
    assert due_soon(london(2026, 5, 27, 17), friday_before_holiday)
    assert not due_soon(london(2026, 5, 28, 9), friday_before_holiday)
    ordinary_friday = london(2026, 5, 15, 16)
    assert due_soon(london(2026, 5, 19, 17), ordinary_friday)
    assert not due_soon(london(2026, 5, 20, 17), ordinary_friday)
    # A deadline passed is nothing to hurry for.
    assert not due_soon(london(2026, 5, 22, 9), friday_before_holiday)


@pytest.mark.clock
def test_an_answer_on_a_need_closing_after_a_bank_holiday_is_sent_at_once(db_session):
    daily = factories.make_provider(**DAILY)
    _answered(daily, closes_at=london(2026, 5, 27, 12), now=london(2026, 5, 22, 16))  # Tuesday is a working day away
    _answered(daily, closes_at=london(2026, 5, 20, 12), now=london(2026, 5, 15, 16))  # an ordinary week: 3 days
    assert [e.held_for_summary for e in outbox(daily.email)] == [False, True]
