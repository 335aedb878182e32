"""What the generate commands share: ids given here for rows inserted in bulk with Core
executemany, what PostgreSQL and the planner need after such an insert, and `Run`, one
generate-activity run: its random numbers, the made-up actor, the next id of each table
and the rows (audit events among them) waiting to be inserted."""

import random
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..audit.needs import fill_need_ids
from ..bids.models import Bid, BidPartner, BidRevision
from ..board import keeping
from ..contracts.models import (
    Contract,
    ContractMilestone,
    ContractParty,
    contract_outcomes,
)
from ..delivery.models import OutcomeReport, ReportOutcome, ReportSubmission
from ..evaluation.models import AwardDecision, ModerationClosure
from ..extensions import db
from ..needs import counts
from ..needs.models import Need
from ..organisations.models import Organisation
from ..payments.models import Payment
from ..workdays import at_london_time


def next_id(model) -> int:
    """The id after the largest there is, for rows inserted in bulk with their own ids."""
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def after_bulk_insert(tables) -> None:
    """Rows were inserted with their own ids: move PostgreSQL's id sequences past them,
    count the needs on the public list again (needs.counts, kept by the ORM's flushes,
    which these rows bypassed) and the board's figures (board.keeping), give the audit events inserted their needs (as audit.record
    does for one), and refresh the planner's statistics on either database."""
    counts.rebuild()
    keeping.rebuild()
    if "audit_events" in tables:
        fill_need_ids()
    if db.engine.dialect.name == "postgresql":
        for table in tables:
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


# The models whose ids a run gives, by the name new_id() takes.
_ID_MODELS = (
    ("organisation", Organisation),
    ("bid", Bid),
    ("revision", BidRevision),
    ("partner", BidPartner),
    ("closure", ModerationClosure),
    ("decision", AwardDecision),
    ("contract", Contract),
    ("party", ContractParty),
    ("milestone", ContractMilestone),
    ("report", OutcomeReport),
    ("submission", ReportSubmission),
    ("line", ReportOutcome),
    ("payment", Payment),
    ("event", AuditEvent),
)
# The rows a run inserts at each flush, in order (each table after those it refers to).
_INSERTS = (
    ("bids", Bid.__table__),
    ("revisions", BidRevision.__table__),
    ("partners", BidPartner.__table__),
    ("closures", ModerationClosure.__table__),
    ("decisions", AwardDecision.__table__),
    ("contracts", Contract.__table__),
    ("parties", ContractParty.__table__),
    ("contract_outcomes", contract_outcomes),
    ("milestones", ContractMilestone.__table__),
    ("reports", OutcomeReport.__table__),
    ("submissions", ReportSubmission.__table__),
    ("lines", ReportOutcome.__table__),
    ("payments", Payment.__table__),
    ("events", AuditEvent.__table__),
)
_ROWS = (
    "organisations",
    "organisation_pdus",
    "specialisms",
    "bids",
    "revisions",
    "partners",
    "closures",
    "decisions",
    "contracts",
    "parties",
    "contract_outcomes",
    "milestones",
    "reports",
    "submissions",
    "lines",
    "payments",
    "events",
    "needs",
)
_RUN_ACTOR = object()  # event(): the run's made-up actor, unless another (or None) is given


class Run:
    """One generate-activity run. Deterministic for a seed on the same database: every
    random choice comes from `rng`, in the order the generators make them."""

    def __init__(self, rng: random.Random, now: datetime, actor_id: int) -> None:
        self.rng, self.now, self.actor_id = rng, now, actor_id
        self.ids = {name: next_id(model) for name, model in _ID_MODELS}
        self.rows: dict[str, list[dict]] = {name: [] for name in _ROWS}
        self.made = dict.fromkeys(self.rows, 0)

    def new_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name] - 1

    def during(self, day: date) -> datetime:
        """A moment in office hours on a London day, in UTC."""
        return at_london_time(day, time(self.rng.randint(9, 16), self.rng.randint(0, 59))).astimezone(UTC)

    def weighted(self, choices):
        return self.rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]

    def event(self, action, object_type, object_id, at, *, actor=_RUN_ACTOR, before=None, after=None, reason=None):
        self.rows["events"].append(
            {
                "id": self.new_id("event"),
                "occurred_at": at,
                "actor_id": self.actor_id if actor is _RUN_ACTOR else actor,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "before": before,
                "after": after,
                "reason": reason,
            }
        )

    def flush(self) -> None:
        """Insert the rows waiting (and update the needs moved in time), and commit."""
        session = db.session
        if self.rows["needs"]:
            table = Need.__table__
            # The SET clause comes from the keys of the rows (executemany).
            session.execute(sa.update(table).where(table.c.id == sa.bindparam("need_id")), self.rows["needs"])
            self.made["needs"] += len(self.rows["needs"])
            self.rows["needs"] = []
        for key, table in _INSERTS:
            if self.rows[key]:
                session.execute(sa.insert(table), self.rows[key])
                self.made[key] += len(self.rows[key])
                self.rows[key] = []
        session.commit()
