"""Email settings: each person chooses each email as it happens, or one email a day with
everything (notifications holds the rest for the daily summary). Answers notifications'
question `wants_daily_summary` (marketplace/signals.py) from the user's choice."""

import sqlalchemy as sa

from .. import audit, signals
from ..extensions import db
from ..notifications import EmailFrequency, OutboxEmail
from .models import User


@signals.wants_daily_summary.connect
def _wants_daily_summary(address: str) -> bool:
    frequency = db.session.scalar(sa.select(User.email_frequency).where(User.email == address))
    return frequency == EmailFrequency.DAILY


def set_email_frequency(user: User, frequency: EmailFrequency) -> bool:
    """Change how the user gets emails; False when it is already so. Choosing each email
    as it happens releases what was held for their next summary, to be sent with the next
    run of send-emails. Flushes; the caller commits."""
    if user.email_frequency == frequency:
        return False
    before = user.email_frequency.value
    user.email_frequency = frequency
    if frequency == EmailFrequency.IMMEDIATE:
        db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.to == user.email, OutboxEmail.held_for_summary.is_(True), OutboxEmail.sent_at.is_(None))
            .values(held_for_summary=False)
        )
    audit.record(
        "user.email_frequency_changed",
        user,
        actor=user,
        before={"email_frequency": before},
        after={"email_frequency": frequency.value},
    )
    return True
