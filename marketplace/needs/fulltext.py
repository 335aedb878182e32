"""Word search over needs' titles and summaries, the same on both databases.

PostgreSQL: the generated column needs.search_vector (to_tsvector('english') of the
title and summary) with a GIN index, matched with websearch_to_tsquery('english') and
ranked with ts_rank. SQLite: the external-content FTS5 table needs_fts (porter stemming),
kept by triggers, matched with MATCH and ranked by bm25. Both are made by migration 0017,
not by the models.

What the user typed is never query syntax on either database: `search_terms` keeps only
the words (letters and digits), lower case, without English stop words (PostgreSQL's own
list), so quotes, AND, OR, NEAR, *, - and brackets are just separators, and both
databases look for the same words: each must be in the title or summary, stemmed
("house" finds "housing").
"""

import re

import sqlalchemy as sa

from ..extensions import on_postgresql
from .models import Need

# PostgreSQL's English stop words (share/tsearch_data/english.stop, the Snowball list).
STOP_WORDS = frozenset(
    re.split(
        r"\s+",
        """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
        hers herself it its itself they them their theirs themselves what which who whom this that these
        those am is are was were be been being have has had having do does did doing a an the and but if or
        because as until while of at by for with about against between into through during before after
        above below to from up down in out on off over under again further then once here there when where
        why how all any both each few more most other some such no nor not only own same so than too very s
        t can will just don should now""",
    )
)
_WORD = re.compile(r"[^\W_]+")

# The objects migration 0017 makes that the models do not describe.
SEARCH_TABLES = frozenset({"needs_fts", "needs_fts_data", "needs_fts_idx", "needs_fts_docsize", "needs_fts_config"})
SEARCH_COLUMNS = frozenset({("needs", "search_vector")})
SEARCH_INDEXES = frozenset({"ix_needs_search_vector"})

_fts = sa.table("needs_fts", sa.column("rowid", sa.Integer), sa.column("rank", sa.Float))
_VECTOR: sa.ColumnElement = sa.literal_column("needs.search_vector")


def search_terms(text: str | None) -> list[str]:
    """The words to look for in what the user typed: no syntax, no stop words, no repeats."""
    found: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        if word not in STOP_WORDS and word not in found:
            found.append(word)
    return found


def _tsquery(terms: list[str]) -> sa.ColumnElement:
    # The terms are letters and digits only, and never "or": nothing in them is syntax.
    return sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), " ".join(terms))


def _fts_query(terms: list[str]) -> str:
    # Each term quoted: an FTS5 string, never an operator (AND, NEAR, *, column filters).
    return " ".join(f'"{term}"' for term in terms)


def _fts_matches(terms: list[str]) -> sa.Select:
    return sa.select(_fts.c.rowid, _fts.c.rank).where(sa.literal_column("needs_fts").op("MATCH")(_fts_query(terms)))


def matching(terms: list[str]) -> sa.ColumnElement[bool]:
    """The need has every term in its title or summary (stemmed): the one test of words
    that the list, its count and anything else searching needs by words use."""
    if not terms:
        return sa.true()
    if on_postgresql():
        return _VECTOR.op("@@")(_tsquery(terms))
    return Need.id.in_(_fts_matches(terms).with_only_columns(_fts.c.rowid))


def by_relevance(query: sa.Select, terms: list[str]) -> sa.Select:
    """The query with the best matches first (before its own order): ts_rank on
    PostgreSQL, bm25 on SQLite."""
    if not terms:
        return query
    if on_postgresql():
        return query.order_by(None).order_by(sa.func.ts_rank(_VECTOR, _tsquery(terms)).desc(), *query._order_by_clauses)
    found = _fts_matches(terms).subquery("words")
    return query.join(found, found.c.rowid == Need.id).order_by(None).order_by(found.c.rank, *query._order_by_clauses)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's comparison of the models with the database: leave out the search
    objects migration 0017 makes (they are not in the models)."""
    return not (
        (type_ == "table" and name in SEARCH_TABLES)
        or (type_ == "index" and name in SEARCH_INDEXES)
        or (type_ == "column" and (getattr(obj.table, "name", None), name) in SEARCH_COLUMNS)
    )
