"""A workspace's warehouse engine: duckdb or spark over the lake (ADR 0505)

Revision ID: 0502_warehouse_engines
Revises: 0501_forecasts_in_minor_units
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0502_warehouse_engines"
down_revision = "0501_forecasts_in_minor_units"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_engines",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_engines_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_engines")),
    )


def downgrade() -> None:
    op.drop_table("workspace_engines")
