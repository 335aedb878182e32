"""Email through an outbox table: queued in the transaction of the change that causes it,
sent later by `flask --app wsgi send-emails` (SMTP when MAIL_SERVER is set, else the console)."""

from .models import OutboxEmail
from .services import external_url, queue_email, send_queued

__all__ = ["OutboxEmail", "external_url", "queue_email", "send_queued"]
