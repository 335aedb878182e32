"""The record of decisions: every material decision about an area's needs, read from the
audit trail (who, when, what and why), each linked to the need it belongs to. One query:
each event's need is found by the object it is about, in SQL.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..extensions import db
from ..needs.models import Need
from .reporting import Period, Scope

# The material decisions, grouped as the filter offers them.
KINDS = {
    "need": ("Needs: published, amended, withdrawn, cancelled, awarded", (
        "need.published", "need.amended", "need.withdrawn", "need.cancelled", "need.awarded", "need.not_awarded",
    )),
    "evaluation": ("Evaluation: conflicts declared, moderation, abnormally low bids", (
        "conflict.declared", "scores.moderated", "moderation.closed", "low_bid.decided",
    )),
    "award": ("Awards and sign-off", ("award.decided", "award.signed_off", "award.sign_off_refused")),
    "contract": ("Contracts and variations", ("contract.created", "contract.varied", "contract.variation_declined")),
    "payment": ("Payments", ("payment.paid", "payment.reversed")),
    "review": ("Partnership ratings", ("review.rated",)),
}
ACTIONS = tuple(action for _, actions in KINDS.values() for action in actions)
LABELS = {
    "need.published": "Need published", "need.amended": "Need amended", "need.withdrawn": "Need withdrawn",
    "need.cancelled": "Need cancelled", "need.awarded": "Need awarded", "need.not_awarded": "Need not awarded",
    "conflict.declared": "Interests declared", "scores.moderated": "Scores moderated", "moderation.closed": "Moderation closed",
    "low_bid.decided": "Abnormally low bid decided", "award.decided": "Award decided", "award.signed_off": "Award signed off",
    "award.sign_off_refused": "Sign-off refused", "contract.created": "Contract made", "contract.varied": "Contract varied",
    "contract.variation_declined": "Variation declined", "payment.paid": "Payment made", "payment.reversed": "Payment reversed",
    "review.rated": "Partnership rated",
}

# How to find the need of each kind of object the decisions are about.
_NEED_OF = {
    "needs": "SELECT id FROM needs WHERE id = audit_events.object_id",
    "bids": "SELECT need_id FROM bids WHERE id = audit_events.object_id",
    "conflict_declarations": "SELECT need_id FROM conflict_declarations WHERE id = audit_events.object_id",
    "moderation_closures": "SELECT lots.need_id FROM moderation_closures JOIN lots ON lots.id = moderation_closures.lot_id"
                           " WHERE moderation_closures.id = audit_events.object_id",
    "low_bid_reviews": "SELECT bids.need_id FROM low_bid_reviews JOIN bids ON bids.id = low_bid_reviews.bid_id"
                       " WHERE low_bid_reviews.id = audit_events.object_id",
    "award_decisions": "SELECT lots.need_id FROM award_decisions JOIN lots ON lots.id = award_decisions.lot_id"
                       " WHERE award_decisions.id = audit_events.object_id",
    "contracts": "SELECT need_id FROM contracts WHERE id = audit_events.object_id",
    "contract_variations": "SELECT contracts.need_id FROM contract_variations JOIN contracts ON contracts.id = contract_variations.contract_id"
                           " WHERE contract_variations.id = audit_events.object_id",
    "payments": "SELECT contracts.need_id FROM payments JOIN contracts ON contracts.id = payments.contract_id"
                " WHERE payments.id = audit_events.object_id",
    "partnership_reviews": "SELECT contracts.need_id FROM partnership_reviews JOIN contracts ON contracts.id = partnership_reviews.contract_id"
                           " WHERE partnership_reviews.id = audit_events.object_id",
}


def need_id_column():
    """The need an audit event belongs to, as an SQL expression (NULL for other objects)."""
    whens = " ".join(f"WHEN '{kind}' THEN ({query})" for kind, query in _NEED_OF.items())
    return sa.literal_column(f"(CASE audit_events.object_type {whens} END)", type_=sa.Integer)


@dataclass(frozen=True)
class Decision:
    event: AuditEvent
    need: Need

    @property
    def label(self) -> str:
        return LABELS.get(self.event.action, self.event.action)

    @property
    def at(self) -> datetime:
        return self.event.occurred_at


def _events(actions):
    return (
        sa.select(AuditEvent.id.label("event_id"), need_id_column().label("need_id"))
        .where(AuditEvent.action.in_(actions), AuditEvent.object_type.in_(tuple(_NEED_OF)))
        .subquery()
    )


def query(scope: Scope, period: Period, kind: str | None = None):
    """A select of the AuditEvents that are material decisions in scope, newest first (for
    db.paginate); `with_needs` then attaches each one's need."""
    events = _events(KINDS[kind][1] if kind else ACTIONS)
    return (
        sa.select(AuditEvent)
        .join(events, events.c.event_id == AuditEvent.id)
        .join(Need, Need.id == events.c.need_id)
        .where(scope.needs(), AuditEvent.occurred_at >= period.starts_at, AuditEvent.occurred_at < period.ends_before)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )


def with_needs(events: list[AuditEvent]) -> list[Decision]:
    """The events with their needs, in one query."""
    if not events:
        return []
    found = _events(ACTIONS)
    needs = dict(
        db.session.execute(
            sa.select(found.c.event_id, Need).join(Need, Need.id == found.c.need_id).where(found.c.event_id.in_([e.id for e in events]))
        ).all()
    )
    return [Decision(event, needs[event.id]) for event in events if event.id in needs]


def decisions(scope: Scope, period: Period, kind: str | None = None, *, limit: int | None = None) -> list[Decision]:
    select = query(scope, period, kind)
    if limit:
        select = select.limit(limit)
    return with_needs(db.session.scalars(select).all())
