from typing import Any

from ..extensions import db
from .models import AuditEvent
from .needs import need_of


def record(
    action: str,
    obj: Any,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller commits it with the change.

    `obj` is a model instance (flushed here if new, so it has an id). `actor` is the User
    who acted, or None for the system. The event records the need the object belongs to,
    if any (see needs.py).
    """
    if getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        need_id=need_of(obj),
        actor_id=getattr(actor, "id", None),
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    return event
