"""The second factor's pages: the code after the password, setting up an authenticator
app (staff at their first sign-in; providers from their account page), recovery codes,
and turning it off (providers only).

After a right password, someone who must give a second factor is not signed in: the
session holds only "password right, code to come" (PENDING: who, their session nonce,
when, where to go next), for PENDING_MAX_AGE (SET_UP_MAX_AGE while setting up an app).
Flask-Login signs them in only after the code, in a new session. A session signed in
with a password alone (before two-factor authentication existed, or before the person
became staff) is sent back to the code before any other page.
"""

import functools
import time

from flask import (
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from ..extensions import db, limiter
from . import bp, services, sessions, two_factor
from .forms import (
    RecoveryCodeForm,
    TurnOffTwoFactorForm,
    TwoFactorCodeForm,
    TwoFactorSetUpForm,
)
from .models import User
from .routes import _failure_limit, begin_session, safe_next

PENDING = "two_factor_pending"
SET_UP = "two_factor_set_up"
DONE = "two_factor_done"
PENDING_MAX_AGE = 5 * 60
SET_UP_MAX_AGE = 15 * 60
WRONG_CODE = _l("The code is not right. Check your authenticator app and try again")
WRONG_RECOVERY_CODE = _l("The recovery code is not right, or it has been used. Check it and try again")

# Pages someone part-way through signing in, or with only a password, may still open.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "static",
        "accounts.sign_out",
        "accounts.enter_code",
        "accounts.enter_recovery_code",
        "accounts.set_up_authenticator",
        "main.healthz",
    }
)


def _code_failed(response) -> bool:
    return bool(g.get("code_failed"))


def _person_key() -> str:
    """Failed codes are counted per account: the signed-in user, or the one part-way in."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    pending = session.get(PENDING)
    return f"user:{pending.get('user')}" if isinstance(pending, dict) else "user:none"


def _limited(view):
    view = limiter.shared_limit(
        _failure_limit, scope="second-factor-address", methods=["POST"], deduct_when=_code_failed
    )(view)
    return limiter.shared_limit(
        _failure_limit, scope="second-factor-account", key_func=_person_key, methods=["POST"], deduct_when=_code_failed
    )(view)


def start(user: User, next_url: str | None):
    """The password was right and `user` must give a second factor: remember that, and
    only that, and ask for the code (or to set up an app first)."""
    sessions.renew()
    session[PENDING] = {"user": user.id, "nonce": user.session_nonce, "at": time.time(), "next": next_url}
    return redirect(url_for("accounts.enter_code" if user.two_factor_enabled else "accounts.set_up_authenticator"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.is_active or user.session_nonce != pending.get("nonce"):
        return None
    started = pending.get("at")
    max_age = PENDING_MAX_AGE if user.two_factor_enabled else SET_UP_MAX_AGE
    if not isinstance(started, (int, float)) or not 0 <= time.time() - started <= max_age:
        return None
    return user


def _sign_in_again():
    had_started = PENDING in session
    session.pop(PENDING, None)
    session.pop(SET_UP, None)
    if had_started:
        flash(
            _("For your security, sign in again. The code must be entered within a few minutes of your password."),
            "info",
        )
    return redirect(url_for("accounts.sign_in"))


def _part_way(*, set_up: bool):
    """(the person part-way through signing in, None), or (None, where to send them): home
    when signed in already, to sign in again when nothing is pending, and to the code or
    to setting up an app when `set_up` (an app set up already) says otherwise."""
    if current_user.is_authenticated:
        return None, redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        return None, _sign_in_again()
    if user.two_factor_enabled != set_up:
        return None, redirect(
            url_for("accounts.enter_code" if user.two_factor_enabled else "accounts.set_up_authenticator")
        )
    return user, None


def _signing_in(*, set_up: bool):
    """A page of someone part-way through signing in: the view is given them, and anyone
    else is sent where _part_way says."""

    def decorate(view):
        @functools.wraps(view)
        def part_way_view():
            user, elsewhere = _part_way(set_up=set_up)
            if elsewhere:
                return elsewhere
            return view(user)

        return part_way_view

    return decorate


def _finish_sign_in(user: User) -> str:
    """Both factors are right: a new session (nothing from before carries over), signed
    in. Returns where to go next. The caller has changed what it needs; this commits."""
    pending = session.get(PENDING) or {}
    next_url = safe_next(pending.get("next")) if isinstance(pending, dict) else None
    begin_session(user)
    session[DONE] = user.id
    return next_url or url_for("main.home")


@bp.before_app_request
def second_factor_given():
    """Someone signed in with a password alone who must give a second factor (staff, or
    a provider who turned it on) sees no page until they have: they are signed out and
    asked for the code, as after the password."""
    if request.endpoint in OPEN_BEFORE_SECOND_FACTOR or not current_user.is_authenticated:
        return None
    if session.get(DONE) == current_user.id or not current_user.second_factor_needed:
        return None
    user = current_user._get_current_object()
    logout_user()
    return start(user, request.full_path.rstrip("?") if request.method == "GET" else None)


def _refused(field, message: str) -> None:
    """A wrong code (or password): counted against the person (the rate limit), and told by the field."""
    g.code_failed = True
    field.errors.append(message)


def _code_accepted(form, accepts, wrong: str) -> bool:
    """Whether the form was sent with a code that `accepts(code)` takes; a wrong one is refused with `wrong`."""
    if not form.validate_on_submit():
        return False
    if accepts(form.code.data):
        return True
    _refused(form.code, wrong)
    return False


@bp.route("/sign-in/code", methods=["GET", "POST"])
@_limited
@_signing_in(set_up=True)
def enter_code(user: User):
    form = TwoFactorCodeForm()
    if _code_accepted(form, lambda code: two_factor.accept_code(user, code), WRONG_CODE):
        return redirect(_finish_sign_in(user))
    return render_template("accounts/enter_code.html", form=form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@_limited
@_signing_in(set_up=True)
def enter_recovery_code(user: User):
    form = RecoveryCodeForm()
    if _code_accepted(form, lambda code: two_factor.use_recovery_code(user, code), WRONG_RECOVERY_CODE):
        left = two_factor.recovery_codes_left(user)
        next_url = _finish_sign_in(user)
        flash(
            ngettext(
                "You signed in with a recovery code. It cannot be used again: you have %(num)d left.",
                "You signed in with a recovery code. It cannot be used again: you have %(num)d left.",
                left,
            )
            + (
                " " + _("If you have lost your phone, ask the service team to reset your two-factor authentication.")
                if left <= 3
                else ""
            ),
            "info",
        )
        return redirect(next_url)
    return render_template("accounts/enter_recovery_code.html", form=form, staff=user.two_factor_required)


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@_limited
@_signing_in(set_up=False)
def set_up_authenticator(user: User):
    return _set_up(user, signing_in=True)


@bp.route("/account/two-factor/turn-on", methods=["GET", "POST"])
@login_required
@_limited
def turn_on_two_factor():
    if current_user.two_factor_enabled:
        flash(_("Two-factor authentication is already turned on."), "info")
        return redirect(url_for("accounts.account"))
    return _set_up(current_user._get_current_object(), signing_in=False)


def _set_up(user: User, *, signing_in: bool):
    """The set-up page: a QR code and the secret to type, then a code from the app to
    show it works; then the recovery codes, once. The secret waits in the session (for
    this person only, who sees it on the page anyway) until a right code saves it."""
    secret = _secret_being_set_up(user)
    form = TwoFactorSetUpForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
        except services.AccountError as error:
            _refused(form.code, error.message)
        else:
            next_url = _finish_sign_in(user) if signing_in else _finish_turning_on(user)
            # Shown in this response and never again: nothing keeps them in clear.
            return _not_kept(
                render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url, signing_in=signing_in)
            )
    return _not_kept(
        render_template(
            "accounts/set_up_authenticator.html",
            form=form,
            qr_code=two_factor.qr_code_data_uri(two_factor.provisioning_uri(user, secret)),
            secret=two_factor.formatted_secret(secret),
            signing_in=signing_in,
            required=user.two_factor_required,
        )
    )


def _secret_being_set_up(user: User) -> str:
    """The secret kept in the session for this person's set-up, or a new one kept there."""
    kept = session.get(SET_UP)
    if isinstance(kept, dict) and kept.get("user") == user.id and isinstance(kept.get("secret"), str):
        return kept["secret"]
    secret = two_factor.new_secret()
    session[SET_UP] = {"user": user.id, "secret": secret}
    return secret


def _finish_turning_on(user: User) -> str:
    """A signed-in provider's app is set up: commit, and the session has given its second
    factor. Returns where to go next."""
    db.session.commit()
    session.pop(SET_UP, None)
    session[DONE] = user.id
    return url_for("accounts.account")


def _not_kept(html: str):
    """A page with a secret on it (the key, recovery codes) is kept by no browser or proxy
    cache, signed in or not yet."""
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@login_required
@_limited
def turn_off_two_factor():
    if not current_user.two_factor_enabled or current_user.two_factor_required:
        flash(
            _("You must use two-factor authentication because you are a member of staff.")
            if current_user.two_factor_required
            else _("Two-factor authentication is not turned on."),
            "info",
        )
        return redirect(url_for("accounts.account"))
    form = TurnOffTwoFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.turn_off(current_user, form.password.data)
        except services.AccountError as error:
            _refused(form.password, error.message)
        else:
            db.session.commit()
            session.pop(DONE, None)
            flash(_("Two-factor authentication is turned off. You will sign in with your password only."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/turn_off_two_factor.html", form=form)
