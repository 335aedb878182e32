"""Nothing typed into a bid is lost when the session times out.

A POST to a bid section from someone who is no longer signed in (Flask-Login sees an
anonymous user) or whose CSRF token has expired (the session cookie went with it) cannot
be saved. Instead its form fields (never files, never the CSRF token) are kept for an
hour in a StashedForm row, under a random key: the row holds only the key's SHA-256, the
browser's session holds the key itself. The person is sent to sign in, and back to the
same page, where the section's GET finds the stash (same key, same path, unused, not
expired), fills the form from it without saving anything, says so, and marks it used.

The stash is offered only on the page it came from, in the browser that sent it, and
only after that page's own permission checks, and only to the user the page was drawn
for. Saving is the normal POST.

A POST without a valid CSRF token is exactly what a cross-site form sends, so a stash is
made only when the form carries a stash token: a signed value the page itself drew
(STASH_TOKEN_MAX_AGE long, for this path and this user). A forged form from another
site has none, so nothing it sends can ever be offered back as "what you typed".
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from ..extensions import db, limiter
from ..timeutil import utcnow
from .models import StashedForm

SESSION_KEY = "bid_form_stash"  # carried over sign-in: accounts/sessions.py
LIFETIME = timedelta(hours=1)
# The bid pages whose POSTs carry something a person typed.
STASHABLE_ENDPOINTS = frozenset(
    {
        "bids.edit_answers",
        "bids.edit_price",
        "bids.edit_social_value",
        "bids.edit_local_presence",
        "bids.edit_declarations",
        "bids.withdraw",
    }
)
TOKEN_FIELD = "stash_token"
NOT_KEPT = frozenset({"csrf_token", "submit", TOKEN_FIELD})
# As long as a person may keep a bid page open before saving it.
STASH_TOKEN_MAX_AGE = 24 * 3600
# Enough for five 500-word answers many times over; more is not a form a person typed.
MAX_FIELDS = 40
MAX_CHARACTERS = 200_000
# Anyone can POST while signed out, so stashes are rate-limited per address (with the
# portal's rate-limit storage: Redis when configured, shared by every app server).
STASH_LIMIT = parse("30 per hour")

KEPT_MESSAGE = "We kept what you typed before you were signed out. Check it and save."


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="local-partners/bid-stash")


def token_field() -> Markup:
    """The hidden field a bid section's form carries: its path and user, signed."""
    token = _serializer().dumps({"p": request.path, "u": current_user.id})
    return Markup(f'<input type="hidden" name="{TOKEN_FIELD}" value="{escape(token)}">')


def _token_user() -> int | None:
    """The user the posted form was drawn for, if its stash token is good for this path."""
    try:
        payload = _serializer().loads(request.form.get(TOKEN_FIELD, ""), max_age=STASH_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != request.path or not isinstance(payload.get("u"), int):
        return None
    return payload["u"]


def stashable() -> bool:
    return request.method == "POST" and request.endpoint in STASHABLE_ENDPOINTS


def _posted_fields() -> dict[str, list[str]] | None:
    fields = {name: request.form.getlist(name) for name in request.form if name not in NOT_KEPT}
    fields = {name: values for name, values in fields.items() if any(v.strip() for v in values)}
    size = sum(len(v) for values in fields.values() for v in values)
    if not fields or len(fields) > MAX_FIELDS or size > MAX_CHARACTERS:
        return None
    return fields


def stash_form() -> bool:
    """Keep the posted fields of this request for the browser's session. Returns whether
    anything was kept. Commits: the request is about to be refused."""
    fields = _posted_fields()
    user_id = _token_user()
    if fields is None or user_id is None:
        return False
    if current_user.is_authenticated and current_user.id != user_id:
        return False
    if limiter.enabled and not limiter.limiter.hit(STASH_LIMIT, "bid-stash", get_remote_address()):
        return False
    now = utcnow()
    old = session.pop(SESSION_KEY, None)
    stale = StashedForm.created_at < now - LIFETIME
    if old:
        stale = sa.or_(stale, StashedForm.key_hash == _hash(old))
    db.session.execute(sa.delete(StashedForm).where(stale))
    key = secrets.token_urlsafe(32)
    db.session.add(
        StashedForm(
            key_hash=_hash(key), path=request.path[:500], data={"fields": fields, "user_id": user_id}, created_at=now
        )
    )
    db.session.commit()
    session[SESSION_KEY] = key
    return True


def sign_in_again():
    """Keep what was typed, if this is a bid section, and send the person to sign in and
    back to the page."""
    kept = stashable() and stash_form()
    if kept:
        flash(
            _("You were signed out, so your changes were not saved yet. Sign in to carry on: we kept what you typed.")
        )
    else:
        flash(_("Sign in to see that page."))
    return redirect(url_for("accounts.sign_in", next=request.path))


def take_stash(user) -> MultiDict | None:
    """The fields kept for this page in this browser, once; None when there are none."""
    key = session.get(SESSION_KEY)
    if not key:
        return None
    stashed = db.session.scalar(sa.select(StashedForm).where(StashedForm.key_hash == _hash(key)))
    now = utcnow()
    if stashed is None or stashed.used_at is not None or stashed.created_at < now - LIFETIME:
        session.pop(SESSION_KEY, None)
        return None
    if stashed.path != request.path:
        return None  # kept for another page: offered there
    if (stashed.data or {}).get("user_id") != user.id:
        session.pop(SESSION_KEY, None)
        return None
    stashed.used_at = now
    db.session.commit()
    session.pop(SESSION_KEY, None)
    fields = (stashed.data or {}).get("fields") or {}
    return MultiDict([(name, value) for name, values in fields.items() for value in values])
