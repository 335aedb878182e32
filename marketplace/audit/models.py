from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow


class AuditEvent(Model):
    """Who did what to which object, when, with the state before and after.

    Rows are only ever inserted: nothing in the portal updates or deletes them.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    # The need the object belongs to, if any (audit.needs): the record of decisions reads by it.
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    actor = relationship("User", foreign_keys=[actor_id])

    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id"),
        # The action too: the record of decisions counts its rows from the index alone.
        sa.Index("ix_audit_events_need_occurred_action", "need_id", "occurred_at", "action"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"
