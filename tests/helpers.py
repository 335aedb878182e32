"""Helpers to drive the app through HTTP as a browser would: forms carry their CSRF token."""

import html as html_module
import re
import time

import pyotp
import sqlalchemy as sa
from flask import has_app_context

from marketplace.extensions import db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
# What differs between two requests for the same page: the CSP nonce, and the CSRF token
# (the session's, signed with the second it was asked for).
PER_REQUEST = [
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (CSRF, 'name="csrf_token" value=""'),
]


def per_request_masked(response) -> str:
    """The page's HTML with what differs between two requests for it blanked."""
    html = response.get_data(as_text=True)
    for pattern, replacement in PER_REQUEST:
        html = pattern.sub(replacement, html)
    return html


PASSWORD = "correct horse battery staple"
# The demo's password, as `make run` loads it (tests/conftest.py, `built_app`).
DEMO_PASSWORD = "local-partners-demo"


def csrf_token(client, url: str) -> str:
    response = client.get(url)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict | None = None, *, from_url: str | None = None, **kwargs):
    """POST a form as the browser would: with the CSRF token from the page it sits on."""
    token = csrf_token(client, from_url or url)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    """Sign in through the pages. Staff (and providers who turned it on) are then asked for
    a code from their authenticator app: this gives it, computed from the secret that
    factories.make_area_staff and make_user(admin=True) set up, and returns that page's
    answer (a redirect to where sign-in leads). Someone who must still set up an app does
    that, and the recovery codes page is returned."""
    response = post_form(client, "/sign-in", {"email": email, "password": password}, **kwargs)
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.startswith("/sign-in/code"):
        return give_code(client, **kwargs)
    if location.startswith("/sign-in/set-up-authenticator"):
        return set_up_authenticator(client, **kwargs)
    return response


def pending_user(client):
    """The user part-way through signing in on this client (password given, code to come)."""
    from marketplace.accounts.models import User

    with client.session_transaction() as session:
        user_id = session["two_factor_pending"]["user"]
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    return user


def next_code(user) -> str:
    """A code the portal will accept for `user` now: the current one, or the next if the
    current one was used (it accepts one step either side, and never a step twice)."""
    now = int(time.time() // 30)
    step = now
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    if step > now + 1:
        # A third sign-in of one account within 30 seconds: the replay rule would refuse
        # every code until the clock moves on. That rule has its own tests
        # (tests/accounts/test_two_factor.py); here, forget the last code used.
        user.totp_last_step = None
        db.session.flush()
        step = now
    return pyotp.TOTP(user.totp_secret).generate_otp(step)


def give_code(client, **kwargs):
    if has_app_context():
        code = next_code(pending_user(client))
    else:  # a test of its own committed database, outside the app (tests/test_double_submit.py)
        with client.application.app_context():
            code = next_code(pending_user(client))
            db.session.commit()
            db.session.remove()
    return post_form(client, "/sign-in/code", {"code": code}, **kwargs)


SECRET_ON_PAGE = re.compile(r'class="lp-secret">([A-Z2-7 ]+)<')


def set_up_authenticator(client, url: str = "/sign-in/set-up-authenticator", **kwargs):
    """Set up an authenticator app as a person would: read the key on the page, enter a
    code from it. Returns the recovery codes page."""
    page = client.get(url)
    match = SECRET_ON_PAGE.search(page.get_data(as_text=True))
    assert match, f"no authenticator key on {url} (status {page.status_code})"
    secret = match.group(1).replace(" ", "")
    return post_form(client, url, {"code": pyotp.TOTP(secret).now()}, **kwargs)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def error_summary(response) -> list[str]:
    """The messages listed in the GOV.UK error summary, in order."""
    html = page_text(response)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if not block:
        return []
    return [
        html_module.unescape(re.sub(r"\s+", " ", m).strip())
        for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)
    ]


class StatementCount:
    """How many SQL statements the app sends to the database inside a `with` block (SAVEPOINT
    bookkeeping left out): `with StatementCount() as sql: client.get(url)`, then `sql.count`
    and `sql.statements`."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            self.statements.append(statement)

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._record)
        return False
