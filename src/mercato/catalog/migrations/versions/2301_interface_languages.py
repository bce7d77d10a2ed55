"""Interface languages: a user's choice and a workspace's default (ADR 2301)

Revision ID: 2301_interface_languages
Revises: 2300_cjk_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2301_interface_languages"
down_revision = "2300_cjk_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_languages",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_languages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_languages")),
    )
    op.create_table(
        "workspace_languages",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_languages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_languages")),
    )


def downgrade() -> None:
    op.drop_table("workspace_languages")
    op.drop_table("user_languages")
