"""shop refunds keep three decimals (KWD, BHD)

Revision ID: 0201_refunds_in_minor_units
Revises: 0200_connectors_sync_state
Create Date: 2026-12-02 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0201_refunds_in_minor_units"
down_revision = "0200_connectors_sync_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shop_refunds") as batch:
        batch.alter_column(
            "amount",
            existing_type=sa.Numeric(precision=14, scale=2),
            type_=sa.Numeric(precision=14, scale=3),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_refunds") as batch:
        batch.alter_column(
            "amount",
            existing_type=sa.Numeric(precision=14, scale=3),
            type_=sa.Numeric(precision=14, scale=2),
            existing_nullable=False,
        )
