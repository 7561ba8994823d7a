"""partial indexes of suspended and deactivated accounts, for the anti-joins of every read
of posts (the pull feed scanned the whole users table twice per page)

Revision ID: 0029_users_state_indexes
Revises: 0028_push_preferences
Create Date: 2026-12-01 14:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_users_state_indexes"
down_revision = "0028_push_preferences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, column in (
        ("ix_users_suspended", "suspended_at"),
        ("ix_users_deactivated", "deactivated_at"),
    ):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name, "users", ["id"], unique=False, postgresql_where=where, sqlite_where=where
        )


def downgrade() -> None:
    op.drop_index("ix_users_deactivated", table_name="users")
    op.drop_index("ix_users_suspended", table_name="users")
