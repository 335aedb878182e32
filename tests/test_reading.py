"""Pages that only read (marketplace/reading.py): on PostgreSQL their statements run with no
transaction around them, the connection goes back to the pool as it came, and whatever the
database nothing such a page runs can write."""

import pytest
import sqlalchemy as sa
from psycopg import pq

from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.reading import WriteWhileReading, reads_only
from marketplace.reference.models import ServiceCategory
from marketplace.timeutil import utcnow

from . import factories

READING_PAGES = ("/healthz", "/needs", "/needs?q=women", "/needs/{need}")


class Transactions:
    """For each statement sent to the database: whether a transaction was open around it,
    seen just after it ran (psycopg sends its BEGIN within the first statement's execute)."""

    def __init__(self, engine: sa.Engine):
        self.engine, self.seen = engine, []

    def _after(self, _connection, cursor, statement, *_args):
        if statement.startswith("BEGIN"):  # SQLite's, sent by the app (marketplace/__init__.py)
            return
        dbapi = cursor.connection
        if self.engine.dialect.name == "postgresql":
            open_ = dbapi.info.transaction_status != pq.TransactionStatus.IDLE
        else:
            open_ = dbapi.in_transaction
        self.seen.append((open_, statement.split("\n")[0][:80]))

    def __enter__(self):
        self.seen.clear()
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


def _open_need_id(demo_app) -> int:
    with demo_app.app_context():
        need_id = db.session.scalar(
            sa.select(Need.id).where(Need.open_clause(utcnow())).order_by(Need.closes_at.desc()).limit(1)
        )
        db.session.remove()
    assert need_id is not None
    return need_id


def test_a_page_that_only_reads_opens_no_transaction_on_postgresql_and_leaves_none_behind(demo_app):
    # The app's own session, bound to the engine as in production (not the tests' rolled-back
    # transaction, which a reading page leaves as it is): these pages only read the demo.
    need_id = _open_need_id(demo_app)
    client = demo_app.test_client()
    with demo_app.app_context():
        engine = db.engine
    on_postgresql = engine.dialect.name == "postgresql"
    for page in READING_PAGES:
        with Transactions(engine) as sql:
            response = client.get(page.format(need=need_id))
            assert response.status_code == 200, page
        assert sql.seen, page
        # PostgreSQL: no BEGIN before the page's statements (nor ROLLBACK after). SQLite runs
        # in process, where a transaction costs no round trip, and keeps its BEGIN IMMEDIATE.
        assert [open_ for open_, _ in sql.seen] == [not on_postgresql] * len(sql.seen), (page, sql.seen)
    # The connection went back to the pool as it came: the next work has its transaction.
    with demo_app.app_context(), Transactions(engine) as sql:
        db.session.execute(sa.select(Need.id).limit(1))
        db.session.rollback()
        db.session.remove()
    assert [open_ for open_, _ in sql.seen] == [True]


def test_a_page_that_only_reads_cannot_add_change_or_delete_a_row(app, db_session):
    need = factories.make_need(title="Before reading")
    db_session.flush()
    need_id = need.id

    @reads_only
    def adds():
        db.session.add(ServiceCategory(code="new", name="New"))
        db.session.flush()

    @reads_only
    def changes():
        db.session.get(Need, need_id).title = "Changed while reading"
        return db.session.scalars(sa.select(Need.id)).all()  # the autoflush would write it

    @reads_only
    def updates():
        db.session.execute(sa.update(Need).where(Need.id == need_id).values(title="Updated while reading"))

    @reads_only
    def deletes():
        db.session.execute(sa.delete(ServiceCategory).where(ServiceCategory.code == "new"))

    with app.test_request_context("/needs"):
        for write in (adds, changes, updates, deletes):
            with pytest.raises(WriteWhileReading):
                write()
            db_session.expunge_all()  # what the refused write left pending, never sent
        assert db_session.scalar(sa.select(Need.title).where(Need.id == need_id)) == "Before reading"
        assert db_session.scalar(sa.select(sa.func.count()).where(ServiceCategory.code == "new")) == 0
        # Outside the page the same session writes as ever.
        db_session.get(Need, need_id).title = "Changed after reading"
        db_session.flush()
        assert db_session.scalar(sa.select(Need.title).where(Need.id == need_id)) == "Changed after reading"


def test_a_page_that_only_reads_still_reads(app, db_session):
    need = factories.make_need(title="Read while reading")
    db_session.flush()

    @reads_only
    def reads():
        return db.session.scalar(sa.select(Need.title).where(Need.id == need.id))

    with app.test_request_context("/needs"):
        assert reads() == "Read while reading"
