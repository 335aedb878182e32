"""The record of decisions: every material decision about an area's needs, read from the
audit trail (who, when, what and why), each linked to the need it belongs to: each event
records its need as it is recorded (audit_events.need_id), so one indexed query.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..audit.models import AuditEvent
from ..extensions import db
from ..needs.models import Need
from .reporting.scope import Period, Scope

# The material decisions, grouped as the filter offers them.
KINDS = {
    "need": (
        _l("Needs: published, amended, corrected, withdrawn, cancelled, awarded"),
        (
            "need.published",
            "need.amended",
            "need.corrected",
            "need.withdrawn",
            "need.cancelled",
            "need.awarded",
            "need.not_awarded",
        ),
    ),
    "evaluation": (
        _l("Evaluation: conflicts declared, moderation, abnormally low bids"),
        (
            "conflict.declared",
            "scores.moderated",
            "moderation.closed",
            "low_bid.decided",
        ),
    ),
    "award": (_l("Awards and sign-off"), ("award.decided", "award.signed_off", "award.sign_off_refused")),
    "contract": (
        _l("Contracts and variations"),
        ("contract.created", "contract.varied", "contract.variation_declined"),
    ),
    "payment": (_l("Payments"), ("payment.paid", "payment.reversed")),
    "review": (_l("Partnership ratings"), ("review.rated",)),
}
ACTIONS = tuple(action for _, actions in KINDS.values() for action in actions)
LABELS = {
    "need.published": _l("Need published"),
    "need.amended": _l("Need amended"),
    "need.corrected": _l("Need corrected (no bid affected)"),
    "need.withdrawn": _l("Need withdrawn"),
    "need.cancelled": _l("Need cancelled"),
    "need.awarded": _l("Need awarded"),
    "need.not_awarded": _l("Need not awarded"),
    "conflict.declared": _l("Interests declared"),
    "scores.moderated": _l("Scores moderated"),
    "moderation.closed": _l("Moderation closed"),
    "low_bid.decided": _l("Abnormally low bid decided"),
    "award.decided": _l("Award decided"),
    "award.signed_off": _l("Award signed off"),
    "award.sign_off_refused": _l("Sign-off refused"),
    "contract.created": _l("Contract made"),
    "contract.varied": _l("Contract varied"),
    "contract.variation_declined": _l("Variation declined"),
    "payment.paid": _l("Payment made"),
    "payment.reversed": _l("Payment reversed"),
    "review.rated": _l("Partnership rated"),
}


@dataclass(frozen=True)
class Decision:
    event: AuditEvent
    need: Need

    @property
    def label(self) -> LazyString | str:
        return LABELS.get(self.event.action, self.event.action)

    @property
    def at(self) -> datetime:
        return self.event.occurred_at


def query(scope: Scope, period: Period, kind: str | None = None):
    """A select of the AuditEvents that are material decisions in scope, newest first (for
    db.paginate); `with_needs` then attaches each one's need. Each event records its need
    (audit_events.need_id, set as it is recorded), so the area's and category's needs pick
    their events by the index of events by need and time."""
    return (
        sa.select(AuditEvent)
        .join(Need, Need.id == AuditEvent.need_id)
        .where(
            scope.needs(),
            AuditEvent.action.in_(KINDS[kind][1] if kind else ACTIONS),
            AuditEvent.occurred_at >= period.starts_at,
            AuditEvent.occurred_at < period.ends_before,
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )


def with_needs(events: Sequence[AuditEvent]) -> list[Decision]:
    """The events with their needs, in one query."""
    if not events:
        return []
    ids = {e.need_id for e in events if e.need_id is not None}
    needs = {need.id: need for need in db.session.scalars(sa.select(Need).where(Need.id.in_(ids)))}
    return [Decision(event, needs[event.need_id]) for event in events if event.need_id in needs]


def decisions(scope: Scope, period: Period, kind: str | None = None, *, limit: int | None = None) -> list[Decision]:
    select = query(scope, period, kind)
    if limit:
        select = select.limit(limit)
    return with_needs(db.session.scalars(select).all())
