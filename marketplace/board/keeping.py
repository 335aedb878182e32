"""Figures the board keeps per area and month, changed in the flush that changes what they
count, so in its transaction (as needs/counts.py keeps the list's counts).

A kept figure is a table whose primary key is the key of a group (area, category, month
and so on) and whose other columns are sums. `rows(ids)` is the SELECT of the groups that
some base rows (by id; all of them with None) make, with their sums: the one definition,
from which `rebuild` fills the table and each flush keeps it. Before a flush the groups
that the base rows about to change make are read from the database as it was, after it
they are read again, and the difference is added (one upsert, its rows in key order, so two
transactions never wait on each other crosswise). Rows written without the ORM (the data
generators, demo-advance) call `rebuild`.

What is read from the kept figures is kept too, per process (`read`), by the figures'
stamp (FiguresStamp): a transaction that changes a kept figure or an organisation adds 1 to
it as its last statement before committing, so the stamp only grows, is held for a moment
only (no transaction waits for it while holding anything else it waits for), and a reader
that sees a stamp has seen every change committed before it. The SELECT's own text and
parameters (the period, today's date, the areas) and the reference data's generation are
in the key; a session with kept changes not yet committed neither reads nor keeps.
"""

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from ..extensions import db, upsert
from ..organisations.models import Organisation
from ..reference import cache as reference_cache
from .models import FiguresStamp

_KEY = "board_kept_figures"
# In session.info while the session's transaction has changed kept figures (or an
# organisation) and not committed: it stamps them as it commits, and neither reads nor
# keeps what is kept by the stamp meanwhile.
CHANGED = "board_figures_changed"
_STAMP_READ = "board_figures_stamp"  # in session.info: the stamp this transaction read
MAX_KEPT = 512


@dataclass(frozen=True)
class KeptFigure:
    table: sa.Table
    # The groups some base rows make (None: all of them): the key columns, in the order of
    # the table's primary key, then the sums, in the order of its other columns.
    rows: Callable[[Collection[int] | sa.BindParameter | None], sa.Select]
    # The base rows a flush may move between groups: the ids of those already stored, and
    # the new objects (whose ids the flush gives).
    touched: Callable[[Session], tuple[set[int], list]]

    @property
    def keys(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]

    @property
    def sums(self) -> list[str]:
        return [c.name for c in self.table.columns if not c.primary_key]


FIGURES: list[KeptFigure] = []


def groups(
    connection: sa.Connection, figure: KeptFigure, ids: Collection[int] | None, rows: sa.Select | None = None
) -> dict[tuple, list[int]]:
    """{key: sums} of the groups the base rows `ids` make (or `rows`, a SELECT of them as
    figure.rows makes it), from the database as it is now."""
    found: dict[tuple, list[int]] = {}
    if ids is not None and not ids:
        return found
    width = len(figure.keys)
    if rows is not None:
        result = connection.execute(rows)
    elif ids is None:
        result = connection.execute(figure.rows(None))
    else:
        result = connection.execute(_of_some(figure, connection.dialect.name), {"ids": sorted(ids)})
    for row in result:
        key = tuple(row[:width])
        total = found.setdefault(key, [0] * (len(row) - width))
        for i, value in enumerate(row[width:]):
            total[i] += int(value or 0)
    return found


@functools.cache
def _of_some(figure: KeptFigure, dialect: str) -> sa.Select:
    """figure.rows of some base rows, made once a database kind (some figures are read
    with its own functions): their ids are the parameter "ids". Every flush that changes
    them runs it twice, and making the statement cost more than running it."""
    return figure.rows(sa.bindparam("ids", expanding=True))


def _add(connection: sa.Connection, figure: KeptFigure, delta: dict[tuple, list[int]]) -> None:
    keys, sums = figure.keys, figure.sums
    rows = [
        {**dict(zip(keys, key, strict=True)), **dict(zip(sums, values, strict=True))}
        for key, values in sorted(delta.items())
        if any(values)
    ]
    if not rows:
        return
    db.session.info[CHANGED] = True
    statement = upsert(figure.table, connection)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: figure.table.c[name] + statement.excluded[name] for name in sums}
    )
    connection.execute(statement, rows)


def rebuild() -> None:
    """Make every kept figure again from the base tables (after rows were written without
    the ORM). The caller commits."""
    connection = db.session.connection()
    db.session.info[CHANGED] = True
    for figure in FIGURES:
        connection.execute(sa.delete(figure.table))
        _add(connection, figure, groups(connection, figure, None))


@sa.event.listens_for(Session, "before_flush")
def _note_before_flush(session, flush_context, instances) -> None:
    session.info.pop(_KEY, None)  # left by a flush that failed
    if any(isinstance(obj, Organisation) for obj in (*session.new, *session.dirty)):
        session.info[CHANGED] = True  # the figures are read by the lead's type and size
    noted = []
    for figure in FIGURES:
        ids, new = figure.touched(session)
        if ids or new:
            noted.append((figure, ids, new, groups(session.connection(), figure, ids)))
    if noted:
        session.info[_KEY] = noted


def add_difference(connection: sa.Connection, figure: KeptFigure, old: dict, new: dict) -> None:
    """Add to the kept rows what some base rows make now (`new`) less what they made (`old`)."""
    delta = {key: list(values) for key, values in new.items()}
    for key, values in old.items():
        now = delta.setdefault(key, [0] * len(values))
        for i, value in enumerate(values):
            now[i] -= value
    _add(connection, figure, delta)


@sa.event.listens_for(Session, "after_flush")
def _keep_after_flush(session, flush_context) -> None:
    for figure, ids, new, old in session.info.pop(_KEY, None) or []:
        connection = session.connection()
        now = groups(connection, figure, set(ids) | {obj.id for obj in new if obj.id is not None})
        add_difference(connection, figure, old, now)


@sa.event.listens_for(Session, "before_commit")
def _stamp_before_commit(session) -> None:
    session.flush()  # commit flushes after this event: what it flushes must be stamped too
    if session.info.get(CHANGED):
        session.execute(sa.update(FiguresStamp).where(FiguresStamp.id == 1).values(changes=FiguresStamp.changes + 1))


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(CHANGED, None)
        session.info.pop(_STAMP_READ, None)


# Reading ---------------------------------------------------------------------------------

# What a kept read may join besides the kept figures: organisations (their changes are
# stamped) and the reference data (its generation is in the key).
_READABLE = {"organisations", "areas", "service_categories", "desired_outcomes"}


@dataclass(frozen=True)
class _Read:
    key: tuple
    select: sa.Select | None = field(compare=False, hash=False)


def _run(read: _Read) -> list[tuple]:
    assert read.select is not None
    kept = {FiguresStamp.__tablename__, *(f.table.name for f in FIGURES), *_READABLE}
    unkept = {t.name for t in find_tables(read.select, include_joins=True) if isinstance(t, sa.Table)} - kept
    assert not unkept, f"not kept figures: {sorted(unkept)}"
    rows = [tuple(row) for row in db.session.execute(read.select)]
    object.__setattr__(read, "select", None)  # the key is kept: not the statement
    return rows


_kept = functools.lru_cache(maxsize=MAX_KEPT)(_run)


def forget() -> None:
    """Forget what was read (the tests, whose rolled-back transactions take the stamp back)."""
    _kept.cache_clear()


def read(select: sa.Select) -> list[tuple]:
    """The rows of `select`, a SELECT of kept figures (and organisations or reference data),
    kept per process by the figures' stamp, its text and its parameters: when kept, no
    statement but the stamp's, once a transaction. A SELECT of any other table is a mistake (checked
    when it is first run)."""
    if db.session.info.get(CHANGED):
        return [tuple(row) for row in db.session.execute(select)]
    # Read once a transaction: what a later statement reads is never older than it.
    stamp = db.session.info.get(_STAMP_READ)
    if stamp is None:
        stamp = db.session.info[_STAMP_READ] = db.session.scalar(
            sa.select(FiguresStamp.changes).where(FiguresStamp.id == 1)
        )
    compiled = select.compile(dialect=db.session.get_bind().dialect)
    params = tuple(sorted((k, _hashable(v)) for k, v in compiled.params.items()))
    key = (stamp, reference_cache.generation(), str(compiled), params)
    return _kept(_Read(key, select))


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def changed(obj, names) -> bool:
    """Whether the flush changes any of these attributes of a stored object."""
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)
