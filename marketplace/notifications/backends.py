"""How an outbox email leaves: GOV.UK Notify when NOTIFY_API_KEY is set, SMTP when
MAIL_SERVER is set, else printed to the console (development). One outbox feeds them all,
with the same retries and marking (services.send_queued).

Notify sends only from templates it holds, so every email goes through one generic
template (NOTIFY_TEMPLATE_ID) whose subject is ((subject)) and whose body is ((body)), as
GOV.UK services do for free text; the outbox row's id is the Notify reference.
"""

import smtplib
import sys
from email.message import EmailMessage

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from .models import OutboxEmail

NOTIFY_API = "https://api.notifications.service.gov.uk"
TIMEOUT_SECONDS = 30

# What a failed delivery raises: the email stays queued, with the error, for the next run.
DELIVERY_ERRORS = (OSError, smtplib.SMTPException, APIError)


def backend_name(config) -> str:
    if config.get("NOTIFY_API_KEY"):
        return "notify"
    if config.get("MAIL_SERVER"):
        return "smtp"
    return "console"


def deliver(config, email: OutboxEmail) -> None:
    """Send one email through the configured backend; raises one of DELIVERY_ERRORS."""
    backend = backend_name(config)
    if backend == "notify":
        notify_send(config, email)
    elif backend == "smtp":
        smtp_send(config, email)
    else:
        console_print(email.to, email.subject, email.sendable_body)


def console_print(to: str, subject: str, body: str) -> None:
    print(f"\n----- email to {to}: {subject}\n{body}\n-----", file=sys.stderr, flush=True)  # noqa: T201 (the console email backend)


def smtp_send(config, email: OutboxEmail) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.sendable_body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def notify_send(config, email: OutboxEmail) -> None:
    """One email through GOV.UK Notify's generic template. The client raises an APIError
    for a refusal (4xx), a failure (5xx) or no answer at all (HTTPError)."""
    client = NotificationsAPIClient(
        config["NOTIFY_API_KEY"], base_url=config.get("NOTIFY_API_BASE") or NOTIFY_API, timeout=TIMEOUT_SECONDS
    )
    client.send_email_notification(
        email_address=email.to,
        template_id=config["NOTIFY_TEMPLATE_ID"],
        personalisation={"subject": email.subject, "body": email.sendable_body},
        reference=f"outbox-{email.id}",
    )
