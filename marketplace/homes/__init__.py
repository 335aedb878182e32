"""Each role's home page: what waits for the signed-in person, by role.

Every person's home is their to-do list. One module per role builds what its part of the
home page shows (`context(user) -> dict`), and templates/main/home/ has one partial per
role. A to-do is a list of `Task`s: one kind of work waiting, how many, since when, and a
link to the page where it is done (the GOV.UK task list pattern, templates/main/home/_tasks.html).
"""

from dataclasses import dataclass
from datetime import UTC, datetime


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
    from . import admin, board, commissioner, evaluator, finance, provider

    context: dict = {}
    for role in (admin, provider, commissioner, evaluator, board, finance):
        context.update(role.context(user))
    return context


def in_order(tasks: list[Task]) -> list[Task]:
    """Soonest deadline first, then the longest waiting; tasks with neither last."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(tasks, key=lambda t: (t.due or far, t.oldest or far))
