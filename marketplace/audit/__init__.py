"""The audit trail: one AuditEvent for every change of state, in the same transaction."""

from .models import AuditEvent
from .services import record

__all__ = ["AuditEvent", "record"]
