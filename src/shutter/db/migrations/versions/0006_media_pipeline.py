"""media pipeline: variant and poster keys, and an index for the lifecycle job

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_UNATTACHED = "post_id IS NULL AND story_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("variants", sa.Text(), nullable=True))
        batch.add_column(sa.Column("poster_key", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_media_unattached",
        "media",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text(_UNATTACHED),
        sqlite_where=sa.text(_UNATTACHED),
    )


def downgrade() -> None:
    op.drop_index("ix_media_unattached", table_name="media")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("poster_key")
        batch.drop_column("variants")
