"""How long a signed-in session lasts, and how it ends everywhere.

- Every session ends 8 hours after sign-in (ABSOLUTE), however busy.
- Staff (commissioners, evaluators, board members, finance officers, admins) are signed
  out after 30 minutes without a request (STAFF_IDLE). Their pages carry the GOV.UK
  timeout warning (static/app/timeout-warning.js): 2 minutes before, a dialog offers to
  stay signed in, and typing into a form counts as activity. A bid section's form posted
  after a time-out keeps what was typed (bids/stash.py).
- Sessions are signed cookies, so nothing on the server lists them. Instead the user's
  session_nonce is part of the id Flask-Login keeps in the cookie (User.get_id): changing
  it ends every session of that user on every app server, copied cookies included. It
  changes at sign-out, with the password, and when an admin closes the account.
"""

import time

from flask import flash, has_request_context, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user, user_logged_in

from .models import new_session_nonce

ABSOLUTE_SECONDS = 8 * 3600
STAFF_IDLE_SECONDS = 30 * 60
WARN_BEFORE_SECONDS = 2 * 60
STARTED, SEEN = "signed_in_at", "seen_at"


# What a session keeps across sign-in, which otherwise starts a new one (no fixation): the
# key to what a provider typed into a bid before signing in again (bids/stash.py).
CARRIED_OVER_SIGN_IN = ("bid_form_stash",)


def renew() -> None:
    """Start a new session at sign-in: nothing from before carries over but CARRIED_OVER_SIGN_IN."""
    kept = {key: session[key] for key in CARRIED_OVER_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def is_staff(user) -> bool:
    return bool(user.is_admin or user.area_memberships())


def end_everywhere(user) -> None:
    """End every session of this user, on every app server. The caller commits."""
    user.session_nonce = new_session_nonce()


def _started(sender, user, **extra) -> None:
    now = time.time()
    session[STARTED] = session[SEEN] = now


def _enforce() -> None:
    """Before each request: sign out a session past its limits (the view then asks the
    person to sign in, as for anyone signed out), else note the activity."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = time.time()
    started = session.setdefault(STARTED, now)
    seen = session.get(SEEN, now)
    idle_out = is_staff(current_user) and now - seen > STAFF_IDLE_SECONDS
    if now - started > ABSOLUTE_SECONDS or idle_out:
        logout_user()
        session.clear()
        flash(
            _("You were signed out after 30 minutes without activity, to protect your information.")
            if idle_out
            else _("You were signed out because you signed in more than 8 hours ago.")
        )
        return
    session[SEEN] = now


def seconds_left() -> int | None:
    """For a staff member's pages: seconds until the session ends, to warn them."""
    if not has_request_context() or not (current_user and current_user.is_authenticated and is_staff(current_user)):
        return None
    now = time.time()
    idle_left = STAFF_IDLE_SECONDS - (now - session.get(SEEN, now))
    absolute_left = ABSOLUTE_SECONDS - (now - session.get(STARTED, now))
    return max(0, int(min(idle_left, absolute_left)))


@login_required
def keep_alive():
    """The timeout warning's "Stay signed in": the request itself is the activity."""
    return jsonify({"seconds_left": seconds_left()})


def init_app(app) -> None:
    app.before_request(_enforce)
    user_logged_in.connect(_started, app)
    app.add_url_rule("/session/keep-alive", "session_keep_alive", keep_alive, methods=["GET"])

    @app.context_processor
    def session_limits():
        left = seconds_left()
        return {
            "session_warning": None
            if left is None
            else {
                "seconds_left": left,
                "warn_before": WARN_BEFORE_SECONDS,
                "idle": STAFF_IDLE_SECONDS,
            }
        }
