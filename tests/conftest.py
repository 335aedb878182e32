"""Fixtures: the app on SQLite and on PostgreSQL, a rolled-back transaction per test,
a test client, and helpers to sign in and post forms with their CSRF token.

Every test that uses `app` (directly or through `client`, `db_session`, ...) runs once on
SQLite and once on PostgreSQL (TEST_DATABASES=sqlite: SQLite only). PostgreSQL comes from
TEST_DATABASE_URL, or a throwaway server started here from the Debian binaries; without
either the PostgreSQL runs are skipped, unless REQUIRE_POSTGRES=1, when they fail.

Under pytest-xdist (`make test` runs `-n auto --dist loadgroup`) each worker has its own
SQLite file and its own PostgreSQL database, on the one server of the run (tests/pgserver.py).
Tests that share a costly module fixture (a database of their own with committed data, a
world built once) run on one worker per module and database, the tests of the committed
demo (`demo_app`, loaded once a process) on one worker per database, and the browser tests,
which share one live server and one Chromium, on one worker (`pytest_collection_modifyitems`).
Passwords are hashed cheaply (`_cheap_password_hashes`).

TEST_CLOCK=<ISO 8601 instant with its UTC offset> runs the whole session as if it had
started at that instant: the clock is moved there before the test modules are imported
(time-machine, so `datetime.now`, `date.today` and `time.time` all agree) and keeps
ticking. `make test-clocks` runs the tests marked `clock` at a few chosen instants.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import flask_migrate
import pytest
from flask import g, request_finished, request_started
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from marketplace import create_app
from marketplace.board import keeping as board_keeping
from marketplace.extensions import db, limiter
from marketplace.reference import cache as reference_cache

from . import pgserver
from .helpers import DEMO_PASSWORD

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
# The folder the processes of one run share (the PostgreSQL server's lock and note, the
# workers' groups of tests): made by pytest itself, or by the xdist controller, and handed
# to its workers in the environment.
RUN_FOLDER = "LOCAL_PARTNERS_TEST_RUN"
# This process's xdist worker ("gw0", ...), or "" without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def clock_instant() -> datetime | None:
    """The instant TEST_CLOCK asks the session to start at, or None for the real clock."""
    value = os.environ.get("TEST_CLOCK", "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(
            f"TEST_CLOCK={value!r} is not an ISO 8601 time, e.g. 2026-12-04T18:30:00+00:00"
        ) from None
    if instant.tzinfo is None:
        raise pytest.UsageError(
            f"TEST_CLOCK={value!r} needs its UTC offset (+00:00 in winter, +01:00 in summer in London)"
        )
    return instant


def pytest_configure(config):
    if not WORKER:
        config._run_folder = tempfile.mkdtemp(prefix="lp-test-run-")
        os.environ[RUN_FOLDER] = config._run_folder
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_GroupedScheduling())
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
    run_folder = getattr(config, "_run_folder", None)
    if run_folder is not None:
        try:
            pgserver.stop_shared_server(Path(run_folder))
        finally:
            shutil.rmtree(run_folder, ignore_errors=True)
            os.environ.pop(RUN_FOLDER, None)


def _shared_fixture_scope(item) -> str | None:
    """What the test shares with others that is costly to build twice: "browser" for the
    live server and Chromium, "demo" for the committed demo, the module for a
    module-scoped fixture, else None."""
    names = set(item.fixturenames)
    if "live_server" in names or "chromium" in names:
        return "browser"
    if "demo_app" in names:
        return "demo"
    for name in names:
        definitions = item._fixtureinfo.name2fixturedefs.get(name)
        if definitions and definitions[-1].scope in ("module", "class"):
            return item.nodeid.split("::")[0]
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test using Chromium is marked `browser` (the journeys in tests/browser need no
    mark of their own), and under xdist `--dist loadgroup` keeps the tests that share a
    costly fixture on one worker: all the browser tests together, and the tests of a
    module with a module-scoped fixture together, and the tests of the demo, per database."""
    groups = {}
    for item in items:
        scope = _shared_fixture_scope(item)
        if scope == "browser":
            item.add_marker("browser")
        if scope is not None:
            params = getattr(item, "callspec", None) and item.callspec.params
            database = params.get("database_url") if params else None
            groups[item.nodeid] = f"{scope}-{database}" if database else scope
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    if WORKER:
        note = Path(os.environ[RUN_FOLDER]) / f"groups-{WORKER}.json"
        note.with_suffix(".tmp").write_text(json.dumps(groups))
        note.with_suffix(".tmp").replace(note)


class _GroupedScheduling:
    """Hands the tests to the xdist workers by the groups above.

    pytest-xdist 3.8 passes a test's `xdist_group` from the worker to the scheduler as a
    suffix it writes into the test's node id, which pytest 9.2 no longer lets it change:
    the groups are silently ignored (pytest-xdist issue 1386). So each worker writes the
    groups it collected to the run folder, and this scheduler, `--dist loadgroup`'s own
    with `_split_scope` reading them, runs in the controller once every worker has
    collected. Registered only when xdist is there (the hook is xdist's).
    """

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config, log):
        if config.getvalue("dist") != "loadgroup":
            return None
        from xdist.scheduler import LoadGroupScheduling

        class Scheduling(LoadGroupScheduling):
            groups = None

            def _split_scope(self, nodeid):
                if self.groups is None:
                    notes = sorted(Path(os.environ[RUN_FOLDER]).glob("groups-*.json"))
                    self.groups = json.loads(notes[0].read_text()) if notes else {}
                return self.groups.get(nodeid, nodeid)

        return Scheduling(config, log)


def pytest_report_header(config):
    instant = clock_instant()
    if instant is not None:
        from marketplace.timeutil import london

        return f"TEST_CLOCK: started at {instant.isoformat()} ({london(instant)}, London)"
    return None


@pytest.fixture(scope="session")
def postgres_url():
    """This process's database: TEST_DATABASE_URL's (without xdist), or one made for this
    worker on TEST_DATABASE_URL's server or on the run's throwaway server."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given and not WORKER:
        return given
    name = f"local_partners_test_{WORKER}" if WORKER else "local_partners_test"
    if given:
        return pgserver.create_database(given, name)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    try:
        # One connection per thread of the concurrency tests (about 60) and the pools of
        # the worker's apps, for each worker.
        server = pgserver.shared_server(Path(os.environ[RUN_FOLDER]), max_connections=100 + 100 * workers)
    except pgserver.PostgresUnavailable as error:
        message = f"PostgreSQL is not available: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    return server.create_database(name)


# TEST_DATABASES=sqlite runs the app tests on SQLite only (`make test-fast`).
DATABASES = os.environ.get("TEST_DATABASES", "sqlite postgresql").split()
if not DATABASES or set(DATABASES) - {"sqlite", "postgresql"}:
    raise pytest.UsageError(f"TEST_DATABASES={os.environ['TEST_DATABASES']!r}: name sqlite, postgresql or both")


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        # One file per process, the same each time pytest sets this fixture up again.
        return f"sqlite:///{tmp_path_factory.getbasetemp() / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    """Passwords and recovery codes are hashed with argon2id at its cheapest in the tests.

    The portal's own settings (argon2-cffi's defaults: 64 MiB, three passes, four lanes)
    cost about a tenth of a second of CPU per hash and per check, and every sign-in checks
    one: a third of the suite's time. Hashes are still argon2id, checked in the same
    code; a check reads its settings from the hash itself, so only making one changes.
    """
    from argon2 import PasswordHasher

    from marketplace.accounts import services

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_hasher", cheap)
        patch.setattr(services, "_DUMMY_HASH", cheap.hash("no account has this email address"))
        yield


def make_test_app(database_url: str, **overrides):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


def built_app(database_url: str, *, demo: bool = False, **overrides):
    """An app on an empty database, its schema built by the real migrations, with the
    reference data and (demo=True) the demo loaded and committed."""
    from marketplace.demo import load_demo_data
    from marketplace.reference.services import load_reference

    app = make_test_app(database_url, **overrides)
    with app.app_context():
        flask_migrate.upgrade()
        load_reference()
        if demo:
            load_demo_data(DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def _apps():
    """The apps this process has built, by database URL, kept until the session ends.

    pytest keeps one value of a parametrised session fixture at a time: when a test on the
    other database comes, it tears `app` down and sets it up again. Under xdist a worker
    can move between SQLite and PostgreSQL tests more than once, so each app is built once
    here and `app` only picks it.
    """
    apps = {}
    yield apps
    for app in apps.values():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, _apps):
    """The app with the schema built by the real migrations and the reference data loaded."""
    if database_url not in _apps:
        _apps[database_url] = built_app(database_url)
    return _apps[database_url]


def _fresh_request_globals(sender, **extra):
    """Give every request an empty `g`, as it has in production.

    The test keeps one app context open, and Flask reuses it for each request the test
    client makes, so `g` would otherwise carry over between requests: Flask-Login's
    cached user, Flask-WTF's CSRF token (one client would be handed another's), and the
    sign-in view's failure flag.
    """
    g.__dict__.clear()


def _error_pages_are_titled(sender, response, **extra):
    """GOV.UK: a page showing an error summary has a title starting "Error: " ("Gwall: " in
    Welsh), so screen reader users hear it first. Checked on every page every test opens."""
    if response.mimetype != "text/html" or response.is_streamed:
        return
    html = response.get_data(as_text=True)
    if 'class="govuk-error-summary"' in html:
        title = re.search(r"<title>\s*(.*?)\s*</title>", html, re.S)
        assert title and title.group(1).startswith(("Error: ", "Gwall: ")), (
            f"an error summary under the title {title and title.group(1)!r}"
        )


@contextlib.contextmanager
def _rolled_back(app):
    """One transaction on the app's database, rolled back at the end.

    The app's commits become SAVEPOINT releases, so views behave as in production while
    nothing a test writes is seen by the next one. The app's settings are put back as
    they were too: the app is shared by every test its process runs, in whatever order
    xdist hands them out, so a setting one test changes must not reach another.
    """
    settings = dict(app.config)
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
        reference_cache.forget()  # the reference rows a test adds end with its transaction
        board_keeping.forget()  # the board's figures stamp goes back with each test's rollback
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
            reference_cache.forget()
            board_keeping.forget()
            if app.config != settings:
                app.config.clear()
                app.config.update(settings)


@pytest.fixture
def db_session(app):
    """Each test runs inside one transaction that is rolled back at the end."""
    with _rolled_back(app) as session:
        yield session


@pytest.fixture(scope="session")
def demo_app(database_url, _apps):
    """An app on a database of its own with the reference and demo data committed, built
    once a process and database: loading the demo takes seconds, so the tests of the demo
    share it (all on one worker, `_shared_fixture_scope`), each inside a rolled-back
    transaction (`demo_session`) as usual."""
    key = f"{database_url} demo"
    if key not in _apps:
        if database_url.startswith("sqlite"):
            url = database_url.replace("test.db", "demo.db")
        else:
            url = pgserver.create_database(database_url, f"{make_url(database_url).database}_demo")
        _apps[key] = built_app(url, demo=True)
    return _apps[key]


@pytest.fixture
def demo_session(demo_app):
    """A test on the committed demo, inside one transaction rolled back at the end."""
    with _rolled_back(demo_app) as session:
        yield session


@pytest.fixture
def demo_client(demo_app, demo_session):
    return demo_app.test_client()


@pytest.fixture
def client(app, db_session):
    return app.test_client()
