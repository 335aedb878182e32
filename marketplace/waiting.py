"""Work waiting for someone, as SQL: the one shape every package's "what waits" query
gives, so that a home page can count every kind of work in a single statement.

A waiting-work query selects one row per thing waiting, with the columns `columns()`
labels: the thing (`item_id`), the page it belongs to (`parent_id`: its need or contract),
the area of its need (`area_id`), since when it has waited (`since`), its deadline if it
has one (`due`) and a title to show (`title`). The package that owns the state writes the
query (it knows the rule); marketplace/homes counts them (homes/commissioner.py).
"""

import sqlalchemy as sa

from .timeutil import UTCDateTime


def columns(*, item, parent, area, since=None, due=None, title) -> list:
    """The labelled columns of one waiting-work query (`since` and `due` may be None)."""

    def moment(value, name: str):
        # A typed NULL where a kind has no such time (PostgreSQL matches the types across
        # UNION ALL); a column as it is (a CAST to DATETIME would make SQLite read a number).
        return (
            sa.cast(sa.null(), UTCDateTime).label(name)
            if value is None
            else sa.type_coerce(value, UTCDateTime).label(name)
        )

    return [
        item.label("item_id"),
        parent.label("parent_id"),
        area.label("area_id"),
        moment(since, "since"),
        moment(due, "due"),
        sa.type_coerce(title, sa.String).label("title"),
    ]
