"""English and Welsh (Cymraeg): which language a page is in, and the switch between them.

Every string a person reads goes through gettext (Flask-Babel): `_()` in templates,
`gettext` in code run for a request, `lazy_gettext` where a string is made before the
request it is read in (form labels, validator messages). The Welsh catalogue is
marketplace/translations/cy/LC_MESSAGES/messages.po (`make translations` extracts, updates
and compiles it).

The page's language is, first to last: `?lang=cy` or `?lang=en` on any URL, which is kept
in a cookie and, for a signed-in person, in their profile; the cookie; the signed-in
person's profile; English. Emails go in their recipient's language (`in_language`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context

# Each language's own name for itself, as the switch shows it (GOV.UK's pattern).
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 60 * 60


def chosen_on_request() -> str | None:
    """The language asked for by `?lang=` on this request, if it is one we have."""
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else None


def select_language() -> str:
    """Flask-Babel's locale selector: the page's language (see the module's docstring)."""
    if not has_request_context():
        return DEFAULT
    if (asked := chosen_on_request()) is not None:
        return asked
    if (kept := request.cookies.get(COOKIE)) in LANGUAGES:
        return str(kept)
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return str(current_user.language)
    return DEFAULT


def current_language() -> str:
    """The language the current page (or email, under in_language) is written in."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Render in `language` (an email in its recipient's), whatever the page's is."""
    with force_locale(language if language in LANGUAGES else DEFAULT):
        yield


class Bilingual:
    """A model with its text in both languages (`title` and `title_cy`, `summary` and
    `summary_cy`): `local_title` and `local_summary` are the page's language's, the
    English where there is no Welsh."""

    title: str
    title_cy: str
    summary: str
    summary_cy: str

    @property
    def local_title(self) -> str:
        return self.title_cy if self.title_cy and current_language() == "cy" else self.title

    @property
    def local_summary(self) -> str:
        return self.summary_cy if self.summary_cy and current_language() == "cy" else self.summary


def switch_links() -> list[dict]:
    """The language switch: this page's URL in each language, the current one marked."""
    here = current_language()
    links = []
    for code, name in LANGUAGES.items():
        query = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
        query.append(("lang", code))
        links.append(
            {"code": code, "name": name, "current": code == here, "href": f"{request.path}?{urlencode(query)}"}
        )
    return links


def _remember(response: Response) -> Response:
    """Keep a language chosen with `?lang=` in the cookie (accounts keeps it in a
    signed-in person's profile: accounts/language.py)."""
    asked = g.get("language_asked")
    if asked is not None and request.cookies.get(COOKIE) != asked:
        response.set_cookie(
            COOKIE, asked, max_age=COOKIE_SECONDS, secure=request.is_secure, httponly=True, samesite="Lax"
        )
    return response


def _translations(context) -> Any:
    """The page's translations, looked up once a render (the context processor below)
    rather than once a message: Flask-Babel's own lookup finds the request's context each
    time, about a sixth of the start page's time. A macro imported without the context
    looks them up as Flask-Babel does."""
    found = context.get("_translations")
    return found if found is not None else get_translations()


@pass_context
def _gettext(context, message: str) -> str:
    return _translations(context).ugettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, number: int) -> str:
    return _translations(context).ungettext(singular, plural, number)


@pass_context
def _pgettext(context, message_context: str, message: str) -> str:
    return _translations(context).upgettext(message_context, message)


@pass_context
def _npgettext(context, message_context: str, singular: str, plural: str, number: int) -> str:
    return _translations(context).unpgettext(message_context, singular, plural, number)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_language, default_translation_directories="translations")
    # Jinja's i18n extension (newstyle: autoescaped, %-placeholders), with the lookups above.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    app.context_processor(lambda: {"_translations": get_translations()})

    @app.before_request
    def note_language() -> None:
        g.language_asked = chosen_on_request()

    app.after_request(_remember)
    app.jinja_env.globals["page_language"] = current_language
    app.jinja_env.globals["languages"] = LANGUAGES
    app.jinja_env.globals["language_switch"] = switch_links
