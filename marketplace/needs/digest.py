"""Saved searches (areas x service categories) and the daily digest that emails providers
the open needs published since they last heard.

`flask --app wsgi send-digest` runs send_digests(): one email per saved search with new
matches, then last_sent_at moves on, so running it twice sends nothing new.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..notifications import external_url, queue_email
from ..permissions import Action, can
from ..reference.models import Area, AreaKind, ServiceCategory
from ..timeutil import utcnow
from .labels import local_title
from .models import Need, SavedSearch
from .search import covers_any_pdu, region_pdu_ids

# A need published a moment before the digest runs may still be in an uncommitted
# transaction; looking only up to this long ago means it is picked up next time instead
# of being missed.
SETTLE = timedelta(minutes=1)
MAX_NEEDS_PER_EMAIL = 50


class SavedSearchError(Exception):
    """The message is fit to show the user."""


# Saved searches ------------------------------------------------------------------------


def current_saved_searches(user) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            sa.select(SavedSearch)
            .where(SavedSearch.user_id == user.id, SavedSearch.ended_at.is_(None))
            .order_by(SavedSearch.created_at, SavedSearch.id)
        )
    )


def create_saved_search(*, actor, area_ids: list[int], category_ids: list[int]) -> SavedSearch:
    """Empty lists mean any area / any category."""
    areas = _areas(area_ids)
    if len(areas) != len(set(area_ids)):
        raise SavedSearchError(_("Select areas from the list"))
    categories = _categories(category_ids)
    if len(categories) != len(set(category_ids)):
        raise SavedSearchError(_("Select service categories from the list"))
    search = SavedSearch(
        user_id=actor.id,
        area_ids=sorted(set(area_ids)),
        category_ids=sorted(set(category_ids)),
        created_at=utcnow(),
    )
    db.session.add(search)
    db.session.flush()
    audit.record(
        "saved_search.created",
        search,
        actor=actor,
        after={"area_ids": search.area_ids, "category_ids": search.category_ids},
    )
    return search


def end_saved_search(search: SavedSearch, *, actor) -> None:
    if search.ended_at is not None:
        return
    search.ended_at = utcnow()
    audit.record("saved_search.ended", search, actor=actor)


def _areas(ids) -> list[Area]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Area).where(Area.id.in_(ids)).order_by(Area.kind.desc(), Area.name)))


def _categories(ids) -> list[ServiceCategory]:
    if not ids:
        return []
    return list(
        db.session.scalars(sa.select(ServiceCategory).where(ServiceCategory.id.in_(ids)).order_by(ServiceCategory.name))
    )


@dataclass
class SearchDescription:
    """A saved search's areas and categories, named when read (in the email's language)."""

    area_rows: list[Area]
    category_rows: list[ServiceCategory]

    @property
    def areas(self) -> list[str]:
        return [a.label for a in self.area_rows]

    @property
    def categories(self) -> list[str]:
        return [c.local_name for c in self.category_rows]

    @property
    def text(self) -> str:
        where = ", ".join(self.areas) if self.areas else _("All of England and Wales")
        what = ", ".join(self.categories) if self.categories else _("any service category")
        return _("%(where)s: %(what)s", where=where, what=what)


def describe(search: SavedSearch) -> SearchDescription:
    return SearchDescription(_areas(search.area_ids or []), _categories(search.category_ids or []))


# Matching ------------------------------------------------------------------------------


def matches_clause(search: SavedSearch) -> sa.ColumnElement[bool]:
    """A need matches when it covers any chosen PDU or any PDU of a chosen region, and its
    category is one of those chosen; an empty list matches anything."""
    clauses = []
    if search.area_ids:
        chosen = _areas(search.area_ids)
        pdu_ids = [a.id for a in chosen if a.kind == AreaKind.PDU]
        region_ids = [a.id for a in chosen if a.kind == AreaKind.REGION]
        where = []
        if pdu_ids:
            where.append(covers_any_pdu(pdu_ids))
        if region_ids:
            where.append(covers_any_pdu(region_pdu_ids(region_ids)))
        clauses.append(sa.or_(*where) if where else sa.false())
    if search.category_ids:
        clauses.append(Need.category_id.in_(search.category_ids))
    return sa.and_(sa.true(), *clauses)


def new_matches(search: SavedSearch, *, since: datetime, until: datetime, now: datetime) -> list[Need]:
    """Open needs matching the search, published in (since, until]."""
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(
                Need.open_clause(now),
                Need.published_at > since,
                Need.published_at <= until,
                matches_clause(search),
            )
            .options(selectinload(Need.area).selectinload(Area.parent), selectinload(Need.category))
            .order_by(Need.closes_at, Need.id)
        )
    )


def _new_needs_subject(count: int) -> LazyString:
    """The digest's subject, in its recipient's language when the email is written."""
    return LazyString(
        lambda: ngettext("%(num)d new need on Local Partners", "%(num)d new needs on Local Partners", count)
    )


def send_digests(now: datetime | None = None) -> tuple[int, int]:
    """Queue one email per current saved search with new matching needs, and move each
    search's last_sent_at on. Returns (emails queued, searches checked). The caller commits."""
    now = now or utcnow()
    until = now - SETTLE
    searches = db.session.scalars(
        sa.select(SavedSearch)
        .where(SavedSearch.ended_at.is_(None))
        .options(selectinload(SavedSearch.user))
        .order_by(SavedSearch.id)
    ).all()
    queued = 0
    for search in searches:
        since = search.last_sent_at or search.created_at
        if since >= until:
            continue
        user = search.user
        if can(user, Action.SAVE_SEARCH):
            needs = new_matches(search, since=since, until=until, now=now)
            if needs:
                shown = needs[:MAX_NEEDS_PER_EMAIL]
                queue_email(
                    user.email,
                    _new_needs_subject(len(needs)),
                    "needs_digest",
                    user=user,
                    search=describe(search),
                    needs=[
                        {
                            "title": local_title(n),
                            "area": LazyString(lambda n=n: n.area.label),
                            "category": LazyString(lambda n=n: n.category.local_name if n.category else ""),
                            "closes_at": n.closes_at,
                            "link": external_url("needs.show_need", need_id=n.id),
                        }
                        for n in shown
                    ],
                    more=len(needs) - len(shown),
                    list_link=external_url("needs.list_needs"),
                    manage_link=external_url("needs.saved_searches"),
                )
                queued += 1
                audit.record("saved_search.digest_sent", search, after={"need_ids": [n.id for n in needs]})
        search.last_sent_at = until
    db.session.flush()
    return queued, len(searches)
