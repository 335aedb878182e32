"""Fixtures: the app on SQLite and on PostgreSQL, a rolled-back transaction per test,
a test client, and helpers to sign in and post forms with their CSRF token.

Every test that uses `app` (directly or through `client`, `db_session`, ...) runs once on
SQLite and once on PostgreSQL. PostgreSQL comes from TEST_DATABASE_URL, or a throwaway
server started here from the Debian binaries; without either the PostgreSQL runs are
skipped, unless REQUIRE_POSTGRES=1, when they fail.

TEST_CLOCK=<ISO 8601 instant with its UTC offset> runs the whole session as if it had
started at that instant: the clock is moved there before the test modules are imported
(time-machine, so `datetime.now`, `date.today` and `time.time` all agree) and keeps
ticking. `make test-clocks` runs the tests marked `clock` at a few chosen instants.
"""

import os
import re
from datetime import datetime

import flask_migrate
import pytest
from flask import g, request_finished, request_started
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from marketplace import create_app
from marketplace.extensions import db, limiter

from . import pgserver

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def clock_instant() -> datetime | None:
    """The instant TEST_CLOCK asks the session to start at, or None for the real clock."""
    value = os.environ.get("TEST_CLOCK", "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"TEST_CLOCK={value!r} is not an ISO 8601 time, e.g. 2026-12-04T18:30:00+00:00") from None
    if instant.tzinfo is None:
        raise pytest.UsageError(f"TEST_CLOCK={value!r} needs its UTC offset (+00:00 in winter, +01:00 in summer in London)")
    return instant


def pytest_configure(config):
    instant = clock_instant()
    if instant is not None:
        import time_machine

        # tick=True: time still passes from the instant (timeouts, sleeps, closing races).
        # A timestamp, so that time-machine leaves the machine's time zone (TZ) as it is.
        config._test_clock = time_machine.travel(instant.timestamp(), tick=True)
        config._test_clock.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "_test_clock", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    instant = clock_instant()
    if instant is not None:
        from marketplace.timeutil import london

        return f"TEST_CLOCK: started at {instant.isoformat()} ({london(instant)}, London)"
    return None


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    try:
        server = pgserver.start_server()
    except pgserver.PostgresUnavailable as error:
        message = f"PostgreSQL is not available: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    try:
        yield server.create_database("local_partners_test")
    finally:
        server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    return request.getfixturevalue("postgres_url")


def make_test_app(database_url: str, **overrides):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url):
    """The app with the schema built by the real migrations and the reference data loaded."""
    from marketplace.reference.services import load_reference

    app = make_test_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        load_reference()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _fresh_request_globals(sender, **extra):
    """Give every request an empty `g`, as it has in production.

    The test keeps one app context open, and Flask reuses it for each request the test
    client makes, so `g` would otherwise carry over between requests: Flask-Login's
    cached user, Flask-WTF's CSRF token (one client would be handed another's), and the
    sign-in view's failure flag.
    """
    g.__dict__.clear()


def _error_pages_are_titled(sender, response, **extra):
    """GOV.UK: a page showing an error summary has a title starting "Error: ", so screen
    reader users hear it first. Checked on every page every test opens."""
    if response.mimetype != "text/html" or response.is_streamed:
        return
    html = response.get_data(as_text=True)
    if 'class="govuk-error-summary"' in html:
        title = re.search(r"<title>\s*(.*?)\s*</title>", html, re.S)
        assert title and title.group(1).startswith("Error: "), f"an error summary under the title {title and title.group(1)!r}"


@pytest.fixture
def db_session(app):
    """Each test runs inside one transaction that is rolled back at the end.

    The app's commits become SAVEPOINT releases, so views behave as in production while
    nothing a test writes is seen by the next one.
    """
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain Session bound to the connection: Flask-SQLAlchemy's own Session picks
        # the engine for each model and would ignore the bind.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        limiter.reset()
        request_started.connect(_fresh_request_globals, app)
        request_finished.connect(_error_pages_are_titled, app)
        try:
            yield db.session
        finally:
            request_started.disconnect(_fresh_request_globals, app)
            request_finished.disconnect(_error_pages_are_titled, app)
            db.session.remove()
            db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()
