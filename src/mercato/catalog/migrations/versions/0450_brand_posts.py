"""Brand posts: the pictures and tagged products of the brand's own posts (link-in-bio)

Revision ID: 0450_brand_posts
Revises: 0400_galleries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0450_brand_posts"
down_revision = "0400_galleries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brand_posts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("post_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("thumb_path", sa.String(length=500), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_brand_posts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_posts")),
        sa.UniqueConstraint("workspace_id", "platform", "post_id", name="uq_brand_posts_post"),
    )
    op.create_table(
        "brand_post_products",
        sa.Column("brand_post_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_post_id"],
            ["brand_posts.id"],
            name=op.f("fk_brand_post_products_brand_post_id_brand_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_brand_post_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("brand_post_id", "product_id", name=op.f("pk_brand_post_products")),
    )
    with op.batch_alter_table("brand_post_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_brand_post_products_product_id"), ["product_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("brand_post_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brand_post_products_product_id"))
    op.drop_table("brand_post_products")
    op.drop_table("brand_posts")
