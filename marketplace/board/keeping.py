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
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..extensions import db, upsert

_KEY = "board_kept_figures"


@dataclass(frozen=True)
class KeptFigure:
    table: sa.Table
    # The groups some base rows make (None: all of them): the key columns, in the order of
    # the table's primary key, then the sums, in the order of its other columns.
    rows: Callable[[Collection[int] | None], sa.Select]
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
    for row in connection.execute(rows if rows is not None else figure.rows(None if ids is None else sorted(ids))):
        key = tuple(row[:width])
        total = found.setdefault(key, [0] * (len(row) - width))
        for i, value in enumerate(row[width:]):
            total[i] += int(value or 0)
    return found


def _add(connection: sa.Connection, figure: KeptFigure, delta: dict[tuple, list[int]]) -> None:
    keys, sums = figure.keys, figure.sums
    rows = [
        {**dict(zip(keys, key, strict=True)), **dict(zip(sums, values, strict=True))}
        for key, values in sorted(delta.items())
        if any(values)
    ]
    if not rows:
        return
    statement = upsert(figure.table, connection)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: figure.table.c[name] + statement.excluded[name] for name in sums}
    )
    connection.execute(statement, rows)


def rebuild() -> None:
    """Make every kept figure again from the base tables (after rows were written without
    the ORM). The caller commits."""
    connection = db.session.connection()
    for figure in FIGURES:
        connection.execute(sa.delete(figure.table))
        _add(connection, figure, groups(connection, figure, None))


@sa.event.listens_for(Session, "before_flush")
def _note_before_flush(session, flush_context, instances) -> None:
    session.info.pop(_KEY, None)  # left by a flush that failed
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


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)


def changed(obj, names) -> bool:
    """Whether the flush changes any of these attributes of a stored object."""
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)
