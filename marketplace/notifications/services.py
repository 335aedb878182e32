import smtplib
import sys
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for

from ..extensions import db
from ..timeutil import utcnow
from .models import OutboxEmail

MAX_ATTEMPTS = 5


def external_url(endpoint: str, **values) -> str:
    """A full link for an email. Inside a request, on the host the user is using; in a
    command (no request), on BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def mask_link(url: str) -> str:
    """A private link as the service team may see it: where it goes, not its token."""
    return url.rsplit("/", 1)[0] + "/[hidden] (a private link, sent only to the recipient)"


def queue_email(to: str, subject: str, template: str, *, private: tuple[str, ...] = (), **context) -> OutboxEmail:
    """Queue an email whose body is templates/emails/<template>.txt. The caller commits.

    `private` names the context values that are live sign-in links (verify, reset,
    invitation): the service team reads the email with them masked, and the email as sent
    keeps them only until it is sent."""
    body = render_template(f"emails/{template}.txt", **context)
    email = OutboxEmail(to=to, subject=subject, body=body)
    if private:
        email.private_body = body
        email.body = render_template(
            f"emails/{template}.txt", **{**context, **{key: mask_link(context[key]) for key in private}}
        )
    db.session.add(email)
    if current_app.config.get("MAIL_ECHO"):
        db.session.info.setdefault("echo_emails", []).append(email)
    return email


def echo_committed_emails(session) -> None:
    """After a commit, print the emails it queued (development: links appear in the console)."""
    for email in session.info.pop("echo_emails", []):
        _print(email.to, email.subject, email.sendable_body)


def forget_rolled_back_emails(session) -> None:
    session.info.pop("echo_emails", None)


def _print(to: str, subject: str, body: str) -> None:
    print(f"\n----- email to {to}: {subject}\n{body}\n-----", file=sys.stderr, flush=True)  # noqa: T201 (the console email backend)


def _smtp_send(config, email: OutboxEmail) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.sendable_body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send_queued(limit: int = 500) -> tuple[int, int]:
    """Send queued emails, oldest first. Returns (sent, failed). Commits after each email,
    so a crash part way through never sends one twice on the next run.

    Rows are locked with SKIP LOCKED on PostgreSQL, so two senders never take the same one.
    """
    config = current_app.config
    sent = failed = 0
    last_id = 0
    for _ in range(limit):
        email = db.session.scalar(
            sa.select(OutboxEmail)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.attempts < MAX_ATTEMPTS,
                OutboxEmail.id > last_id,
            )
            .order_by(OutboxEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if email is None:
            break
        last_id = email.id
        email.attempts += 1
        try:
            if config["MAIL_SERVER"]:
                _smtp_send(config, email)
            else:
                _print(email.to, email.subject, email.sendable_body)
        except (OSError, smtplib.SMTPException) as error:
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            failed += 1
        else:
            email.sent_at = utcnow()
            email.last_error = None
            email.private_body = None  # the live links leave the database with the email
            sent += 1
        db.session.commit()
    return sent, failed
