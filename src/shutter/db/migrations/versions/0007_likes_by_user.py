"""likes looked up by the user who liked (Explore's similar-users signal)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_likes_user_id_id", "likes", ["user_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_likes_user_id_id", table_name="likes")
