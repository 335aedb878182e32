from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: (_l("There was a problem with your request"), _l("Go back and try again.")),
    403: (_l("You do not have permission to see this page"), _l("If you think you should, contact the service team.")),
    404: (
        _l("Page not found"),
        _l("If you typed the web address, check it is correct. If you pasted it, check you copied the entire address."),
    ),
    405: (_l("Page not found"), _l("That page cannot be used in this way.")),
    413: (_l("The file is too large"), _l("Go back and choose a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried too many times in a short time. Wait 1 minute, then try again.")),
}

# The pages where a code is typed: their limit on wrong codes has its own message.
SECOND_FACTOR_PAGES = frozenset(
    {
        "accounts.enter_code",
        "accounts.enter_recovery_code",
        "accounts.set_up_authenticator",
        "accounts.turn_on_two_factor",
    }
)


def render_error(status: int, title: str | None = None, body: str | None = None):
    default_title, default_body = MESSAGES.get(status, MESSAGES[400])
    return (
        render_template("errors/error.html", status=status, title=title or default_title, body=body or default_body),
        status,
    )


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _("Your form could not be sent"),
            _(
                "This can happen if the page was open for a long time, or cookies are blocked. "
                "Go back, reload the page and try again. Nothing you sent was saved."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 429 and request.endpoint == "accounts.sign_in":
            return render_error(
                429,
                _("Too many failed sign-in attempts"),
                _(
                    "For your security, wait 1 minute before you try to sign in again. "
                    "If you have forgotten your password, you can reset it."
                ),
            )
        if error.code == 429 and request.endpoint in SECOND_FACTOR_PAGES:
            return render_error(
                429,
                _("Too many wrong codes"),
                _(
                    "For your security, wait 1 minute before you try again. "
                    "If you cannot use your authenticator app, use one of your recovery codes."
                ),
            )
        return render_error(error.code or 500)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return (
            render_template(
                "errors/error.html",
                status=500,
                title=_("Sorry, there is a problem with the service"),
                body=_("Try again later. What you entered has not been saved."),
            ),
            500,
        )
