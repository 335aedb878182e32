import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow


class EmailFrequency(enum.StrEnum):
    """How a person chooses to get the portal's emails (users.email_frequency)."""

    IMMEDIATE = "immediate"
    DAILY = "daily"

    @property
    def label(self) -> LazyString:
        return FREQUENCY_LABELS[self.value]


FREQUENCY_LABELS = {
    "immediate": _l("Send each email as it happens"),
    "daily": _l("One email a day with everything"),
}


class OutboxEmail(Model):
    """An email to send. `body` is what the service team may read: a live sign-in link
    (verify, reset, invitation) is masked in it. `private_body` is the email as it is sent,
    with the live links, kept only until it is sent (then None), and never shown."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # The language it is written in, its recipient's ("en" or "cy"): the admin's pages
    # mark it so (lang), as screen readers need.
    language: Mapped[str] = mapped_column(sa.String(2), default="en", server_default="en")
    private_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # Held for its recipient's daily summary (they chose one email a day): never sent on
    # its own. Once the summary carrying it is queued, summary_id points at it and
    # sent_at is set.
    held_for_summary: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    summary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_emails.id"))

    __table_args__ = (
        sa.Index(
            "ix_outbox_emails_unsent",
            "id",
            sqlite_where=sa.text("sent_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL"),
        ),
    )

    @property
    def sendable_body(self) -> str:
        """The email as its recipient gets it."""
        return self.private_body if self.private_body is not None else self.body
