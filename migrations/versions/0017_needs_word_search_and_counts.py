"""Word search and kept counts for the public list of needs

PostgreSQL: a generated stored column needs.search_vector, to_tsvector('english') of the
title and summary, with a GIN index. SQLite: an external-content FTS5 table needs_fts
(porter stemming) kept by triggers on needs. Neither is in the models: the search
module reads them by name, and the models-and-migrations check leaves them out
(marketplace.needs.fulltext.include_object). A later migration that rebuilds the needs
table on SQLite (batch mode "recreate") drops the triggers with it and must make them
again (fulltext.SQLITE_TRIGGERS has their text).

need_counts: listed needs (published, neither withdrawn nor cancelled) per facet of the
list's filters and UTC day of closing, kept by the transactions that change needs
(marketplace.needs.counts). Filled here from the needs there are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 06:00:00.000000

"""
from collections import Counter

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

PG_VECTOR = "to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(summary, ''))"
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE needs_fts USING fts5(title, summary, content='needs', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 0')"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER needs_fts_insert AFTER INSERT ON needs BEGIN"
    " INSERT INTO needs_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary); END",
    "CREATE TRIGGER needs_fts_delete AFTER DELETE ON needs BEGIN"
    " INSERT INTO needs_fts(needs_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary); END",
    "CREATE TRIGGER needs_fts_update AFTER UPDATE OF title, summary ON needs BEGIN"
    " INSERT INTO needs_fts(needs_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary);"
    " INSERT INTO needs_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary); END",
)

# The value bands of the list's filter (marketplace.needs.search.VALUE_BANDS), in pence.
VALUE_BANDS = (
    ("under-25k", None, 2_500_000),
    ("25k-100k", 2_500_000, 10_000_000),
    ("100k-500k", 10_000_000, 50_000_000),
    ("over-500k", 50_000_000, None),
)
LISTED = "n.published_at IS NOT NULL AND n.withdrawn_at IS NULL AND n.cancelled_at IS NULL"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(f"ALTER TABLE needs ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_needs_search_vector ON needs USING gin (search_vector)")
    elif bind.dialect.name == 'sqlite':
        op.execute(SQLITE_FTS)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO needs_fts(needs_fts) VALUES ('rebuild')")
    counts = op.create_table(
        'need_counts',
        sa.Column('facet', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('needs', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('facet', 'value', 'closes_on', name=op.f('pk_need_counts')),
    )
    rows = _counts(bind)
    if rows:
        op.bulk_insert(counts, rows)


def _counts(bind) -> list[dict]:
    """The kept counts of the needs there are (as marketplace.needs.counts.facet_rows)."""
    band = " ".join(
        f"WHEN n.value_pence >= {low or 0}{f' AND n.value_pence < {high}' if high else ''} THEN '{key}'"
        for key, low, high in VALUE_BANDS
    )
    queries = [
        f"SELECT 'all', '', n.closes_at FROM needs n WHERE {LISTED}",
        f"SELECT 'category', CAST(n.category_id AS VARCHAR(32)), n.closes_at FROM needs n"
        f" WHERE {LISTED} AND n.category_id IS NOT NULL",
        f"SELECT 'procedure', n.procedure, n.closes_at FROM needs n WHERE {LISTED} AND n.procedure IS NOT NULL",
        f"SELECT 'value', CASE {band} END, n.closes_at FROM needs n WHERE {LISTED}",
        f"SELECT 'vcse', '', n.closes_at FROM needs n WHERE {LISTED}"
        " AND EXISTS (SELECT 1 FROM lots l WHERE l.need_id = n.id AND l.reservation = 'vcse')",
        f"SELECT 'pdu', CAST(p.area_id AS VARCHAR(32)), n.closes_at FROM needs n JOIN need_pdus p ON p.need_id = n.id"
        f" WHERE {LISTED}",
        f"SELECT DISTINCT 'region', CAST(a.parent_id AS VARCHAR(32)), n.closes_at, n.id FROM needs n"
        f" JOIN need_pdus p ON p.need_id = n.id JOIN areas a ON a.id = p.area_id"
        f" WHERE {LISTED} AND a.kind = 'pdu' AND a.parent_id IS NOT NULL",
    ]
    found = Counter()
    for query in queries:
        for row in bind.execute(sa.text(query)):
            found[(row[0], row[1], str(row[2])[:10])] += 1
    from datetime import date

    return [
        {'facet': facet, 'value': value, 'closes_on': date.fromisoformat(day), 'needs': n}
        for (facet, value, day), n in sorted(found.items())
    ]


def downgrade():
    op.drop_table('need_counts')
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_needs_search_vector")
        op.execute("ALTER TABLE needs DROP COLUMN search_vector")
    elif bind.dialect.name == 'sqlite':
        for name in ('needs_fts_update', 'needs_fts_delete', 'needs_fts_insert'):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE needs_fts")
