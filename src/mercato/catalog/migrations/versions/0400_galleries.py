"""Galleries (definitions, manual items) and link-in-bio shop pages

Revision ID: 0400_galleries
Revises: 0300_ugc_library
Create Date: 2026-11-23 12:52:59.489269
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0400_galleries"
down_revision = "0300_ugc_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "galleries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("layout", sa.String(length=16), nullable=False),
        sa.Column("placement", sa.String(length=16), nullable=False),
        sa.Column("selection", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("max_items", sa.Integer(), nullable=False),
        sa.Column("min_items", sa.Integer(), nullable=False),
        sa.Column("fallback_id", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fallback_id"],
            ["galleries.id"],
            name=op.f("fk_galleries_fallback_id_galleries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_galleries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_galleries")),
        sa.UniqueConstraint("workspace_id", "name", name="uq_galleries_name"),
    )
    op.create_table(
        "shop_pages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["social_accounts.id"],
            name=op.f("fk_shop_pages_account_id_social_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_shop_pages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_pages")),
        sa.UniqueConstraint("handle", name=op.f("uq_shop_pages_handle")),
    )
    with op.batch_alter_table("shop_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shop_pages_account_id"), ["account_id"], unique=False)

    op.create_table(
        "gallery_items",
        sa.Column("gallery_id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gallery_id"],
            ["galleries.id"],
            name=op.f("fk_gallery_items_gallery_id_galleries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["ugc_items.id"],
            name=op.f("fk_gallery_items_item_id_ugc_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gallery_id", "item_id", name=op.f("pk_gallery_items")),
    )
    with op.batch_alter_table("gallery_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gallery_items_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gallery_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gallery_items_item_id"))

    op.drop_table("gallery_items")
    with op.batch_alter_table("shop_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_pages_account_id"))

    op.drop_table("shop_pages")
    op.drop_table("galleries")
