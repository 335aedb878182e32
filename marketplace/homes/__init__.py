"""Each role's home page: what waits for the signed-in person, by role.

Every person's home is their to-do list. One module per role builds what its part of the
home page shows (`context(user) -> dict`), and templates/main/home/ has one partial per
role. A to-do is a list of `Task`s: one kind of work waiting, how many, since when, and a
link to the page where it is done (the GOV.UK task list pattern, templates/main/home/_tasks.html).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ..extensions import db, on_postgresql


@dataclass(frozen=True)
class Task:
    """One kind of work waiting for someone."""

    title: str  # what to do, as a link text: "Answer questions"
    count: int  # how many are waiting
    url: str  # where it is done: the one item, or the list of them
    oldest: datetime | None = None  # since when the oldest has waited
    due: datetime | None = None  # the nearest deadline, if there is one
    hint: str = ""  # one more line: which need, whose report


def home_context(user) -> dict:
    """Everything the home page shows `user`, from each role's module."""
    from . import admin, adviser, board, commissioner, evaluator, finance, provider

    serial_plans()
    context: dict = {}
    for role in (admin, provider, commissioner, evaluator, adviser, board, finance):
        context.update(role.context(user))
    return context


def serial_plans() -> None:
    """On PostgreSQL, plan the rest of this request's transaction without parallel workers.

    A home page asks many small, indexed questions (the to-do is a UNION ALL of a dozen).
    Their estimated cost makes the planner start two parallel workers for the to-do; each
    costs more to start than it saves, and they compete for the cores with the other
    requests: measured with make bench-home, the to-do took 50 ms with workers and 20 ms
    without. SET LOCAL ends with the transaction (the request)."""
    if on_postgresql():
        db.session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))


def in_order(tasks: list[Task]) -> list[Task]:
    """Soonest deadline first, then the longest waiting; tasks with neither last."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(tasks, key=lambda t: (t.due or far, t.oldest or far))
