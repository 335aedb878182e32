"""Parts of the needs' public pages kept per process, and still exact.

The list's results (the count, the page of needs, the pagination) are the same for
everyone who asks with the same filters, until a need changes or the clock passes a need's
closing time. So each process keeps their HTML, and a request sends one statement, the
stamp, instead of three, and renders none of them. The stamp is the key's changing part:

- the needs' change stamp (counts.stamp: 1 added by every transaction that changes a
  published need or anything of its, in that transaction, so a value read has seen every
  change committed before it);
- the first closing time after now (and, with "closing within 7 days", the first after
  the cut-off): while they stay the same, no need has closed, or come within 7 days;
- today's date in London (working days left), and the reference data's generation
  (area and category names: another process's `load-reference` is seen after a restart, as
  reference/cache.py says); and the page's language and script root.

A session with its own changes not yet committed (counts.UNCOMMITTED) neither reads nor
keeps: what it sees, nobody else may. The key holds a digest of the words searched, never
the words; the words are put into the pagination's links per request, in place of a marker
(a random one per process, which no need's title can hold). CACHE_PAGE_PARTS = False keeps
nothing: tests compare the two byte for byte. functools.lru_cache is thread-safe; two
threads missing the same key at once both render it, alike.
"""

import dataclasses
import functools
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, request, url_for
from markupsafe import Markup, escape

from ..extensions import db
from ..page_parts import page_language
from ..reference import cache as reference_cache
from ..timeutil import london_date
from . import counts
from .models import Need

# A page of results is about 12 kB: 500 of them, 6 MB a process at most.
MAX_KEPT = 500
WORDS = secrets.token_hex(16)  # stands for the words searched in the kept HTML


@dataclasses.dataclass(frozen=True)
class _Kept:
    """A kept part's key; `render` makes it on a miss and is not part of the key (nor kept:
    it holds the request's filters, the words searched among them)."""

    key: tuple
    render: Callable[[], Any] | None = dataclasses.field(compare=False, hash=False)


def _made(kept: _Kept) -> Any:
    assert kept.render is not None
    made = kept.render()
    object.__setattr__(kept, "render", None)  # the key is kept: not what made the value
    return made


def _store() -> Any:
    store = current_app.extensions.get("kept_need_pages")
    if store is None:
        store = current_app.extensions.setdefault("kept_need_pages", functools.lru_cache(maxsize=MAX_KEPT)(_made))
    return store


def _first_closing_after(name: str) -> sa.ScalarSelect:
    """Any need's, published or not (a draft's only makes the key change sooner): one
    step into the closes_at index."""
    after = sa.bindparam(name, type_=Need.closes_at.type)
    return sa.select(sa.func.min(Need.closes_at)).where(Need.closes_at > after).scalar_subquery()


# Made once: the statements are the same on every request but for the instants.
_STAMP = sa.select(counts.stamp(), _first_closing_after("now"))
_STAMP_WITH_CUTOFF = sa.select(counts.stamp(), _first_closing_after("now"), _first_closing_after("cutoff"))


def may_keep() -> bool:
    """Whether anything may be kept or read from what is: not when switched off, nor in a
    session with its own changes not yet committed."""
    return bool(current_app.config.get("CACHE_PAGE_PARTS", True)) and not db.session.info.get(counts.UNCOMMITTED)


def stamp(now: datetime, cutoff: datetime | None = None) -> tuple | None:
    """What the public pages' kept parts are kept by, read in one statement; None when
    nothing may be kept."""
    if not may_keep():
        return None
    if cutoff is None:
        read = tuple(db.session.execute(_STAMP, {"now": now}).one())
    else:
        read = tuple(db.session.execute(_STAMP_WITH_CUTOFF, {"now": now, "cutoff": cutoff}).one())
    return stamp_of(now, read)


def with_stamp(query: sa.Select) -> sa.Select:
    """`query` with the stamp's columns after its own (the instant as the parameter "now"),
    to read both in one statement: `stamp_of(now, row[n:])`."""
    return query.add_columns(*_STAMP.selected_columns)


def stamp_of(now: datetime, read: tuple) -> tuple:
    return (*_page(), reference_cache.generation(), london_date(now), *read)


def _page() -> tuple[str, str]:
    """The page's language and script root (url_for's paths start with it)."""
    return page_language(), request.script_root


def day_key(now: datetime, *parts) -> tuple | None:
    """A key for what depends on nothing but the reference data in force today and
    `parts`; None when nothing may be kept."""
    if not current_app.config.get("CACHE_PAGE_PARTS", True):
        return None
    return (*_page(), reference_cache.generation(), london_date(now), *parts)


def kept(key: tuple | None, render: Callable[[], Any]) -> Any:
    """What `render` makes, kept by `key` (from `stamp` and what else it depends on);
    rendered every time when `key` is None."""
    if key is None:
        return render()
    return _store()(_Kept(key, render))


def fill_words(html: str, words: str | None) -> Markup:
    """The words searched in place of the marker, encoded as url_for encodes them in a
    link, and escaped as an attribute is."""
    if words:
        encoded = url_for("needs.list_needs", q=words).split("q=", 1)[1]
        html = html.replace(WORDS, str(escape(encoded)))
    return Markup(html)
