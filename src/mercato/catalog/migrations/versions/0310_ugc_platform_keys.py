"""UGC platforms in lower case: intake stores one key per platform, so the library's filters
compare stored values as they are and use their indexes; the rights index also covers the
expiry date, so the sweep every search runs reads only the grants that are due, and the status
index the library's usual filters, so a search's count reads the index alone.

Revision ID: 0310_ugc_platform_keys
Revises: 0300_ugc_library
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0310_ugc_platform_keys"
down_revision = "0300_ugc_library"
branch_labels = None
depends_on = None

# Each table, and the columns besides the platform that make a row unique in it.
KEYED = {"ugc_items": "external_id", "ugc_creators": "handle"}


def upgrade() -> None:
    bind = op.get_bind()
    for name, other in KEYED.items():
        table = sa.table(
            name,
            sa.column("id", sa.String),
            sa.column("workspace_id", sa.String),
            sa.column("platform", sa.String),
            sa.column(other, sa.String),
        )
        mixed = bind.execute(
            sa.select(table.c.id, table.c.workspace_id, table.c.platform, table.c[other]).where(
                table.c.platform != sa.func.lower(sa.func.trim(table.c.platform))
            )
        ).all()
        for row_id, workspace_id, platform, key in mixed:
            lowered = platform.strip().lower()
            taken = bind.execute(
                sa.select(table.c.id).where(
                    table.c.workspace_id == workspace_id,
                    table.c.platform == lowered,
                    table.c[other] == key,
                )
            ).first()
            # A row whose lower-case twin already exists keeps its spelling rather than
            # break the unique key; the library's search still finds the twin.
            if taken is None:
                bind.execute(sa.update(table).where(table.c.id == row_id).values(platform=lowered))

    op.drop_index("ix_ugc_items_ws_rights", table_name="ugc_items")
    op.drop_index("ix_ugc_items_ws_status", table_name="ugc_items")
    op.create_index(
        "ix_ugc_items_ws_status",
        "ugc_items",
        ["workspace_id", "status", "platform", "rights_status"],
    )
    op.create_index(
        "ix_ugc_items_ws_rights_expiry",
        "ugc_items",
        ["workspace_id", "rights_status", "rights_expires_at"],
    )


def downgrade() -> None:
    """Lower-case keys are valid under the earlier revision; the narrower index comes back."""
    op.drop_index("ix_ugc_items_ws_rights_expiry", table_name="ugc_items")
    op.drop_index("ix_ugc_items_ws_status", table_name="ugc_items")
    op.create_index("ix_ugc_items_ws_status", "ugc_items", ["workspace_id", "status"])
    op.create_index("ix_ugc_items_ws_rights", "ugc_items", ["workspace_id", "rights_status"])
