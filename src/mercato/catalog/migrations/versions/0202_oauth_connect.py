"""Connect for real: platform apps, OAuth states, pending grants, shop connections,
discovery watches, refresh tokens (sealed columns are Text holding `sealed:v1:` values)

Revision ID: 0202_oauth_connect
Revises: 0201_refunds_in_minor_units
Create Date: 2026-12-02 12:45:07.504168
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0202_oauth_connect"
down_revision = "0201_refunds_in_minor_units"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discovery_watches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("platform_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_discovery_watches_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_watches")),
        sa.UniqueConstraint("workspace_id", "kind", "value", name="uq_discovery_watches"),
    )
    op.create_table(
        "oauth_apps",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("endpoint_override", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_oauth_apps_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_apps")),
        sa.UniqueConstraint("workspace_id", "platform", name="uq_oauth_apps_platform"),
    )
    op.create_table(
        "oauth_pending_grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("session_binding", sa.String(length=64), nullable=False),
        sa.Column("sealed_choices", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_oauth_pending_grants_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_pending_grants")),
    )
    op.create_table(
        "oauth_states",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("session_binding", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("shop", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_oauth_states_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_states")),
        sa.UniqueConstraint("digest", name=op.f("uq_oauth_states_digest")),
    )
    op.create_table(
        "shop_connections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("shop_domain", sa.String(length=300), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("api_base_url", sa.String(length=500), nullable=True),
        sa.Column("api_version", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_shop_connections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_connections")),
        sa.UniqueConstraint("workspace_id", "provider", name="uq_shop_connections"),
    )
    with op.batch_alter_table("account_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refresh_token", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("refresh_token_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("granted_scopes", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_connections", schema=None) as batch_op:
        batch_op.drop_column("granted_scopes")
        batch_op.drop_column("refresh_token_expires_at")
        batch_op.drop_column("refresh_token")

    op.drop_table("shop_connections")
    op.drop_table("oauth_states")
    op.drop_table("oauth_pending_grants")
    op.drop_table("oauth_apps")
    op.drop_table("discovery_watches")
