"""The outbox: emails are queued with the change that causes them and sent by a command."""

import smtplib

from marketplace.extensions import db
from marketplace.notifications import OutboxEmail, backends, queue_email, send_queued

from . import factories


def _queue(app, to="a@example.org"):
    with app.test_request_context():
        return queue_email(
            to, "Subject", "verify_email", user=factories.make_user(name="Pat"), link="https://x.example/l", hours=72
        )


def test_send_emails_command_prints_and_marks_sent_without_smtp(app, db_session):
    _queue(app)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-emails"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 email(s); 0 failed" in result.output
    assert "email to a@example.org: Subject" in result.output  # the console stands in for SMTP
    assert "Hello Pat" in result.output
    email = db.session.query(OutboxEmail).one()
    assert email.sent_at is not None and email.attempts == 1
    # Nothing left: a second run sends nothing.
    assert "Sent 0 email(s)" in runner.invoke(args=["send-emails"]).output


def test_smtp_failure_keeps_the_email_queued_with_the_error(app, db_session, monkeypatch):
    _queue(app, "b@example.org")
    _queue(app, "c@example.org")
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.invalid")
    sent_to = []

    def fake_send(config, email):
        if email.to == "b@example.org":
            raise smtplib.SMTPRecipientsRefused({email.to: (550, b"no such user")})
        sent_to.append(email.to)

    monkeypatch.setattr(backends, "smtp_send", fake_send)
    with app.app_context():
        assert send_queued() == (1, 1)
    failed = db.session.query(OutboxEmail).filter_by(to="b@example.org").one()
    assert failed.sent_at is None and failed.attempts == 1 and "SMTPRecipientsRefused" in failed.last_error
    assert sent_to == ["c@example.org"]


def test_email_is_given_up_after_five_attempts(app, db_session, monkeypatch):
    _queue(app)
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.invalid")

    def always_fails(config, email):
        raise OSError("connection refused")

    monkeypatch.setattr(backends, "smtp_send", always_fails)
    with app.app_context():
        for _ in range(7):
            send_queued()
    assert db.session.query(OutboxEmail).one().attempts == 5


def test_rolled_back_change_queues_no_email(app, db_session):
    _queue(app)
    db.session.rollback()
    assert db.session.query(OutboxEmail).count() == 0


def test_links_in_emails_queued_by_commands_use_base_url(app, db_session, monkeypatch):
    from marketplace.accounts import services
    from marketplace.accounts.models import Role

    monkeypatch.setitem(app.config, "BASE_URL", "https://localpartners.example.gov.uk")
    owner = factories.make_provider(Role.OWNER)
    services.invite(email="new@example.org", role=Role.MEMBER, actor=owner, organisation=owner.organisations[0])
    email = db.session.query(OutboxEmail).filter_by(to="new@example.org").one()
    assert "https://localpartners.example.gov.uk/invitations/" in email.body


def test_development_prints_an_email_only_when_its_transaction_really_commits(capsys):
    """MAIL_ECHO prints queued emails after the commit; releasing a savepoint (a service's
    begin_nested) is not that commit, so nothing is printed until the outer one."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from marketplace.notifications.models import OutboxEmail as Email

    email = Email(to="pat@example.org", subject="Rated", body="Hello Pat")
    with Session(sa.create_engine("sqlite://")) as session, session.begin():
        session.info["echo_emails"] = [email]
        with session.begin_nested():
            session.execute(sa.text("SELECT 1"))
        assert "email to pat@example.org" not in capsys.readouterr().err
    assert "email to pat@example.org: Rated" in capsys.readouterr().err
