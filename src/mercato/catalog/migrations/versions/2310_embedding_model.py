"""Each stored embedding names the model that made it (ADR 2310): vectors of another model
are re-embedded, never compared. Rows stored before were all made by all-MiniLM-L6-v2.

Revision ID: 2310_embedding_model
Revises: 2301_interface_languages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2310_embedding_model"
down_revision = "2301_interface_languages"
branch_labels = None
depends_on = None

EARLIER_MODEL = "all-MiniLM-L6-v2"


def upgrade() -> None:
    with op.batch_alter_table("ugc_embeddings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("model", sa.String(length=64), nullable=False, server_default=EARLIER_MODEL)
        )
        batch_op.drop_index("ix_ugc_embeddings_ws_item")
        batch_op.create_index(
            "ix_ugc_embeddings_ws_model_item", ["workspace_id", "model", "item_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ugc_embeddings", schema=None) as batch_op:
        batch_op.drop_index("ix_ugc_embeddings_ws_model_item")
        batch_op.create_index(
            "ix_ugc_embeddings_ws_item", ["workspace_id", "item_id"], unique=False
        )
        batch_op.drop_column("model")
