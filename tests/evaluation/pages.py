"""Helpers the evaluation page tests share: a browser signed in without the sign-in page,
whether a radio button came back checked, and a CSRF token."""

import re

from flask_login.utils import _create_identifier

from ..helpers import csrf_token


def signed_in(app, user):
    """A browser signed in as `user` (Flask-Login's session written directly, as in
    tests/bids/test_sealed.py: signing in through the page each time is slow on purpose);
    `user` None: signed out."""
    client = app.test_client()
    if user is not None:
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["two_factor_done"] = user.id  # and the code given, for staff
            session["_fresh"] = True
            session["_id"] = identifier
    return client


def radio_checked(html: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    return False


def csrf_for(client, user) -> str:
    """A CSRF token for `client`, from a page it may open (signed out: the sign-in page)."""
    return csrf_token(client, "/sign-in" if user is None else "/")
