"""The need an audit event is about, recorded with the event (audit_events.need_id), so that
the record of decisions finds an area's decisions by one indexed column instead of going
from every event through its object's tables to the need.

An object is tied to its need by its own column (a need itself, a bid, a contract, a
conflict declaration) or one step through a table it refers to (a lot, a bid, a contract).
Objects of other kinds (users, organisations, emails...) have no need: None. Tables are
named, not imported, as the audit trail sits below every other package.
"""

from typing import Any

import sqlalchemy as sa

from ..extensions import Model, db

# object table -> (its column, the table that column refers to, or None when it is the need's id)
PATHS: dict[str, tuple[str, str | None]] = {
    "needs": ("id", None),
    "bids": ("need_id", None),
    "contracts": ("need_id", None),
    "conflict_declarations": ("need_id", None),
    "moderation_closures": ("lot_id", "lots"),
    "award_decisions": ("lot_id", "lots"),
    "low_bid_reviews": ("bid_id", "bids"),
    "contract_variations": ("contract_id", "contracts"),
    "payments": ("contract_id", "contracts"),
    "partnership_reviews": ("contract_id", "contracts"),
}


def _mapped_class(table_name: str):
    for mapper in Model.registry.mappers:
        if mapper.class_.__tablename__ == table_name:
            return mapper.class_
    raise LookupError(table_name)


def need_of(obj: Any) -> int | None:
    """The id of the need `obj` belongs to, or None. The object it refers to comes from the
    session's identity map when loaded already (as it usually is), else one query."""
    path = PATHS.get(obj.__tablename__)
    if path is None:
        return None
    column, via = path
    value = getattr(obj, column)
    if via is None or value is None:
        return value
    related = db.session.get(_mapped_class(via), value)
    return None if related is None else related.need_id


def fill_need_ids() -> None:
    """Set need_id on every event recorded without it whose object belongs to a need (for
    events inserted in bulk, by the data generators): one UPDATE per kind of object."""
    events = db.metadata.tables["audit_events"]
    for object_type, (column, via) in PATHS.items():
        table = db.metadata.tables[object_type]
        own = table.c[column]
        if via is None:
            found: Any = sa.select(own).where(table.c.id == events.c.object_id).scalar_subquery()
        else:
            target = db.metadata.tables[via]
            found = (
                sa.select(target.c.need_id)
                .select_from(table.join(target, target.c.id == own))
                .where(table.c.id == events.c.object_id)
                .scalar_subquery()
            )
        db.session.execute(
            sa.update(events)
            .where(events.c.object_type == object_type, events.c.need_id.is_(None), events.c.object_id.is_not(None))
            .values(need_id=found)
        )
