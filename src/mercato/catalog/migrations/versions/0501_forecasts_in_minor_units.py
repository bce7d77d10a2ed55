"""revenue forecasts keep three decimals (KWD, BHD)

Revision ID: 0501_forecasts_in_minor_units
Revises: 0500_kpis_targets
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0501_forecasts_in_minor_units"
down_revision = "0500_kpis_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revenue_forecasts") as batch:
        batch.alter_column(
            "amount",
            existing_type=sa.Numeric(precision=18, scale=2),
            type_=sa.Numeric(precision=18, scale=3),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("revenue_forecasts") as batch:
        batch.alter_column(
            "amount",
            existing_type=sa.Numeric(precision=18, scale=3),
            type_=sa.Numeric(precision=18, scale=2),
            existing_nullable=False,
        )
