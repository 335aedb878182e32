"""Fixtures for the browser tests: Debian's Chromium through Playwright, and the app served
on a real port from its own SQLite database with the demo data loaded.

These tests do not use `app`, `client` or `db_session` from tests/conftest.py: a browser
needs a server that commits for real, so one app is built for the whole session and each
test leaves behind what it wrote (tests must not depend on one another's data).

Without Chromium or the playwright package the tests are skipped, unless REQUIRE_BROWSER=1,
when they fail. CHROMIUM_PATH chooses another Chromium binary.

The fixture names (`chromium`, `tab`) deliberately differ from pytest-playwright's
(`browser`, `page`, ...): if that plugin happens to be installed, requesting one of its
names would make it parametrize the tests over its own `browser_name` fixture.
"""

import logging
import os
import threading
import time
from contextlib import ExitStack, contextmanager

import pytest
from werkzeug.serving import make_server

from marketplace.extensions import db, limiter

from ..conftest import built_app
from ..helpers import DEMO_PASSWORD as DEMO_PASSWORD  # the journeys sign in with it
from . import axe

REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
# The app `live_app` built, for demo_code (the sign-in helpers are given no fixtures).
_LIVE_APPS = []


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(
            f"{reason}. REQUIRE_BROWSER=1 is set, so the browser tests fail instead of skipping.", pytrace=False
        )
    pytest.skip(f"{reason} (the browser tests are skipped; REQUIRE_BROWSER=1 makes this a failure)")


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session; each test gets its own context (`tab`)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"The playwright package is not installed ({error}); install it with pip install -e '.[dev]'")
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        _unavailable(f"Chromium is not installed at {CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
    except PlaywrightError as error:
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM_PATH} did not start: {error}")
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on a file SQLite database: real migrations, reference data and demo accounts."""
    folder = tmp_path_factory.mktemp("browser")
    # Uploaded documents go to the session's temporary folder, not the instance folder.
    app = built_app(f"sqlite:///{folder / 'browser.db'}", demo=True, UPLOAD_FOLDER=str(folder / "uploads"))
    _LIVE_APPS.append(app)
    yield app
    _LIVE_APPS.remove(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The base URL of the app served on a free port by a threaded werkzeug server."""
    # One log line per request, assets included, would drown a failure's report.
    request_log = logging.getLogger("werkzeug")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        request_log.setLevel(level)


def demo_code(email: str) -> str:
    """The code that signs a demo staff account in now, as `flask --app wsgi demo-code
    EMAIL` prints it (the demo data gives staff a known authenticator key). A code works
    once: when this minute's have been used, wait for the next."""
    from marketplace.demo.people import DemoRefused
    from marketplace.demo.people import demo_code as code_now

    app = _LIVE_APPS[-1]
    for _ in range(3):
        with app.app_context():
            try:
                return code_now(email)[0]
            except DemoRefused:
                pass
            finally:
                db.session.remove()
        time.sleep(30 - time.time() % 30 + 0.5)
    raise AssertionError(f"no unused code for {email}")


def give_demo_code(tab, email: str) -> None:
    """After the password, demo staff are asked for the code from their authenticator
    app: type it, as a person reads it from their phone. (Other accounts' tests type
    their own codes.)"""
    page = tab.page
    if not page.url.endswith("/sign-in/code") or not email.endswith("@demo.test"):
        return
    page.get_by_label("Code from your authenticator app").fill(demo_code(email))
    tab.click(page.get_by_role("button", name="Continue"))


class Tab:
    """A page in a fresh browser context, and the checks every page it visits gets:
    GOV.UK Frontend's JavaScript ran, nothing was logged as a console error, and axe-core
    finds no WCAG 2.2 A/AA violation.

    Every console error counts, including "Failed to load resource" for a missing asset
    and Content-Security-Policy violations: none is ignored.
    """

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.pages_checked: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught exception: {error}"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url") or self.page.url
            self.console_errors.append(f"{message.text} (at {where})")

    def goto(self, path: str):
        response = self.page.goto(path)
        self.check()
        return response

    def goto_refused(self, path: str, status: int):
        """Open a page the user may not see: it must answer `status`, and the error page
        gets the same checks. Chromium logs the refusal itself as a console error ("Failed
        to load resource"); only that one line, for this address, is expected."""
        response = self.page.goto(path)
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.page.wait_for_load_state("load")
        self.console_errors = [
            e
            for e in self.console_errors
            if not (
                e.startswith(f"Failed to load resource: the server responded with a status of {status}")
                and e.endswith(f"(at {response.url})")
            )
        ]
        self.check()
        return response

    def click_refused(self, locator, status: int = 400) -> None:
        """Click a button that submits a form the server refuses with `status` (the newer
        pages answer a form with errors with 400 Bad Request): the page with its error
        summary gets the same checks; Chromium's own "Failed to load resource" line for
        that response is the one console error expected."""
        with self.page.expect_navigation(wait_until="load") as navigation:
            locator.click()
        response = navigation.value
        assert response.status == status, f"{response.url} answered {response.status}, not {status}"
        self.console_errors = [
            e
            for e in self.console_errors
            if not (
                e.startswith(f"Failed to load resource: the server responded with a status of {status}")
                and e.endswith(f"(at {response.url})")
            )
        ]
        self.check()

    def click(self, locator) -> None:
        """Click a link or button that loads a new page, then check that page."""
        with self.page.expect_navigation(wait_until="load"):
            locator.click()
        self.check()

    def check(self) -> None:
        page = self.page
        page.wait_for_load_state("load")
        state = page.evaluate(
            """() => ({
                supported: document.body.classList.contains("govuk-frontend-supported"),
                uninitialised: [...document.querySelectorAll("[data-module^='govuk-']")]
                    .filter((el) => !el.hasAttribute(`data-${el.dataset.module}-init`))
                    .map((el) => el.dataset.module),
            })"""
        )
        assert state["supported"], (
            f"body lacks govuk-frontend-supported on {page.url}: the template's inline script did not run"
        )
        assert not state["uninitialised"], (
            f"GOV.UK Frontend did not initialise {state['uninitialised']} on {page.url}: initAll() did not run"
        )
        self.assert_no_console_errors()
        axe.assert_accessible(page)
        self.pages_checked.append(page.url)

    def assert_no_console_errors(self) -> None:
        errors, self.console_errors = self.console_errors, []
        assert not errors, f"console errors by {self.page.url}:\n" + "\n".join(errors)


@contextmanager
def _open_tab(chromium, live_server):
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = Tab(context.new_page())
    try:
        yield tab
        # Anything logged after the last check (a late script error, say) still fails the test.
        tab.assert_no_console_errors()
    finally:
        context.close()


@pytest.fixture
def tab(chromium, live_server):
    # The rate limiter's memory storage is shared by every app built in this process; the
    # other tests reset it per test, so start clean here too.
    limiter.reset()
    with _open_tab(chromium, live_server) as tab:
        yield tab


@pytest.fixture
def another_tab(chromium, live_server):
    """Opens one more `Tab` per call, in its own browser context (its own cookies): another
    person in the same test, signed in or not. Each gets the same checks as `tab`."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(_open_tab(chromium, live_server))
