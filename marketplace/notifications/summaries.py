"""Daily summaries: everything held for a person who chose one email a day, in one email.

`flask --app wsgi send-daily-summaries` (once a day, from cron) queues one summary per
person with held emails, marks each held email as carried by it (sent_at, summary_id),
then sends the outbox. Emails that could not wait (a deadline within two working days, a
sign-in link, an account email) were never held: services.queue_email sent them at once.
"""

from datetime import datetime
from itertools import groupby

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from ..extensions import db
from ..i18n import LANGUAGES, in_language
from ..timeutil import utcnow
from .models import OutboxEmail
from .services import external_url, queue_email, recipient_language

SIGN_OFF = "Local Partners"


def _greetings() -> tuple[str, ...]:
    """How an email starts in each language ("Hello", "Helo")."""
    greetings = []
    for language in LANGUAGES:
        with in_language(language):
            greetings.append(gettext("Hello,").rstrip(","))
    return tuple(greetings)


def gist(body: str) -> str:
    """An email's body as an entry of a summary: without its greeting and sign-off."""
    lines = body.strip().splitlines()
    if lines and lines[0].startswith(_greetings()):
        lines = lines[1:]
    if lines and lines[-1].strip() == SIGN_OFF:
        lines = lines[:-1]
    return "\n".join(lines).strip()


def held_emails() -> list[OutboxEmail]:
    """Every email waiting for its recipient's summary, by recipient, oldest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxEmail)
            .where(OutboxEmail.held_for_summary.is_(True), OutboxEmail.sent_at.is_(None))
            .order_by(OutboxEmail.to, OutboxEmail.id)
        )
    )


def queue_daily_summaries(now: datetime | None = None) -> int:
    """One summary email per person with held emails; returns how many. Flushes; the
    caller commits (the summaries and the held emails' marks in one transaction)."""
    now = now or utcnow()
    queued = 0
    settings_link = external_url("accounts.email_settings")
    for to, group in groupby(held_emails(), key=lambda email: email.to):
        emails = list(group)
        entries = [(email.subject, gist(email.body)) for email in emails]
        count = len(entries)
        with in_language(recipient_language(to)):
            subject = ngettext(
                "Your Local Partners summary: %(num)d update", "Your Local Partners summary: %(num)d updates", count
            )
        summary = queue_email(
            to,
            subject,
            "daily_summary",
            entries=entries,
            settings_link=settings_link,
        )
        db.session.flush()
        for email in emails:
            email.sent_at, email.summary_id = now, summary.id
        queued += 1
    db.session.flush()
    return queued
