"""The record of decisions: every material decision about an area's needs, read from the
audit trail (who, when, what and why), each linked to the need it belongs to. One query:
each event's need is found by the object it is about, in SQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..extensions import db
from ..needs.models import Need
from .reporting.scope import Period, Scope

# The material decisions, grouped as the filter offers them.
KINDS = {
    "need": (
        "Needs: published, amended, corrected, withdrawn, cancelled, awarded",
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
        "Evaluation: conflicts declared, moderation, abnormally low bids",
        (
            "conflict.declared",
            "scores.moderated",
            "moderation.closed",
            "low_bid.decided",
        ),
    ),
    "award": ("Awards and sign-off", ("award.decided", "award.signed_off", "award.sign_off_refused")),
    "contract": ("Contracts and variations", ("contract.created", "contract.varied", "contract.variation_declined")),
    "payment": ("Payments", ("payment.paid", "payment.reversed")),
    "review": ("Partnership ratings", ("review.rated",)),
}
ACTIONS = tuple(action for _, actions in KINDS.values() for action in actions)
LABELS = {
    "need.published": "Need published",
    "need.amended": "Need amended",
    "need.corrected": "Need corrected (no bid affected)",
    "need.withdrawn": "Need withdrawn",
    "need.cancelled": "Need cancelled",
    "need.awarded": "Need awarded",
    "need.not_awarded": "Need not awarded",
    "conflict.declared": "Interests declared",
    "scores.moderated": "Scores moderated",
    "moderation.closed": "Moderation closed",
    "low_bid.decided": "Abnormally low bid decided",
    "award.decided": "Award decided",
    "award.signed_off": "Award signed off",
    "award.sign_off_refused": "Sign-off refused",
    "contract.created": "Contract made",
    "contract.varied": "Contract varied",
    "contract.variation_declined": "Variation declined",
    "payment.paid": "Payment made",
    "payment.reversed": "Payment reversed",
    "review.rated": "Partnership rated",
}


# How to reach the need from each kind of object the decisions are about: the tables to
# join after audit_events (the first on the event's object_id), and the need's id column.
def _paths() -> dict:
    tables = db.metadata.tables
    event = AuditEvent.__table__
    bids, lots, contracts = tables["bids"], tables["lots"], tables["contracts"]

    def own(name, *then, need=None):
        table = tables[name]
        return [(table, table.c.id == event.c.object_id), *then], need if need is not None else table.c.need_id

    return {
        "needs": ([], event.c.object_id),
        "bids": own("bids"),
        "conflict_declarations": own("conflict_declarations"),
        "moderation_closures": own(
            "moderation_closures", (lots, lots.c.id == tables["moderation_closures"].c.lot_id), need=lots.c.need_id
        ),
        "low_bid_reviews": own(
            "low_bid_reviews", (bids, bids.c.id == tables["low_bid_reviews"].c.bid_id), need=bids.c.need_id
        ),
        "award_decisions": own(
            "award_decisions", (lots, lots.c.id == tables["award_decisions"].c.lot_id), need=lots.c.need_id
        ),
        "contracts": own("contracts"),
        "contract_variations": own(
            "contract_variations",
            (contracts, contracts.c.id == tables["contract_variations"].c.contract_id),
            need=contracts.c.need_id,
        ),
        "payments": own(
            "payments", (contracts, contracts.c.id == tables["payments"].c.contract_id), need=contracts.c.need_id
        ),
        "partnership_reviews": own(
            "partnership_reviews",
            (contracts, contracts.c.id == tables["partnership_reviews"].c.contract_id),
            need=contracts.c.need_id,
        ),
    }


def _events(actions, *where):
    """(event_id, need_id) of the decision events meeting `where` (on AuditEvent and Need),
    as one UNION ALL with a branch per kind of object: each branch goes from the events of
    its kind through its tables to the need, so the need's filters (area, category) and the
    period narrow every branch by index rather than finding the need of every event first."""
    event = AuditEvent.__table__
    branches = []
    for kind, (joins, need_id) in _paths().items():
        source = event
        for table, on in joins:
            source = source.join(table, on)
        source = source.join(Need, Need.id == need_id)
        branches.append(
            sa.select(event.c.id.label("event_id"), Need.id.label("need_id"))
            .select_from(source)
            .where(event.c.object_type == kind, event.c.action.in_(actions), *where)
        )
    return sa.union_all(*branches).subquery()


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


def query(scope: Scope, period: Period, kind: str | None = None):
    """A select of the AuditEvents that are material decisions in scope, newest first (for
    db.paginate); `with_needs` then attaches each one's need."""
    events = _events(
        KINDS[kind][1] if kind else ACTIONS,
        scope.needs(),
        AuditEvent.occurred_at >= period.starts_at,
        AuditEvent.occurred_at < period.ends_before,
    )
    return (
        sa.select(AuditEvent)
        .join(events, events.c.event_id == AuditEvent.id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )


def with_needs(events: Sequence[AuditEvent]) -> list[Decision]:
    """The events with their needs, in one query."""
    if not events:
        return []
    found = _events(ACTIONS, AuditEvent.id.in_([e.id for e in events]))
    needs: dict[int, Need] = dict(
        db.session.execute(
            sa.select(found.c.event_id, Need)
            .join(Need, Need.id == found.c.need_id)
            .where(found.c.event_id.in_([e.id for e in events]))
        ).all()
    )
    return [Decision(event, needs[event.id]) for event in events if event.id in needs]


def decisions(scope: Scope, period: Period, kind: str | None = None, *, limit: int | None = None) -> list[Decision]:
    select = query(scope, period, kind)
    if limit:
        select = select.limit(limit)
    return with_needs(db.session.scalars(select).all())
