"""Email through an outbox table: queued in the transaction of the change that causes it,
sent later by `flask --app wsgi send-emails` (GOV.UK Notify when NOTIFY_API_KEY is set,
SMTP when MAIL_SERVER is set, else the console), or held for the recipient's daily summary
(`flask --app wsgi send-daily-summaries`) when they chose one email a day."""

from .models import EmailFrequency, OutboxEmail
from .services import due_soon, external_url, queue_email, send_queued
from .summaries import queue_daily_summaries

__all__ = [
    "EmailFrequency",
    "OutboxEmail",
    "due_soon",
    "external_url",
    "queue_daily_summaries",
    "queue_email",
    "send_queued",
]
