"""An index per library sort in its full order (the sort key, then newest, then id) with the
usual filters (status, platform, rights) riding along, so a filtered, sorted page is read in
order from one index and stops at its last row; indexes for the content-type and source
filters. The narrower (workspace, sort key) indexes they extend are dropped.

On PostgreSQL the nullable sort columns are indexed NULLS FIRST: read backwards, the index
then gives `DESC NULLS LAST`, the library's order (SQLite puts NULLs first in an ascending
index already and refuses NULLS FIRST in an index). Since the two engines need different
definitions, no model declares the sort indexes (`migrate.UNMODELLED_PREFIXES`).

Revision ID: 0320_ugc_library_sorts
Revises: 0310_ugc_platform_keys
"""

from __future__ import annotations

from alembic import op

revision = "0320_ugc_library_sorts"
down_revision = "0310_ugc_platform_keys"
branch_labels = None
depends_on = None

# Each sort's key as the library orders by it (`ugc.library_sql._order`), descending.
SORTS = {
    "recent": ("posted_at", "id"),
    "engagement": ("engagement", "posted_at", "id"),
    "curation": ("curation_score", "posted_at", "id"),
    "performance": ("site_performance", "posted_at", "id"),
}
FILTERS = ("status", "platform", "rights_status")
NULLABLE = {"posted_at", "curation_score", "site_performance"}
REPLACED = {
    "ix_ugc_items_ws_posted": ("workspace_id", "posted_at"),
    "ix_ugc_items_ws_engagement": ("workspace_id", "engagement"),
    "ix_ugc_items_ws_curation": ("workspace_id", "curation_score"),
}
FILTER_INDEXES = {
    "ix_ugc_items_ws_content_type": ("workspace_id", "content_type"),
    "ix_ugc_items_ws_source": ("workspace_id", "source"),
}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in REPLACED:
        op.drop_index(name, table_name="ugc_items")
    for sort, key in SORTS.items():
        columns = ["workspace_id", *key, *FILTERS]
        if postgres:
            listed = ", ".join(f"{c} NULLS FIRST" if c in NULLABLE else c for c in columns)
            op.execute(f"CREATE INDEX ix_ugc_items_sort_{sort} ON ugc_items ({listed})")
        else:
            op.create_index(f"ix_ugc_items_sort_{sort}", "ugc_items", columns)
    for name, filtered in FILTER_INDEXES.items():
        op.create_index(name, "ugc_items", list(filtered))


def downgrade() -> None:
    for name in FILTER_INDEXES:
        op.drop_index(name, table_name="ugc_items")
    for sort in SORTS:
        op.drop_index(f"ix_ugc_items_sort_{sort}", table_name="ugc_items")
    for name, columns in REPLACED.items():
        op.create_index(name, "ugc_items", list(columns))
