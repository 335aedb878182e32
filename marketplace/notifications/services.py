"""Queuing an email with the change that causes it, and sending the outbox.

An email to someone who chose one email a day is held for their daily summary
(summaries.py), unless it must reach them at once: `urgent` (a deadline within two working
days, see due_soon), a live sign-in link (`private`), or an account email (ALWAYS_AT_ONCE).
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import LazyString

from .. import signals
from ..extensions import db
from ..i18n import DEFAULT as DEFAULT_LANGUAGE
from ..i18n import in_language
from ..timeutil import london_date, utcnow
from ..workdays import add_working_days
from . import backends
from .models import OutboxEmail

MAX_ATTEMPTS = 5
URGENT_WORKING_DAYS = 2

# Emails about the account itself: signing in, confirming an address, a changed second
# factor, an invitation. Never held for a summary, whatever the person chose.
ALWAYS_AT_ONCE = frozenset(
    {
        "verify_email",
        "reset_password",
        "invitation",
        "already_registered",
        "two_factor_reset",
        "two_factor_turned_off",
        "daily_summary",
    }
)


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


def due_soon(deadline: datetime | None, now: datetime | None = None) -> bool:
    """Whether a deadline still to come falls within two working days of today (London
    days, bank holidays not counted): an email about it is sent at once, never held."""
    now = now or utcnow()
    if deadline is None or deadline < now:
        return False
    return london_date(deadline) <= add_working_days(london_date(now), URGENT_WORKING_DAYS)


def wants_daily_summary(to: str) -> bool:
    """Whether the person with this address chose one email a day (accounts answers)."""
    return any(signals.answers(signals.wants_daily_summary, to.strip().lower()))


def recipient_language(to: str) -> str | None:
    """The language the person with this address reads the service in (accounts answers),
    or None for an address with no account: the email is then in English."""
    return signals.first_answer(signals.language_of, to.strip().lower())


def queue_email(
    to: str, subject: str | LazyString, template: str, *, private: tuple[str, ...] = (), urgent: bool = False, **context
) -> OutboxEmail:
    """Queue an email whose body is templates/emails/<template>.txt. The caller commits.

    `private` names the context values that are live sign-in links (verify, reset,
    invitation): the service team reads the email with them masked, and the email as sent
    keeps them only until it is sent. The subject (a lazy_gettext string) and the body are
    written in the recipient's language (recipient_language). `urgent`: it tells of a deadline within two working
    days (due_soon), so it is sent at once even to someone who chose a daily summary."""
    language = recipient_language(to) or DEFAULT_LANGUAGE
    with in_language(language):
        subject = str(subject)
        body = render_template(f"emails/{template}.txt", **context)
        masked = (
            render_template(
                f"emails/{template}.txt", **{**context, **{key: mask_link(context[key]) for key in private}}
            )
            if private
            else body
        )
    held = not (urgent or private or template in ALWAYS_AT_ONCE) and wants_daily_summary(to)
    email = OutboxEmail(to=to, subject=subject, body=masked, held_for_summary=held, language=language)
    if private:
        email.private_body = body
    db.session.add(email)
    if current_app.config.get("MAIL_ECHO"):
        db.session.info.setdefault("echo_emails", []).append(email)
    return email


def echo_committed_emails(session) -> None:
    """After a commit, print the emails it queued (development: links appear in the console)."""
    for email in session.info.pop("echo_emails", []):
        backends.console_print(email.to, email.subject, email.sendable_body)


def forget_rolled_back_emails(session) -> None:
    session.info.pop("echo_emails", None)


def send_queued(limit: int = 500) -> tuple[int, int]:
    """Send queued emails, oldest first, through the configured backend (backends.py);
    emails held for a daily summary wait for it. Returns (sent, failed). Commits after
    each email, so a crash part way through never sends one twice on the next run.

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
                OutboxEmail.held_for_summary.is_(False),
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
            backends.deliver(config, email)
        except backends.DELIVERY_ERRORS as error:
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            failed += 1
        else:
            email.sent_at = utcnow()
            email.last_error = None
            email.private_body = None  # the live links leave the database with the email
            sent += 1
        db.session.commit()
    return sent, failed
