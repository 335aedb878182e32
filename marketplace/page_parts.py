"""The parts of the GOV.UK page that are the same on every request, rendered once.

The header, the footer, the phase banner and the skip link are the same on every page,
and the service navigation is one of a few dozen (who is signed in, which item is active);
yet govuk-frontend-jinja's macros are costly (nested imports, `indent` on every line) and
the package's template renders the header and the footer twice a request (once to see
whether they are empty). `page_part(macro, params)` in a template returns the macro's HTML
for those params from a cache of the process, rendering it the first time.

It is safe because the macros are pure: a GOV.UK macro is imported without the template's
context, so its HTML depends on nothing but its params, and the params are the cache's key
(their every value, with its type: a Markup is not the same key as a str of the same text),
with the page's language (today always "en"; issue 23 adds Welsh). Nothing a request gives
a macro can reach another request's page unless the two gave it the same params. What is
different on every request (the CSRF token in the sign-out form) is kept out of the params:
`fill` puts it in the rendered HTML in place of a marker, where the macro places its slot
unchanged (`| safe`, no indenting).

Thread-safe: functools.lru_cache keeps its own structure consistent; two threads missing
the same key at once both render it, alike. CACHE_PAGE_PARTS = False (a setting, see
config.py) renders every part on every request, as without this module: the tests compare
the two byte for byte.
"""

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

# Service navigations differ by the organisations a person belongs to; each is about 2 kB.
MAX_PARTS = 2048
# A marker no params contain, standing for a part of the HTML filled per request.
_MARKER = "\x00page-part-fill-{}\x00"


@dataclasses.dataclass(frozen=True)
class _Call:
    """A macro call as a cache key: the language, the macro's name and its params frozen;
    the macro and its params themselves ride along, outside the comparison."""

    language: str
    name: str
    key: tuple
    macro: Any = dataclasses.field(compare=False, hash=False)
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
    raise TypeError(f"page_part params must be plain values, not {type(value).__name__}")


@functools.lru_cache(maxsize=MAX_PARTS)
def _rendered(call: _Call) -> str:
    return str(call.macro(call.params))


def page_language() -> str:
    """The language of the page being rendered: English until issue 23 adds Welsh."""
    return "en"


def page_part(macro: Any, params: Mapping, fill: Mapping[str, str] | None = None) -> Markup:
    """The macro's HTML for `params`, from the cache. `fill` maps a slot of the params
    (a key of params["slots"]) to per-request HTML that is not cached: a non-empty one is
    given to the macro as a marker, and put in place of the marker afterwards."""
    filled = {slot: html for slot, html in (fill or {}).items() if html}
    if filled:
        slots = dict(params.get("slots") or {})
        slots.update({slot: Markup(_MARKER.format(slot)) for slot in filled})
        params = dict(params, slots=slots)
    if current_app.config.get("CACHE_PAGE_PARTS", True):
        html = _rendered(_Call(page_language(), macro.name, _frozen(params), macro, params))
    else:
        html = str(macro(params))
    for slot, part in filled.items():
        html = html.replace(_MARKER.format(slot), str(part), 1)
    return Markup(html)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_part"] = page_part
