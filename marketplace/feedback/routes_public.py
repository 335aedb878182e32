"""The public feedback form at /f/<code>: no account, plain words, works on a phone.

Nothing about the person is kept: not their address (the rate limits count it in memory
or Redis for a minute or a day, never in the database), not the time (the day only).
The form is a normal Flask-WTF form, so its CSRF token sits in the session cookie; the
session holds nothing else. A filled-in honeypot box gets the thank-you page and nothing
is kept. Too many answers from one address, or through one link in a day, get a clear
page (status 429). An unknown code is 404; a link turned off says it is closed.
"""

from flask import abort, current_app, redirect, render_template, request, url_for

from ..extensions import db, limiter
from ..refusals import committed
from ..timeutil import london_date, utcnow
from . import bp, services
from .choices import choices_for
from .forms import FeedbackForm

# How many answers one address may send, and one link may take (config.py, from the
# environment).


def _per_address() -> str:
    return current_app.config["FEEDBACK_LIMIT_PER_ADDRESS"]


def _per_link() -> str:
    return current_app.config["FEEDBACK_LIMIT_PER_LINK"]


def _link_key() -> str:
    return "feedback-link:" + (services.normal_code((request.view_args or {}).get("code")) or "unknown")


@bp.route("/f/<code>", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"], scope="feedback-address")
@limiter.limit(_per_link, methods=["POST"], key_func=_link_key, scope="feedback-link")
def give(code):
    link = services.find_link(code)
    if link is None:
        return render_template("feedback/not_found.html"), 404
    if services.normal_code(code) != code:
        return redirect(url_for("feedback.give", code=link.code))
    if not link.is_open:
        return render_template("feedback/closed.html")
    form = FeedbackForm(choices=choices_for(services.category_code(link.contract)))
    if request.method == "POST" and form.website.data:
        return redirect(url_for("feedback.thanks", code=link.code))  # a bot: keep nothing
    if form.validate_on_submit() and committed(lambda: _give(link, form), form, form.helped):
        return redirect(url_for("feedback.thanks", code=link.code))
    if request.method == "POST" and not form.errors:
        abort(400)
    return render_template("feedback/give.html", form=form, link=link), 400 if form.errors else 200


def _give(link, form) -> None:
    services.give(
        link,
        helped=form.helped.data,
        changes=form.changes.data or [],
        treated=int(form.treated.data),
        recommend=form.recommend.data,
        comment=form.comment.data,
        today=london_date(utcnow()),
    )


@bp.get("/f/<code>/thank-you")
def thanks(code):
    link = services.find_link(code)
    if link is None:
        return render_template("feedback/not_found.html"), 404
    return render_template("feedback/thanks.html")


@bp.errorhandler(429)
def too_many(error):
    db.session.rollback()
    return render_template("feedback/limited.html"), 429
