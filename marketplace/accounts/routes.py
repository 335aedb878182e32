"""The account pages: registering an organisation, signing in and out (the second
factor's pages are in two_factor_routes.py), confirming an email address, resetting a
password, and accepting an invitation. Rules live in services.py; these views commit.
"""

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from ..extensions import db, limiter
from ..forms import ConfirmForm
from ..notifications import EmailFrequency
from . import bp, services, sessions
from .email_settings import set_email_frequency
from .forms import (
    AcceptInvitationForm,
    EmailSettingsForm,
    ForgotPasswordForm,
    ResendVerificationForm,
    ResetPasswordForm,
    SignInForm,
)
from .tokens import InvalidToken


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, never a scheme, and no control
    character (urlsplit drops tabs and newlines, so "/\r\n//evil.example" would pass
    as a path, then break the Location header)."""
    if not target or any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


bp.add_app_template_global(safe_next, "safe_next")


def _sign_in_failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


def _account_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()[:254]


def _failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def begin_session(user) -> None:
    """Every factor asked for is right: record the sign-in and commit, then sign `user` in
    in a new session (nothing from before carries over), kept across browser restarts."""
    services.record_sign_in(user)
    db.session.commit()
    sessions.renew()
    session.permanent = True
    login_user(user)


@bp.get("/register/check-your-email")
def check_email():
    return render_template("accounts/check_email.html", email=session.get("registered_email"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if request.method == "GET":
        # The same for everyone but its CSRF token: kept (page_parts.form_part), the form
        # made only to render it when it is not, and not through the limits on signing in.
        parts = current_app.extensions["page_parts"]
        return render_template(
            "accounts/sign_in.html", sign_in_form=parts.form_part("accounts/_sign_in_form.html", SignInForm)
        )
    return _signing_in()


# Each failed sign-in counts against the address it came from and the account it named
# (LOGIN_FAILURE_LIMIT); the limits are on this part of the view (Flask-Limiter counts it
# as the view's), so that asking for the page costs nothing of them.
@limiter.limit(_failure_limit, methods=["POST"], deduct_when=_sign_in_failed, scope="sign-in-address")
@limiter.limit(
    _failure_limit, methods=["POST"], key_func=_account_key, deduct_when=_sign_in_failed, scope="sign-in-account"
)
def _signing_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.sign_in_failed = True
            form.password.errors.append(_("Enter a correct email address and password"))
        elif not user.is_active:
            form.email.errors.append(
                _("This account has been closed. Contact the service team if you think this is wrong")
            )
        elif not user.email_verified:
            services.send_verification_email(user)
            db.session.commit()
            form.email.errors.append(_("Confirm your email address before you sign in. We've sent you a new link"))
        elif user.second_factor_needed:
            from .two_factor_routes import start

            return start(user, safe_next(request.args.get("next")))
        else:
            begin_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    sign_in_form = Markup(render_template("accounts/_sign_in_form.html", form=form))
    return render_template("accounts/sign_in.html", form=form, sign_in_form=sign_in_form)


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if current_user.is_authenticated:
            # Ends this session everywhere, a copied cookie included (sessions.py).
            sessions.end_everywhere(current_user)
            db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have signed out."), "success")
        return redirect(url_for("main.home"))
    if not current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("accounts/sign_out.html", form=form)


def _link_problem(kind: str, *, expired: bool = False):
    """The page for a link that is wrong, has expired or was used, with a 400."""
    return render_template("accounts/link_problem.html", expired=expired, kind=kind), 400


def _registered_in_this_browser(user) -> bool:
    """The link was opened in the browser that registered this account a moment ago (it
    typed the password): the confirmation can sign the person in, so registering and a
    first bid need one email and no second sign-in. Never for an account with a second
    factor, and never in any other browser."""
    registered = session.get("registered_email")
    return (
        isinstance(registered, str)
        and registered.strip().lower() == user.email.lower()
        and user.is_active
        and not user.second_factor_needed
    )


@bp.get("/verify-email/<token>")
def verify_email(token):
    try:
        user, then = services.verify_email(token)
    except InvalidToken as error:
        return _link_problem("verify", expired=error.expired)
    db.session.commit()
    then = safe_next(then)
    if current_user.is_authenticated and current_user.id == user.id:
        flash(_("Your email address is confirmed."), "success")
        return redirect(then or url_for("main.home"))
    if _registered_in_this_browser(user):
        begin_session(user)
        flash(_("Your email address is confirmed and you are signed in."), "success")
        return redirect(then or url_for("main.home"))
    flash(_("Your email address is confirmed. You can now sign in."), "success")
    return redirect(url_for("accounts.sign_in", next=then))


@bp.route("/verify-email/resend", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], scope="resend-verification")
def resend_verification():
    form = ResendVerificationForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and user.is_active and not user.email_verified:
            services.send_verification_email(user)
            db.session.commit()
        return render_template("accounts/link_sent.html", email=form.email.data, kind="verify")
    return render_template("accounts/resend_verification.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], scope="forgot-password")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/link_sent.html", email=form.email.data, kind="reset")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = services.user_for_reset_token(token)
    except InvalidToken as error:
        return _link_problem("reset", expired=error.expired)
    form = ResetPasswordForm(account_email=user.email)
    if form.validate_on_submit():
        services.set_password(user, form.password.data, actor=user)
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    try:
        invitation = services.invitation_for_token(token)
    except InvalidToken as error:
        return _link_problem("invitation", expired=error.expired)
    if not invitation.is_open:
        return _link_problem("used")
    existing = services.find_user(invitation.email)
    if existing is not None:
        return _accept_as_existing_user(invitation, existing)
    form = AcceptInvitationForm(account_email=invitation.email)
    if form.validate_on_submit():
        services.accept_invitation_as_new_user(invitation, name=form.your_name.data, password=form.password.data)
        db.session.commit()
        flash(_("Your account is ready. Sign in to get started."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


def _accept_as_existing_user(invitation, user):
    if current_user.is_authenticated and current_user.id != user.id:
        # Never sign someone out on a GET: explain, and let them choose.
        return render_template(
            "accounts/accept_invitation.html", invitation=invitation, other_account=True, form=ConfirmForm()
        )
    if not current_user.is_authenticated:
        flash(_("Sign in as %(email)s to accept the invitation.", email=invitation.email), "info")
        return redirect(url_for("accounts.sign_in", next=request.path))
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.accept_invitation(invitation, current_user)
        except services.AccountError as error:
            flash(str(error), "error")
            return redirect(url_for("main.home"))
        db.session.commit()
        flash(_("Invitation accepted."), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation, existing=True)


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html")


@bp.route("/account/emails", methods=["GET", "POST"])
@login_required
def email_settings():
    """Each email as it happens, or one a day: the signed-in user's own choice only."""
    form = EmailSettingsForm()
    if request.method == "GET":
        form.frequency.data = current_user.email_frequency.value
    if form.validate_on_submit():
        if set_email_frequency(current_user, EmailFrequency(form.frequency.data)):
            db.session.commit()
        flash(_("Your email settings have been saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/email_settings.html", form=form)
