"""Server-side login sessions and applied webhook deliveries

Revision ID: 1400_guard_sessions
Revises: 0002_ugc_candidates
Create Date: 2026-12-02 06:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1400_guard_sessions"
down_revision = "0002_ugc_candidates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_login_sessions_digest")),
    )
    op.create_index("ix_login_sessions_user", "login_sessions", ["user_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_webhook_deliveries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "workspace_id", "provider", "delivery_id", name="uq_webhook_deliveries"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_received", "webhook_deliveries", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_received", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_login_sessions_user", table_name="login_sessions")
    op.drop_table("login_sessions")
