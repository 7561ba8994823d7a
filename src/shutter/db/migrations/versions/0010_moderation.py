"""trust and safety: roles, suspensions, removals, sensitive posts, screening, reports,
the moderation audit log, appeals

Revision ID: 0010_moderation
Revises: 0009_comment_hashtags
Create Date: 2026-11-30 23:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_moderation"
down_revision = "0009_comment_hashtags"
branch_labels = None
depends_on = None

_OPEN_BY_REPORTER = "status = 'open' AND reporter_id IS NOT NULL"


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(16), server_default="user", nullable=False))
        batch.add_column(_when("suspended_at"))
        batch.add_column(_when("suspended_until"))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(_when("removed_at"))
        batch.add_column(sa.Column("sensitive", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(_when("removed_at"))
    with op.batch_alter_table("stories") as batch:
        batch.add_column(_when("removed_at"))
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("screening", sa.String(16), nullable=True))
        batch.add_column(sa.Column("screening_score", sa.Float(), nullable=True))
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("target_owner_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("action_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _when("resolved_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index("ix_reports_status_target", "reports", ["status", "target_type", "target_id"])
    op.create_index("ix_reports_reporter_id_id", "reports", ["reporter_id", "id"])
    op.create_index(
        "uq_reports_open_per_reporter",
        "reports",
        ["reporter_id", "target_type", "target_id"],
        unique=True,
        postgresql_where=sa.text(_OPEN_BY_REPORTER),
        sqlite_where=sa.text(_OPEN_BY_REPORTER),
    )
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("target_owner_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        _when("until"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(
        "ix_moderation_actions_target", "moderation_actions", ["target_type", "target_id"]
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("action_id", sa.BigInteger(), nullable=False),
        sa.Column("appellant_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _when("resolved_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("action_id", name=op.f("uq_appeals_action_id")),
    )
    op.create_index("ix_appeals_status_id", "appeals", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_appeals_status_id", table_name="appeals")
    op.drop_table("appeals")
    op.drop_index("ix_moderation_actions_target", table_name="moderation_actions")
    op.drop_table("moderation_actions")
    op.drop_index("uq_reports_open_per_reporter", table_name="reports")
    op.drop_index("ix_reports_reporter_id_id", table_name="reports")
    op.drop_index("ix_reports_status_target", table_name="reports")
    op.drop_table("reports")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("screening_score")
        batch.drop_column("screening")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("sensitive")
        batch.drop_column("removed_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("suspended_until")
        batch.drop_column("suspended_at")
        batch.drop_column("role")
