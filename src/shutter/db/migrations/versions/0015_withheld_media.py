"""withheld media keys: the files of removed content are not served

Revision ID: 0015_withheld_media
Revises: 0014_oauth
Create Date: 2026-12-01 01:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_withheld_media"
down_revision = "0014_oauth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withheld_media_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("withheld_media_keys")
