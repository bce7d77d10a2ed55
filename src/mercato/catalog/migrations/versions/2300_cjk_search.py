"""Search that reads CJK (ADR 2300): UGC search text NFKC-normalised and split at script
changes; a trigram index beside the word index (FTS5 `trigram` on SQLite, `pg_trgm` GIN on
PostgreSQL) that finds words inside Japanese, Chinese, Korean and Thai text.

Revision ID: 2300_cjk_search
Revises: 0002_ugc_candidates
Depends on: 0300_ugc_library
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mercato.core.textsearch import index_form

revision = "2300_cjk_search"
down_revision = "0002_ugc_candidates"
branch_labels = None
depends_on = "0300_ugc_library"

# Like the word index (0300), triggers keep the trigram table in step with every write.
_SQLITE_TRIGRAMS = [
    "CREATE VIRTUAL TABLE ugc_items_fts_trigram USING fts5("
    "item_id UNINDEXED, body, tokenize='trigram')",
    "CREATE TRIGGER ugc_items_fts_trigram_insert AFTER INSERT ON ugc_items BEGIN "
    "INSERT INTO ugc_items_fts_trigram(rowid, item_id, body) "
    "VALUES (new.rowid, new.id, new.search_text); END",
    "CREATE TRIGGER ugc_items_fts_trigram_update AFTER UPDATE OF search_text ON ugc_items BEGIN "
    "DELETE FROM ugc_items_fts_trigram WHERE rowid = old.rowid; "
    "INSERT INTO ugc_items_fts_trigram(rowid, item_id, body) "
    "VALUES (new.rowid, new.id, new.search_text); END",
    "CREATE TRIGGER ugc_items_fts_trigram_delete AFTER DELETE ON ugc_items BEGIN "
    "DELETE FROM ugc_items_fts_trigram WHERE rowid = old.rowid; END",
    "INSERT INTO ugc_items_fts_trigram(rowid, item_id, body) "
    "SELECT rowid, id, search_text FROM ugc_items",
]


def _renormalise(bind: sa.Connection) -> None:
    """Existing rows get the search form new rows get (the word index follows by trigger)."""
    rows = bind.execute(sa.text("SELECT id, search_text FROM ugc_items")).all()
    for item_id, text in rows:
        normalised = index_form(text or "")
        if normalised != text:
            bind.execute(
                sa.text("UPDATE ugc_items SET search_text = :t WHERE id = :i"),
                {"t": normalised, "i": item_id},
            )


def _require_pg_trgm(bind: sa.Connection) -> None:
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        raise RuntimeError(
            "catalog migration 2300_cjk_search needs PostgreSQL's pg_trgm extension "
            "(part of the PostgreSQL contrib package, e.g. Debian's postgresql-15)"
        )
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _renormalise(bind)
        for statement in _SQLITE_TRIGRAMS:
            op.execute(statement)
        return
    _require_pg_trgm(bind)
    _renormalise(bind)
    op.execute(
        "CREATE INDEX ix_ugc_items_fulltext_trgm ON ugc_items USING GIN (search_text gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS ugc_items_fts_trigram_{name}")
        op.execute("DROP TABLE IF EXISTS ugc_items_fts_trigram")
    else:
        op.execute("DROP INDEX IF EXISTS ix_ugc_items_fulltext_trgm")
