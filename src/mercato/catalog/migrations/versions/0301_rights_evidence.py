"""Rights evidence: a recorded grant's message link and when it was written down

Revision ID: 0301_rights_evidence
Revises: 0300_ugc_library
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0301_rights_evidence"
down_revision = "0300_ugc_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ugc_rights_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ugc_rights_events", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
        batch_op.drop_column("evidence_url")
