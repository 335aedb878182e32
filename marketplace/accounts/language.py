"""Each person's language (English or Cymraeg), kept in their profile: chosen with the
switch on any page (`?lang=`) or on /account/language. Emails to them are written in it:
this answers notifications' question `language_of` (marketplace/signals.py)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from .. import audit, signals
from ..extensions import db
from ..i18n import LANGUAGES, chosen_on_request
from . import bp
from .models import User


@signals.language_of.connect
def _language_of(address: str) -> str | None:
    return db.session.scalar(sa.select(User.language).where(User.email == address))


def set_language(user: User, language: str) -> bool:
    """Keep `language` in the user's profile; False when it is already theirs. Flushes;
    the caller commits."""
    if language not in LANGUAGES or user.language == language:
        return False
    before = user.language
    user.language = language
    audit.record("user.language_changed", user, actor=user, before={"language": before}, after={"language": language})
    return True


@bp.before_app_request
def remember_language() -> None:
    """A signed-in person who switches language with `?lang=` keeps it in their profile."""
    asked = chosen_on_request()
    if asked is not None and current_user.is_authenticated and set_language(current_user, asked):
        db.session.commit()


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("Which language do you want to use the service in?"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validators=[InputRequired(message=_l("Select English or Cymraeg"))],
    )


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def language_settings():
    """The signed-in person's language, for pages and for the emails we send them."""
    form = LanguageForm()
    if request.method == "GET":
        form.language.data = current_user.language
    if form.validate_on_submit():
        if set_language(current_user, form.language.data):
            db.session.commit()
        flash(_("Your language has been saved."), "success")
        return redirect(url_for("accounts.account", lang=form.language.data))
    return render_template("accounts/language.html", form=form)
