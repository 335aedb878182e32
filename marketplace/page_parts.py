"""The parts of the GOV.UK page that are the same on every request, rendered once.

govuk-frontend-jinja's macros are costly (an import of other macros on every call, `indent`
on every line), and the package's template renders the header and the footer twice a
request (once to see whether they are empty). Two globals for templates keep their HTML:

- `fixed_part(name)`: templates/page_parts/<name>.html (the skip link, the GOV.UK header,
  the phase banner, the footer), which depend on nothing of the request or the person,
  rendered once per process, language and script root (url_for's paths start with it).
- `page_part(component, params, fill)`: a GOV.UK component's macro for these params (the
  service navigation; the start page's button and the back links of the sign-in page
  and a need's page, the macros the busiest pages call). A
  GOV.UK macro is imported without the template's context, so its HTML depends on nothing
  but its params: the params are the key (every value with its type: a Markup is not the
  key a str of the same text is), with the language. What differs on every request (the CSRF token of the sign-out form) stays out
  of the params: `fill` puts it in the HTML in place of a marker, where the macro places
  its slot unchanged (`| safe`, no indenting).

Either way, nothing of one request reaches another's page unless both would have shown
it. Thread-safe: functools.
lru_cache keeps its own structure consistent, and two threads missing the same key at once
both render it, alike. CACHE_PAGE_PARTS = False (config.py) renders every part on every
request, as without this module: the tests compare the two byte for byte.
"""

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_babel import LazyString
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .i18n import current_language

# Service navigations differ by the organisations a person belongs to; each is about 2 kB.
MAX_PARTS = 2048
# A marker no params contain, standing for a part of the HTML filled per request.
_MARKER = "\x00page-part-fill-{}\x00"


def page_language() -> str:
    """The language of the page being rendered ("en" or "cy")."""
    return current_language()


@dataclasses.dataclass(frozen=True)
class _Call:
    """A macro call as a cache key: the language, the component and its params frozen;
    the params themselves ride along, outside the comparison."""

    language: str
    component: str
    key: tuple
    params: Mapping = dataclasses.field(compare=False, hash=False)


def _frozen(value: Any) -> Any:
    """A hashable copy of the params, each value with its type."""
    if isinstance(value, Mapping):
        # In their order: a macro may show them in it (attributes).
        return ("map", tuple((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(item) for item in value))
    if value is None or isinstance(value, bool | int | float | str):
        return (type(value).__name__, value)
    if isinstance(value, LazyString):
        # A label made at import time (lazy_gettext): its text in the page's language,
        # which is part of the key already.
        return ("str", str(value))
    raise TypeError(f"page_part params must be plain values, not {type(value).__name__}")


def _macro(component: str) -> Any:
    """The GOV.UK component's macro, "service-navigation" -> govukServiceNavigation."""
    template = current_app.jinja_env.get_template(f"govuk_frontend_jinja/components/{component}/macro.html")
    return getattr(template.module, "govuk" + component.title().replace("-", ""))


@dataclasses.dataclass(frozen=True)
class _Form:
    """A form template as a cache key; what makes the form rides along to render it on a
    miss, and is let go of then (the form holds the CSRF token of that request)."""

    language: str
    script_root: str
    template: str
    make_form: Callable[[], Any] | None = dataclasses.field(compare=False, hash=False)


class PageParts:
    """One app's kept parts (each app its own, so that tests may switch them off)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.fixed = functools.lru_cache(maxsize=64)(self._render_fixed)
        self.called = functools.lru_cache(maxsize=MAX_PARTS)(self._call)
        self.forms = functools.lru_cache(maxsize=64)(self._render_form)

    @staticmethod
    def _render_fixed(language: str, script_root: str, name: str) -> str:
        return render_template(f"page_parts/{name}.html")

    @staticmethod
    def _call(call: _Call) -> str:
        return str(_macro(call.component)(call.params))

    @staticmethod
    def _render_form(kept: _Form) -> str:
        assert kept.make_form is not None  # a key is made with it and kept without it
        form = kept.make_form()
        html = render_template(kept.template, form=form)
        token = form.csrf_token.current_token
        object.__setattr__(kept, "make_form", None)
        if html.count(token) != 1:
            raise ValueError(f"{kept.template} must show its CSRF token once")
        return html.replace(token, _MARKER.format("csrf_token"))

    @property
    def kept(self) -> bool:
        return bool(self.app.config.get("CACHE_PAGE_PARTS", True))

    def fixed_part(self, name: str) -> Markup:
        """templates/page_parts/<name>.html, rendered once per process, language and script root."""
        if not self.kept:
            return Markup(render_template(f"page_parts/{name}.html"))
        return Markup(self.fixed(page_language(), request.script_root, name))

    def page_part(self, component: str, params: Mapping, fill: Mapping[str, str] | None = None) -> Markup:
        """The component's macro's HTML for `params`, kept. `fill` maps a slot of the params
        (a key of params["slots"]) to per-request HTML that is not kept: a non-empty one is
        given to the macro as a marker, and put in place of the marker afterwards."""
        filled = {slot: html for slot, html in (fill or {}).items() if html}
        if filled:
            slots = dict(params.get("slots") or {})
            slots.update({slot: Markup(_MARKER.format(slot)) for slot in filled})
            params = dict(params, slots=slots)
        if self.kept:
            html = self.called(_Call(page_language(), component, _frozen(params), params))
        else:
            html = str(_macro(component)(params))
        for slot, part in filled.items():
            html = html.replace(_MARKER.format(slot), str(part), 1)
        return Markup(html)

    def form_part(self, template: str, make_form: Callable[[], Any]) -> Markup:
        """`template` rendered with the form `make_form` makes, a form the same for everyone
        but its CSRF token (a GET's: nothing typed, no errors), kept once per process,
        language and script root, with this request's token put in place of a marker. The
        form is made only to render it: the token is Flask-WTF's for this request either way."""
        if not self.kept:
            return Markup(render_template(template, form=make_form()))
        html = self.forms(_Form(page_language(), request.script_root, template, make_form))
        return Markup(html.replace(_MARKER.format("csrf_token"), generate_csrf(), 1))


def init_app(app: Flask) -> None:
    parts = app.extensions["page_parts"] = PageParts(app)
    app.jinja_env.globals["fixed_part"] = parts.fixed_part
    app.jinja_env.globals["page_part"] = parts.page_part
